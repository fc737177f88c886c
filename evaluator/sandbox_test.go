package evaluator_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/policies"
	"github.com/authgate/authgate/snapshot"
	"github.com/open-policy-agent/opa/v1/ast"
)

// sbControl is a tenant control whose body is body, in package authgate.sb.
func sbControl(id, body string) string {
	return "# METADATA\n# scope: package\n# title: T\n# description: D\n# custom:\n#   id: " + id +
		"\n#   severity: high\n#   scope: tenant\n#   remediation: R\n#   references:\n#     - id: X\npackage authgate.sb\n\n" + body
}

// sbSnapshot writes a two-user snapshot fetched at fetchedAt.
func sbSnapshot(t *testing.T, fetchedAt string) string {
	t.Helper()
	user := func(id, upn string, admin bool) map[string]any {
		return map[string]any{
			"id": id, "userPrincipalName": upn, "userDisplayName": upn, "userType": "member", "isAdmin": admin,
			"isMfaCapable": true, "isMfaRegistered": true, "isPasswordlessCapable": false, "isSsprCapable": true,
			"isSsprEnabled": true, "isSsprRegistered": true, "isSystemPreferredAuthenticationMethodEnabled": true,
			"systemPreferredAuthenticationMethods": []string{"push"}, "userPreferredMethodForSecondaryAuthentication": "push",
			"methodsRegistered": []string{"microsoftAuthenticatorPush"}, "lastUpdatedDateTime": "2026-11-26T08:00:00Z",
		}
	}
	doc := map[string]any{
		"schemaVersion": 1,
		"manifest": map[string]any{"tenantId": "00000000-0000-0000-0000-0000000000aa", "cloud": "global",
			"graphEndpoint": "https://graph.microsoft.com", "apiVersion": "v1.0", "fetchedAt": fetchedAt},
		"userRegistrationDetails": []any{user("u1", "alice@contoso.example", true), user("u2", "bob@contoso.example", false)},
	}
	b, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "snapshot.json")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func sbWrite(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestSandboxRefusals proves that the builtins reaching the network or the
// environment are refused at compile time, by check (New) and by policy
// test (RunTests) alike, with an error naming the builtin, the file and
// line, and --allow-builtin; and that allowing them by name lifts the refusal.
func TestSandboxRefusals(t *testing.T) {
	tests := []struct {
		builtin, allow, call string
	}{
		{"http.send", "http.send", `r := http.send({"method": "GET", "url": "https://example.com"})`},
		{"net.lookup_ip_addr", "net.*", `r := net.lookup_ip_addr("example.com")`},
		{"net.cidr_contains", "net.*", `r := net.cidr_contains("10.0.0.0/8", "10.1.2.3")`},
		{"opa.runtime", "opa.runtime", `r := opa.runtime()`},
	}
	for _, tt := range tests {
		t.Run(tt.builtin, func(t *testing.T) {
			src := sbControl("SB-1", "violation contains {\"message\": m} if {\n\t"+tt.call+"\n\tm := sprintf(\"%v\", [r])\n}\n")
			dir := sbWrite(t, map[string]string{
				"sb.rego":      src,
				"sb_test.rego": "package authgate.sb_test\n\nimport data.authgate.sb\n\ntest_x if count(sb.violation) >= 0\n",
			})
			file := filepath.Join(dir, "sb.rego")
			ctx := context.Background()
			run := map[string]func(...evaluator.Option) error{
				"check": func(opts ...evaluator.Option) error { _, err := evaluator.New(ctx, opts...); return err },
				"policy test": func(opts ...evaluator.Option) error {
					_, err := evaluator.RunTests(ctx, opts...)
					return err
				},
			}
			for name, f := range run {
				err := f(evaluator.WithBuiltin(policies.FS), evaluator.WithPolicies(dir))
				var pe *evaluator.PolicyError
				if !errors.As(err, &pe) {
					t.Fatalf("%s: error %v (%T), want a *PolicyError", name, err, err)
				}
				msg := err.Error()
				for _, want := range []string{file + ":15:", "SB-1", "undefined function " + tt.builtin, "--allow-builtin " + tt.allow} {
					if !strings.Contains(msg, want) {
						t.Errorf("%s: error %q does not contain %q", name, msg, want)
					}
				}
				if err := f(evaluator.WithBuiltin(policies.FS), evaluator.WithPolicies(dir), evaluator.WithAllowedBuiltins(tt.allow)); err != nil {
					t.Errorf("%s with --allow-builtin %s: %v", name, tt.allow, err)
				}
			}
		})
	}
}

// TestSandboxRefusesInTests proves the sandbox also covers the test files
// policy test runs.
func TestSandboxRefusesInTests(t *testing.T) {
	dir := sbWrite(t, map[string]string{
		"sb.rego":      sbControl("SB-1", "violation contains {\"message\": \"m\"} if false\n"),
		"sb_test.rego": "package authgate.sb_test\n\ntest_env if opa.runtime().env.HOME != \"\"\n",
	})
	_, err := evaluator.RunTests(context.Background(), evaluator.WithBuiltin(policies.FS), evaluator.WithPolicies(dir))
	want := filepath.Join(dir, "sb_test.rego") + ":3:13: rego_type_error: undefined function opa.runtime"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error = %v, want it to contain %q", err, want)
	}
}

