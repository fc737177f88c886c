package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authgate/authgate/reports"
	"github.com/authgate/authgate/result"
)

const acmeDir = "../../testdata/policies/acme"

// ptUser is a compliant member with the given UPN, id and methods.
func ptUser(id, upn string, methods ...string) map[string]any {
	return map[string]any{
		"id": id, "userPrincipalName": upn, "userDisplayName": strings.Split(upn, "@")[0], "userType": "member", "isAdmin": false,
		"isMfaCapable": true, "isMfaRegistered": true, "isPasswordlessCapable": true, "isSsprCapable": true,
		"isSsprEnabled": true, "isSsprRegistered": true, "isSystemPreferredAuthenticationMethodEnabled": true,
		"systemPreferredAuthenticationMethods": []string{"push"}, "userPreferredMethodForSecondaryAuthentication": "push",
		"methodsRegistered": methods, "lastUpdatedDateTime": "2026-11-27T06:00:00Z",
	}
}

// ptSnapshot writes a four-user snapshot fetched 2026-11-27T08:00:00Z: two
// contractors without a phishing-resistant method (ACME-CON-01 fails twice),
// an employee and a contractor with a security key.
func ptSnapshot(t *testing.T) string {
	t.Helper()
	doc := map[string]any{
		"schemaVersion": 1,
		"manifest": map[string]any{"tenantId": "00000000-0000-0000-0000-0000000000ac", "cloud": "global",
			"graphEndpoint": "https://graph.microsoft.com", "apiVersion": "v1.0", "fetchedAt": "2026-11-27T08:00:00Z"},
		"userRegistrationDetails": []any{
			ptUser("c1", "kim@contractors.acme.example", "microsoftAuthenticatorPush"),
			ptUser("c2", "lee@contractors.acme.example", "softwareOneTimePasscode", "microsoftAuthenticatorPush"),
			ptUser("c3", "max@contractors.acme.example", "fido2SecurityKey"),
			ptUser("e1", "ana@acme.example", "passKeyDeviceBoundAuthenticator"),
		},
	}
	b, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return ptWrite(t, t.TempDir(), "snapshot.json", string(b))
}

func ptWrite(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// ptCopyAcme copies the worked example into a new folder, as a user would
// write it, and returns the folder.
func ptCopyAcme(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "acme")
	for _, name := range []string{"contractors.rego", "contractors_test.rego"} {
		b, err := os.ReadFile(filepath.Join(acmeDir, name))
		if err != nil {
			t.Fatal(err)
		}
		ptWrite(t, dir, name, string(b))
	}
	return dir
}

// tenantControl is a tenant-level control that always fails, for
// subject-less waivers.
const tenantControl = `# METADATA
# scope: package
# title: Acme tenant rule
# description: Fails whenever the report has users.
# custom:
#   id: ACME-TEN-01
#   severity: high
#   scope: tenant
#   remediation: Nothing to do.
#   references:
#     - id: ACME-1
package authgate.acme.tenant

violation contains {"message": "tenant finding", "value": input.aggregates.users, "threshold": 0} if input.aggregates.users > 0
`

func TestPolicyTestExitCodes(t *testing.T) {
	failing := `package authgate.acme.contractors_extra_test

import data.authgate.acme.contractors as ctl

test_wrong if count(ctl.violation) == 1 with input as {"userRegistrationDetails": []}
`
	erroring := `package authgate.acme.contractors_extra_test

test_err if to_number("nope") == 1
`
	broken := `package authgate.acme.contractors_extra_test

test_bad if undefined_var == 1
`
	tests := []struct {
		name  string
		extra string // another test file in the folder
		args  []string
		code  int
		out   []string
	}{
		{"all pass", "", nil, 0, []string{"PASS  authgate.acme.contractors_test.test_contractor_without_phishing_resistant_fails (", "4 tests: 4 passed, 0 failed, 0 errors, 0 skipped"}},
		{"a test fails", failing, nil, 1, []string{"FAIL  authgate.acme.contractors_extra_test.test_wrong (", "extra_test.rego:5: the test's body was false or undefined", "5 tests: 4 passed, 1 failed"}},
		{"a test errors", erroring, nil, 1, []string{"ERROR authgate.acme.contractors_extra_test.test_err", `contractors_extra_test.rego:3:13: eval_builtin_error: to_number: strconv.ParseFloat: parsing "nope": invalid syntax`, "1 errors"}},
		{"compile error", broken, nil, 2, nil},
		{"json", "", []string{"--format", "json"}, 0, []string{`"outcome": "pass"`, `"summary": {`, `"passed": 4`}},
		{"param override", "", []string{"--set", "contractor_upn_suffix=@x.example"}, 1, []string{"FAIL  authgate.acme.contractors_test.test_contractor_without_phishing_resistant_fails"}},
		{"bad format", "", []string{"--format", "xml"}, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := ptCopyAcme(t)
			if tt.extra != "" {
				ptWrite(t, dir, "contractors_extra_test.rego", tt.extra)
			}
			code, out, errOut := cli(t, append(append([]string{"policy", "test"}, tt.args...), dir)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errOut)
			}
			for _, want := range tt.out {
				if !strings.Contains(out, want) {
					t.Errorf("stdout does not contain %q:\n%s", want, out)
				}
			}
			if tt.code == 2 && (!strings.HasPrefix(errOut, "authgate: ") || strings.Count(errOut, "\n") != 1) {
				t.Errorf("stderr %q, want one authgate: line", errOut)
			}
			if tt.name == "compile error" && !strings.Contains(errOut, "contractors_extra_test.rego:3:13: rego_unsafe_var_error: var undefined_var is unsafe") {
				t.Errorf("stderr %q does not name the file, line and problem", errOut)
			}
		})
	}
}

func TestPolicyTestBuiltin(t *testing.T) {
	code, out, errOut := cli(t, "policy", "test")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "PASS  authgate.builtin.admin_mfa_capable_test.") || !strings.Contains(out, " 0 failed, 0 errors") {
		t.Errorf("built-in tests output:\n%s", out)
	}
	if code, _, _ := cli(t, "policy", "test", "--no-builtin"); code != 2 {
		t.Errorf("policy test --no-builtin without a path: exit %d, want 2", code)
	}
}

// TestSandboxCLI proves the sandbox refusals reach the user from check and
// policy test alike, and that --allow-builtin lifts them.
func TestSandboxCLI(t *testing.T) {
	snap := ptSnapshot(t)
	for _, b := range []struct{ name, call, allow string }{
		{"http.send", `http.send({"method": "GET", "url": "https://example.com"})`, "http.send"},
		{"net.lookup_ip_addr", `net.lookup_ip_addr("example.com")`, "net.*"},
		{"opa.runtime", `opa.runtime()`, "opa.runtime"},
	} {
		t.Run(b.name, func(t *testing.T) {
			dir := t.TempDir()
			src := strings.Replace(tenantControl, `if input.aggregates.users > 0`, "if {\n\tr := "+b.call+"\n\tcount(r) == 123456\n}", 1)
			file := ptWrite(t, dir, "net.rego", src)
			ptWrite(t, dir, "net_test.rego", "package authgate.acme.tenant_test\n\ntest_x if true\n")
			for _, args := range [][]string{
				{"check", "--snapshot", snap, "--no-builtin", "--policy", dir},
				{"policy", "test", dir},
				{"policy", "list", "--policy", dir},
			} {
				code, _, errOut := cli(t, args...)
				want := file + ":15:7: ACME-TEN-01: rego_type_error: undefined function " + b.name
				if code != 2 || !strings.Contains(errOut, want) || !strings.Contains(errOut, "--allow-builtin "+b.allow) {
					t.Errorf("%v: exit %d, stderr %q; want 2 and %q with --allow-builtin %s", args[:2], code, errOut, want, b.allow)
				}
			}
			if code, out, errOut := cli(t, "policy", "test", "--allow-builtin", b.allow, dir); code != 0 {
				t.Errorf("policy test --allow-builtin %s: exit %d\n%s%s", b.allow, code, out, errOut)
			}
		})
	}
}