// nowControl reports time.now_ns as a tenant finding.
var nowControl = sbControl("SB-NOW", `violation contains {"message": sprintf("now=%d", [time.now_ns()])} if true
`)

// staleControl fails a user last refreshed more than 30 days before now.
var staleControl = strings.Replace(strings.Replace(sbControl("SB-STALE", `violation contains {"message": "stale", "subject": {"id": u.id, "userPrincipalName": u.userPrincipalName, "displayName": ""}} if {
	some u in input.userRegistrationDetails
	time.now_ns() - time.parse_rfc3339_ns(u.lastUpdatedDateTime) > ((30 * 24) * 3600) * 1000000000
}
`), "scope: tenant", "scope: user", 1), "package authgate.sb", "package authgate.stale", 1)

// TestNowIsFetchedAt proves time.now_ns is the snapshot's fetchedAt, or
// the time WithNow gives, in every evaluation mode.
func TestNowIsFetchedAt(t *testing.T) {
	fetched := "2026-11-27T08:00:00Z"
	path := sbSnapshot(t, fetched)
	dir := sbWrite(t, map[string]string{"now.rego": nowControl})
	at := func(s string) string {
		tm, _ := time.Parse(time.RFC3339, s)
		return fmt.Sprintf("now=%d", tm.UnixNano())
	}
	for _, mode := range []evaluator.Mode{evaluator.ModeStream, evaluator.ModeDocument} {
		for _, tt := range []struct{ now, want string }{{"", at(fetched)}, {"2030-01-02T03:04:05Z", at("2030-01-02T03:04:05Z")}} {
			t.Run(fmt.Sprintf("%s/now=%q", mode, tt.now), func(t *testing.T) {
				opts := []evaluator.Option{evaluator.WithBuiltin(policies.FS), evaluator.WithoutBuiltinControls(), evaluator.WithPolicies(dir), evaluator.WithMode(mode)}
				if tt.now != "" {
					tm, _ := time.Parse(time.RFC3339, tt.now)
					opts = append(opts, evaluator.WithNow(tm))
				}
				e, err := evaluator.New(context.Background(), opts...)
				if err != nil {
					t.Fatal(err)
				}
				res, err := e.Evaluate(context.Background(), path, snapshot.ScanOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if got := res.Controls[0].Violations[0].Message; got != tt.want {
					t.Errorf("message %q, want %q", got, tt.want)
				}
			})
		}
	}
}

// TestDeterministicReevaluation re-checks an archived snapshot: the same
// snapshot (moved elsewhere, checked again later) gives the same result,
// however much wall-clock time passed, because time.now_ns is fetchedAt.
func TestDeterministicReevaluation(t *testing.T) {
	path := sbSnapshot(t, "2026-11-27T08:00:00Z")
	dir := sbWrite(t, map[string]string{"stale.rego": staleControl})
	eval := func(p string, now time.Time) []byte {
		t.Helper()
		opts := []evaluator.Option{evaluator.WithBuiltin(policies.FS), evaluator.WithoutBuiltinControls(), evaluator.WithPolicies(dir)}
		if !now.IsZero() {
			opts = append(opts, evaluator.WithNow(now))
		}
		e, err := evaluator.New(context.Background(), opts...)
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.Evaluate(context.Background(), p, snapshot.ScanOptions{})
		if err != nil {
			t.Fatal(err)
		}
		res.Snapshot.Path = ""
		if err := res.Decide("high"); err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	first := eval(path, time.Time{})
	archived := filepath.Join(t.TempDir(), "archive.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(archived, b, 0o644); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	if again := eval(archived, time.Time{}); string(again) != string(first) {
		t.Errorf("re-evaluation differs:\n%s\n%s", first, again)
	}
	if !strings.Contains(string(first), `"verdict":"pass"`) || strings.Contains(string(first), `"message":"stale"`) {
		t.Errorf("at fetchedAt the rows are a day old: want SB-STALE without violations, got %s", first)
	}
	// Judged 60 days later (--now), the same rows are stale: --now is what moves the verdict.
	later := eval(archived, time.Date(2027, 1, 26, 0, 0, 0, 0, time.UTC))
	if !strings.Contains(string(later), `"verdict":"fail"`) || strings.Count(string(later), `"message":"stale"`) != 2 {
		t.Errorf("with --now 60 days later: want stale violations, got %s", later)
	}
	if again := eval(path, time.Date(2027, 1, 26, 0, 0, 0, 0, time.UTC)); string(again) != string(later) {
		t.Error("re-evaluation with the same --now differs")
	}
}

// TestSandboxClassifiesEveryBuiltin walks the builtins of the OPA version
// linked in: each must be allowed by name or refused, so that an OPA upgrade
// adding a builtin (one that might read files, the network, the environment
// or the clock) fails here until someone decides which it is. It also
// proves the sandbox's capabilities hold exactly the allowed ones.
func TestSandboxClassifiesEveryBuiltin(t *testing.T) {
	inSandbox := map[string]bool{}
	for _, b := range evaluator.SandboxCapabilities(nil).Builtins {
		inSandbox[b.Name] = true
	}
	for _, b := range ast.CapabilitiesForThisVersion().Builtins {
		allowed, refused := evaluator.IsAllowed(b.Name), evaluator.IsSandboxed(b.Name)
		switch {
		case !allowed && !refused:
			t.Errorf("builtin %s is neither allowed nor refused by the sandbox: classify it in evaluator/sandbox.go", b.Name)
		case allowed && refused:
			t.Errorf("builtin %s is both allowed and refused", b.Name)
		case inSandbox[b.Name] != allowed:
			t.Errorf("builtin %s: in the default capabilities = %v, allowed = %v", b.Name, inSandbox[b.Name], allowed)
		}
	}
	for _, name := range []string{"http.send", "net.lookup_ip_addr", "opa.runtime", "json.verify_schema", "json.match_schema",
		"crypto.x509.parse_and_verify_certificates", "rand.intn", "uuid.rfc4122", "io.jwt.encode_sign",
		"strings.render_template", "graph.reachable_paths", "graphql.parse_and_verify"} {
		if inSandbox[name] {
			t.Errorf("%s is in the default sandbox", name)
		}
	}
	caps := evaluator.SandboxCapabilities([]string{"json.verify_schema"})
	if !slices.ContainsFunc(caps.Builtins, func(b *ast.Builtin) bool { return b.Name == "json.verify_schema" }) ||
		slices.ContainsFunc(caps.Builtins, func(b *ast.Builtin) bool { return b.Name == "json.match_schema" }) {
		t.Error("--allow-builtin json.verify_schema should add json.verify_schema and only it")
	}
}

// TestSandboxSchemaRefs proves that a policy cannot use the JSON Schema
// builtins to read a file through a file:// $ref (learning its first byte
// from the parse error), nor to read /dev/zero until memory runs out: both
// are refused at compile time, before any file is opened, by check and by
// policy test; and that a schema in METADATA (which OPA's type checker could
// load) is not followed either.
func TestSandboxSchemaRefs(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(secret, []byte("rosebud"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"file://" + secret, "file:///dev/zero"} {
		for _, fn := range []string{"json.verify_schema", "json.match_schema"} {
			t.Run(fn+"/"+filepath.Base(target), func(t *testing.T) {
				call := fmt.Sprintf(`r := %s({"a": 1}, {"$ref": %q})`, fn, target)
				if fn == "json.verify_schema" {
					call = fmt.Sprintf(`r := %s({"$ref": %q})`, fn, target)
				}
				dir := sbWrite(t, map[string]string{
					"sb.rego":      sbControl("SB-1", "violation contains {\"message\": sprintf(\"%v\", [r])} if {\n\t"+call+"\n}\n"),
					"sb_test.rego": "package authgate.sb_test\n\nimport data.authgate.sb\n\ntest_x if count(sb.violation) >= 0\n",
				})
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				_, err := evaluator.New(ctx, evaluator.WithBuiltin(policies.FS), evaluator.WithPolicies(dir))
				_, terr := evaluator.RunTests(ctx, evaluator.WithBuiltin(policies.FS), evaluator.WithPolicies(dir))
				for name, err := range map[string]error{"check": err, "policy test": terr} {
					var pe *evaluator.PolicyError
					if !errors.As(err, &pe) {
						t.Fatalf("%s: error %v, want a *PolicyError", name, err)
					}
					for _, want := range []string{"undefined function " + fn, "--allow-builtin " + fn} {
						if !strings.Contains(err.Error(), want) {
							t.Errorf("%s: %q does not contain %q", name, err, want)
						}
					}
					if strings.Contains(err.Error(), "'r'") || strings.Contains(err.Error(), "rosebud") {
						t.Errorf("%s: the error leaks the file: %v", name, err)
					}
				}
			})
		}
	}
	t.Run("METADATA schema", func(t *testing.T) {
		src := strings.Replace(sbControl("SB-1", "violation contains {\"message\": \"m\"} if input.x == 1\n"),
			"# custom:", "# schemas:\n#   - input: {\"$ref\": \"file:///dev/zero\"}\n# custom:", 1)
		dir := sbWrite(t, map[string]string{"sb.rego": src})
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if _, err := evaluator.New(ctx, evaluator.WithBuiltin(policies.FS), evaluator.WithPolicies(dir)); err != nil {
			t.Fatal(err)
		}
		if ctx.Err() != nil {
			t.Fatal("compiling a METADATA schema with a $ref to /dev/zero did not finish")
		}
	})
}

// TestSandboxDocumented proves docs/policies.md's "The sandbox" names every
// builtin the sandbox refuses, so the documentation cannot fall behind it.
func TestSandboxDocumented(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "docs", "policies.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start := strings.Index(doc, "\n## The sandbox\n")
	if start < 0 {
		t.Fatal(`docs/policies.md has no "## The sandbox" section`)
	}
	section := doc[start+1:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	for _, name := range evaluator.DeniedBuiltins {
		if !strings.Contains(section, "`"+name+"`") {
			t.Errorf("The sandbox section does not name `%s`", name)
		}
	}
	if !strings.Contains(section, "--allow-builtin") {
		t.Error("The sandbox section does not say how to opt in")
	}
}