func TestDeterministicRecheck(t *testing.T) {
	snap := ptSnapshot(t)
	dir := t.TempDir()
	ptWrite(t, dir, "stale.rego", strings.NewReplacer(
		"ACME-TEN-01", "ACME-AGE-01", "scope: tenant", "scope: user", "package authgate.acme.tenant", "package authgate.acme.age",
		`violation contains {"message": "tenant finding", "value": input.aggregates.users, "threshold": 0} if input.aggregates.users > 0`,
		`violation contains {"message": "row older than 7 days", "subject": {"id": u.id, "userPrincipalName": u.userPrincipalName, "displayName": ""}} if {
	some u in input.userRegistrationDetails
	time.now_ns() - time.parse_rfc3339_ns(u.lastUpdatedDateTime) > (7 * 24) * 3600000000000
}`).Replace(tenantControl))
	check := func(extra ...string) (int, string) {
		t.Helper()
		code, out, errOut := cli(t, append([]string{"check", "--snapshot", snap, "--no-builtin", "--policy", dir, "--format", "json"}, extra...)...)
		if code != 0 && code != 1 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		return code, out
	}
	code1, out1 := check()
	code2, out2 := check()
	if code1 != 0 || out1 != out2 {
		t.Errorf("checking the archived snapshot twice: exits %d, %d; outputs equal %v; want 0 and equal", code1, code2, out1 == out2)
	}
	if code, out := check("--now", "2026-11-27T08:00:00Z"); code != 0 || out != out1 {
		t.Errorf("--now = fetchedAt: exit %d, output equal %v; want the default's", code, out == out1)
	}
	codeA, outA := check("--now", "2027-01-01T00:00:00Z")
	codeB, outB := check("--now", "2027-01-01T00:00:00Z")
	if codeA != 1 || codeB != 1 || outA != outB || strings.Count(outA, "row older than 7 days") != 4 {
		t.Errorf("--now a month later: exits %d, %d, equal %v, want 1, 1, equal, 4 violations:\n%s", codeA, codeB, outA == outB, outA)
	}
	if code, _, _ := cli(t, "check", "--snapshot", snap, "--now", "yesterday"); code != 2 {
		t.Errorf("--now yesterday: exit %d, want 2", code)
	}
}

func TestWaivers(t *testing.T) {
	snap := ptSnapshot(t)
	tenantDir := t.TempDir()
	ptWrite(t, tenantDir, "tenant.rego", tenantControl)
	base := []string{"check", "--snapshot", snap, "--no-builtin", "--policy", acmeDir, "--policy", tenantDir, "--format", "json"}
	entry := func(control, subject, expires string) string {
		s := "  - control: " + control + "\n"
		if subject != "" {
			s += "    subject: " + subject + "\n"
		}
		return s + "    reason: accepted\n    owner: secops@acme.example\n    expires: " + expires + "\n    ticket: SEC-9\n"
	}
	all := entry("ACME-CON-01", "KIM@contractors.acme.example", "2026-12-31") + entry("ACME-CON-01", "c2", "2027-06-30") + entry("ACME-TEN-01", "", "2026-11-27")
	tests := []struct {
		name     string
		waivers  string // the --waivers file ("" for none)
		config   string // authgate.yaml ("" for none)
		code     int    // exit code
		waived   int    // summary.waived
		statuses string // each control's status, in id order
		stderr   []string
		noStderr bool
	}{
		{"applied", "waivers:\n" + all, "", 0, 3, "pass pass", nil, true},
		{"subject-less on a tenant control", "waivers:\n" + entry("ACME-TEN-01", "", "2026-12-01"), "", 1, 1, "fail pass", nil, true},
		{"expired", "waivers:\n" + entry("ACME-CON-01", "kim@contractors.acme.example", "2026-11-26") + entry("ACME-CON-01", "c2", "2026-12-01") + entry("ACME-TEN-01", "", "2026-12-01"), "", 1, 2, "fail pass",
			[]string{"authgate: warning: waiver waivers.yaml: waivers[0] (ACME-CON-01 kim@contractors.acme.example) expired on 2026-11-26 and no longer applies (1 violation)\n"}, false},
		{"orphaned", "waivers:\n" + all + entry("ACME-CON-01", "max@contractors.acme.example", "2026-12-01"), "", 0, 3, "pass pass",
			[]string{"authgate: warning: waiver waivers.yaml: waivers[3] (ACME-CON-01 max@contractors.acme.example) matched no violation: remove it\n"}, false},
		{"inline in authgate.yaml", "", "waivers:\n" + all, 0, 3, "pass pass", nil, true},
		{"file named in authgate.yaml", "waivers:\n" + all, "waivers: waivers.yaml\n", 0, 3, "pass pass", nil, true},
		{"config and flag add up", "waivers:\n" + entry("ACME-TEN-01", "", "2026-12-01"), "waivers:\n" + entry("ACME-CON-01", "c1", "2026-12-01") + entry("ACME-CON-01", "c2", "2026-12-01"), 0, 3, "pass pass", nil, true},
		{"longer than max_waiver_days from authgate.yaml", "waivers:\n" + entry("ACME-CON-01", "c1", "2026-12-31"), "max_waiver_days: 30\n", 2, 0, "",
			[]string{"authgate: waivers.yaml: waivers[0] (ACME-CON-01 c1): expires 2026-12-31 is more than 30 days after 2026-11-27\n"}, false},
		{"longer than 365 days", "waivers:\n" + entry("ACME-CON-01", "c1", "2028-01-01"), "", 2, 0, "",
			[]string{"waivers.yaml: waivers[0] (ACME-CON-01 c1): expires 2028-01-01 is more than 365 days after 2026-11-27"}, false},
		{"missing owner", "waivers:\n  - {control: ACME-CON-01, reason: r, expires: 2026-12-01}\n", "", 2, 0, "", []string{"waivers[0] (ACME-CON-01): owner is required"}, false},
		{"missing reason", "waivers:\n  - {control: ACME-CON-01, owner: o, expires: 2026-12-01}\n", "", 2, 0, "", []string{"waivers[0] (ACME-CON-01): reason is required"}, false},
		{"missing expires", "waivers:\n  - {control: ACME-CON-01, owner: o, reason: r}\n", "", 2, 0, "", []string{"waivers[0] (ACME-CON-01): expires is required"}, false},
		{"bad date", "waivers:\n  - {control: ACME-CON-01, owner: o, reason: r, expires: next week}\n", "", 2, 0, "", []string{`expires "next week" is not a date`}, false},
		{"unknown control", "waivers:\n" + entry("AM-ADM-01", "c1", "2026-12-01"), "", 2, 0, "", []string{"waivers[0] (AM-ADM-01 c1): unknown control AM-ADM-01"}, false},
		{"subject on a tenant control", "waivers:\n" + entry("ACME-TEN-01", "c1", "2026-12-01"), "", 2, 0, "", []string{"ACME-TEN-01 is a tenant-level control"}, false},
		{"bad yaml", "waivers: [\n", "", 2, 0, "", []string{"authgate: waivers.yaml: "}, false},
		{"bad max_waiver_days", "", "max_waiver_days: 0\n", 2, 0, "", []string{"max_waiver_days: want a positive number"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			args := append([]string{}, base...)
			if tt.waivers != "" {
				p := ptWrite(t, dir, "waivers.yaml", tt.waivers)
				if !strings.Contains(tt.config, "waivers.yaml") {
					args = append(args, "--waivers", p)
				}
			}
			if tt.config != "" {
				args = append(args, "--config", ptWrite(t, dir, "authgate.yaml", tt.config))
			}
			code, out, errOut := cli(t, args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstderr: %s", code, tt.code, errOut)
			}
			if code != 2 {
				var res struct {
					Summary  struct{ Waived int }
					Controls []struct {
						Status     string
						Violations []struct {
							Message string
							Waiver  *result.Waiver
						}
					}
				}
				if err := json.Unmarshal([]byte(out), &res); err != nil {
					t.Fatalf("decode JSON output: %v", err)
				}
				var statuses []string
				for _, c := range res.Controls {
					statuses = append(statuses, c.Status)
					for _, v := range c.Violations {
						if v.Waiver != nil && (v.Waiver.Owner != "secops@acme.example" || v.Waiver.Reason != "accepted" || v.Waiver.Ticket != "SEC-9") {
							t.Errorf("violation %q: waiver %+v lacks owner, reason or ticket", v.Message, v.Waiver)
						}
					}
				}
				if res.Summary.Waived != tt.waived || strings.Join(statuses, " ") != tt.statuses {
					t.Errorf("waived %d, statuses %q; want %d, %q", res.Summary.Waived, strings.Join(statuses, " "), tt.waived, tt.statuses)
				}
			}
			for _, want := range tt.stderr {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr does not contain %q:\n%s", want, errOut)
				}
			}
			if tt.noStderr && errOut != "" {
				t.Errorf("stderr %q, want nothing", errOut)
			}
			if code == 2 && out != "" {
				t.Errorf("invalid waivers wrote output %q", out)
			}
		})
	}
}

// TestWaivedInEveryFormat: a waived violation stays visible in every output.
func TestWaivedInEveryFormat(t *testing.T) {
	snap := ptSnapshot(t)
	w := ptWrite(t, t.TempDir(), "waivers.yaml", "waivers:\n  - control: ACME-CON-01\n    subject: kim@contractors.acme.example\n    reason: key on order\n    owner: secops@acme.example\n    expires: 2026-12-31\n")
	for _, format := range reports.Formats() {
		t.Run(format, func(t *testing.T) {
			_, out, errOut := cli(t, "check", "--snapshot", snap, "--no-builtin", "--policy", acmeDir, "--waivers", w, "--format", format)
			out = strings.ReplaceAll(out, `\`, "") // markdown escapes @
			if !strings.Contains(out, "kim@contractors.acme.example") || !strings.Contains(out, "key on order") {
				t.Errorf("%s output does not show kim's waived violation with its reason:\n%s%s", format, out, errOut)
			}
		})
	}
}

// TestUserControlEndToEnd is the "done when": a control written in
// a new folder is tested, listed, documented, fails check and appears in
// every output format.
func TestUserControlEndToEnd(t *testing.T) {
	dir := ptCopyAcme(t)
	snap := ptSnapshot(t)
	if code, out, errOut := cli(t, "policy", "test", dir); code != 0 || !strings.Contains(out, "4 passed, 0 failed") {
		t.Fatalf("policy test: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ := cli(t, "policy", "list", "--policy", dir)
	if code != 0 || !strings.Contains(out, "ACME-CON-01  high      user    "+filepath.Join(dir, "contractors.rego")+"  Contractors must have a phishing-resistant method") || !strings.Contains(out, "AM-ADM-01") {
		t.Errorf("policy list: exit %d\n%s", code, out)
	}
	code, out, _ = cli(t, "policy", "list", "--policy", dir, "--no-builtin", "--format", "json")
	var list struct {
		Controls []struct {
			ID     string `json:"id"`
			Params []struct {
				Name    string `json:"name"`
				Default any    `json:"default"`
			} `json:"params"`
		} `json:"controls"`
	}
	if err := json.Unmarshal([]byte(out), &list); code != 0 || err != nil || len(list.Controls) != 1 || list.Controls[0].ID != "ACME-CON-01" ||
		len(list.Controls[0].Params) != 1 || list.Controls[0].Params[0].Default != "@contractors.acme.example" {
		t.Errorf("policy list --format json: exit %d, %v\n%s", code, err, out)
	}
	code, out, _ = cli(t, "policy", "doc", "--policy", dir, "--set", "contractor_upn_suffix=@c.acme.example")
	for _, want := range []string{
		"| [ACME-CON-01](#acme-con-01) | high | user | Contractors must have a phishing-resistant method |",
		"### ACME-CON-01", "| `contractor_upn_suffix` | `\"@contractors.acme.example\"` (in force: `\"@c.acme.example\"`) |",
		"Remediation: Issue each listed contractor", "- ACME-SEC-STD-7: Acme security standard 7",
		"- [NIST-800-53-IA-2(1)](https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final): NIST",
		"### AM-ADM-01",
	} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("policy doc: exit %d, no %q", code, want)
		}
	}
	for _, format := range reports.Formats() {
		t.Run(format, func(t *testing.T) {
			code, out, errOut := cli(t, "check", "--snapshot", snap, "--policy", dir, "--format", format)
			out = strings.ReplaceAll(out, `\`, "") // markdown escapes @
			if code != 1 {
				t.Errorf("check: exit %d, want 1\n%s", code, errOut)
			}
			for _, want := range []string{"ACME-CON-01", "kim@contractors.acme.example", "lee@contractors.acme.example"} {
				if !strings.Contains(out, want) {
					t.Errorf("%s output has no %s:\n%s", format, want, out)
				}
			}
			if strings.Contains(out, "max@contractors.acme.example") {
				t.Errorf("%s output names max, who has a security key", format)
			}
		})
	}
}

// controlsDocHeader heads docs/controls.md, above `authgate policy doc`.
const controlsDocHeader = `# Controls

<!-- Generated by ` + "`authgate policy doc`" + `: do not edit. Regenerate with
     go test ./cmd/authgate -run TestControlsDoc -update -->

The built-in pack, as ` + "`authgate policy doc`" + ` prints it. Parameters are set in
authgate.yaml (` + "`params:`" + `) or with ` + "`--set name=value`" + `; your own controls follow the
convention in [policies.md](policies.md) and appear in ` + "`policy doc --policy DIR`" + `.

`

// TestControlsDoc keeps docs/controls.md equal to `authgate policy doc`;
// `go test ./cmd/authgate -run TestControlsDoc -update` rewrites it.
func TestControlsDoc(t *testing.T) {
	const file = "../../docs/controls.md"
	code, doc, errOut := cli(t, "policy", "doc")
	if code != 0 {
		t.Fatalf("policy doc: exit %d: %s", code, errOut)
	}
	want := controlsDocHeader + doc
	b, err := os.ReadFile(file)
	if err == nil && string(b) == want {
		return
	}
	if !*update {
		t.Fatalf("docs/controls.md differs from `authgate policy doc` (%v); run go test ./cmd/authgate -run TestControlsDoc -update", err)
	}
	if err := os.WriteFile(file, []byte(want), 0o644); err != nil {
		t.Fatal(err)
	}
}
