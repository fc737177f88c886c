package evaluator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/tenantgen"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/internal/atomicfile"
	"github.com/authgate/authgate/internal/evaltest"
	"github.com/authgate/authgate/policies"
	"github.com/authgate/authgate/result"
	"github.com/authgate/authgate/snapshot"
)

// writeSnapshot writes the emulator's tenant for seed as a snapshot, with
// Graph summaries when summaries is set.
func writeSnapshot(t testing.TB, users int, seed int64, summaries bool) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), fmt.Sprintf("snapshot-%d-%d.json", users, seed))
	now := time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC)
	tenant := tenantgen.Tenant{Seed: seed, Users: users, Now: now}
	m := snapshot.Manifest{TenantID: tenantgen.DefaultTenantID(seed), Cloud: "global", GraphEndpoint: "https://graph.microsoft.com", APIVersion: "v1.0", FetchedAt: now.Format(time.RFC3339)}
	err := atomicfile.Write(p, 0o600, func(w io.Writer) error {
		return tenantgen.WriteSnapshot(w, tenant, tenantgen.SnapshotOptions{Manifest: m, Summaries: summaries})
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func evaluate(t testing.TB, path string, opts ...evaluator.Option) *result.Result {
	t.Helper()
	return evaltest.Evaluate(t, path, opts...)
}

// The classes the taxonomy defines; written out here so the count is independent of the taxonomy file.
var (
	phishingResistant = []string{"fido2SecurityKey", "passKeyDeviceBound", "passKeyDeviceBoundAuthenticator", "passKeyDeviceBoundWindowsHello", "windowsHelloForBusiness", "macOsSecureEnclaveKey"}
	weak              = []string{"mobilePhone", "alternateMobilePhone", "officePhone", "email", "securityQuestion"}
)

// TestMatchesIndependentCount checks, on a generated 100,000-user snapshot,
// that the per-user controls find exactly the users a straightforward count
// finds, and the tenant shares are the same.
func TestMatchesIndependentCount(t *testing.T) {
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	path := writeSnapshot(t, n, 7, true)
	doc, _, err := snapshot.Load(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{}
	var members, membersMFA, membersPWL int
	for _, u := range doc.UserRegistrationDetails {
		hasPR := slices.ContainsFunc(u.MethodsRegistered, func(m string) bool { return slices.Contains(phishingResistant, m) })
		allWeak := len(u.MethodsRegistered) > 0 && !slices.ContainsFunc(u.MethodsRegistered, func(m string) bool { return !slices.Contains(weak, m) })
		if u.IsAdmin && !u.IsMfaCapable {
			want["AM-ADM-01"] = append(want["AM-ADM-01"], u.ID)
		}
		if u.IsAdmin && !hasPR {
			want["AM-ADM-02"] = append(want["AM-ADM-02"], u.ID)
		}
		if allWeak {
			want["AM-WEAK-01"] = append(want["AM-WEAK-01"], u.ID)
		}
		if u.UserType == "member" {
			members++
			if u.IsMfaCapable {
				membersMFA++
			}
			if u.IsPasswordlessCapable {
				membersPWL++
			}
		}
	}
	r := evaluate(t, path)
	for id, ids := range want {
		slices.Sort(ids)
		c := evaltest.Control(t, r, id)
		var got []string
		for _, v := range c.Violations {
			got = append(got, v.Subject.ID)
		}
		if !slices.Equal(got, ids) {
			t.Errorf("%s: %d violators, independent count finds %d", id, len(got), len(ids))
		}
		if len(ids) == 0 {
			t.Errorf("%s: the generated tenant has no violators; the test proves nothing", id)
		}
	}
	shares := map[string]float64{"AM-USR-01": float64(membersMFA) / float64(members), "AM-PWL-01": float64(membersPWL) / float64(members)}
	for id, share := range shares {
		c := evaltest.Control(t, r, id)
		if c.Status != result.StatusFail && c.Status != result.StatusPass {
			t.Fatalf("%s: status %s", id, c.Status)
		}
		if c.Status == result.StatusPass {
			continue // the share is only reported when below the threshold
		}
		if v := c.Violations[0].Value; v == nil || math.Abs(*v-share) > 1e-12 {
			t.Errorf("%s: value %v, independent share %v", id, v, share)
		}
	}
	if sc := r.Aggregates.Scopes["member"]; sc.Users != int64(members) || sc.MfaCapable != int64(membersMFA) || sc.PasswordlessCapable != int64(membersPWL) {
		t.Errorf("member aggregates %d/%d/%d, independent count %d/%d/%d", sc.Users, sc.MfaCapable, sc.PasswordlessCapable, members, membersMFA, membersPWL)
	}
}

// TestStreamEqualsDocument proves the chunked, parallel evaluation gives the
// same result as handing OPA the whole document, on snapshots of several
// sizes and seeds.
func TestStreamEqualsDocument(t *testing.T) {
	for _, tc := range []struct {
		users int
		seed  int64
		sums  bool
	}{{0, 1, false}, {1, 2, true}, {2500, 3, false}, {12000, 4, true}} {
		t.Run(fmt.Sprintf("%d users seed %d", tc.users, tc.seed), func(t *testing.T) {
			path := writeSnapshot(t, tc.users, tc.seed, tc.sums)
			bg := evaluator.WithParams(map[string]any{"break_glass_accounts": []any{"user00000@contoso.example", "missing@contoso.example"}})
			stream := evaluate(t, path, bg, evaluator.WithChunkSize(333), evaluator.WithWorkers(3))
			doc := evaluate(t, path, bg, evaluator.WithMode(evaluator.ModeDocument))
			a, _ := json.MarshalIndent(stream, "", " ")
			b, _ := json.MarshalIndent(doc, "", " ")
			if !bytes.Equal(a, b) {
				t.Errorf("stream and document results differ:\n%s", firstDiff(a, b))
			}
			offsetsEqual(t, stream, doc)
		})
	}
}

func offsetsEqual(t *testing.T, a, b *result.Result) {
	t.Helper()
	for i := range a.Controls {
		for j, v := range a.Controls[i].Violations {
			if w := b.Controls[i].Violations[j]; v.Offset != w.Offset || v.Offset <= 0 {
				t.Errorf("%s violation %d: offsets %d and %d", a.Controls[i].ID, j, v.Offset, w.Offset)
			}
		}
	}
}

func firstDiff(a, b []byte) string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d: %q vs %q", i+1, la[i], lb[i])
		}
	}
	return fmt.Sprintf("lengths %d vs %d lines", len(la), len(lb))
}

func TestPolicyErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		opts  []evaluator.Option
		want  string
	}{
		{"syntax error", map[string]string{"bad.rego": "package authgate.x\n\nviolation contains v if {\n  v := \n}\n"}, nil, "bad.rego:5:1: rego_parse_error"},
		{"missing metadata", map[string]string{"x.rego": "package authgate.x\n\nviolation contains {\"message\": \"m\"} if { true }\n"}, nil, "defines violation but has no package METADATA"},
		{"id clash", map[string]string{"x.rego": meta("AM-ADM-01", "tenant") + "package authgate.x\n\nviolation contains {\"message\": \"m\"} if { false }\n"}, nil, "AM-ADM-01: id clashes with the control in policies/builtin/"},
		{"missing severity", map[string]string{"x.rego": strings.Replace(meta("ACME-1", "tenant"), "#   severity: high\n", "", 1) + "package authgate.x\n\nviolation contains {\"message\": \"m\"} if { false }\n"}, nil, "METADATA custom.severity is missing"},
		{"wrong shape", map[string]string{"x.rego": meta("ACME-1", "tenant") + "package authgate.x\n\nviolation contains \"just a string\" if { true }\n"}, nil, "ACME-1: violation must hold objects"},
		{"not a set", map[string]string{"x.rego": meta("ACME-1", "tenant") + "package authgate.x\n\nviolation := {\"message\": \"m\"}\n"}, nil, "violation must be a set"},
		{"conflicting outputs", map[string]string{"x.rego": meta("ACME-1", "tenant") + "package authgate.x\n\nv := 1 if { true }\nv := 2 if { true }\nviolation contains {\"message\": \"m\"} if { v == 3 }\n"}, nil, "x.rego:15:1: ACME-1: eval_conflict_error: rule data.authgate.x.v produced conflicting values"},
		{"reserved package", map[string]string{"x.rego": meta("ACME-1", "tenant") + "package authgate.builtin.mine\n\nviolation contains {\"message\": \"m\"} if { false }\n"}, nil, "package authgate.builtin.mine is reserved"},
		{"unknown parameter", nil, []evaluator.Option{evaluator.WithParams(map[string]any{"mfa_capable_minimum": 0.9})}, "parameter mfa_capable_minimum: unknown (known: "},
		{"parameter type", nil, []evaluator.Option{evaluator.WithParams(map[string]any{"mfa_capable_min": "high"})}, "parameter mfa_capable_min: want number, got string"},
	}
	path := writeSnapshot(t, 10, 1, false)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			opts := append([]evaluator.Option{evaluator.WithBuiltin(policies.FS)}, tt.opts...)
			if tt.files != nil {
				for name, src := range tt.files {
					if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				opts = append(opts, evaluator.WithPolicies(dir))
			}
			e, err := evaluator.New(context.Background(), opts...)
			if err == nil {
				_, err = e.Evaluate(context.Background(), path, snapshot.ScanOptions{})
			}
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			var pe *evaluator.PolicyError
			var pa *evaluator.ParamError
			if !errors.As(err, &pe) && !errors.As(err, &pa) {
				t.Errorf("error %v is %T, want a policy or parameter error", err, err)
			}
			if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error = %q, want one line containing %q", err, tt.want)
			}
		})
	}
}

func meta(id, scope string) string {
	return "# METADATA\n# scope: package\n# title: T\n# description: D\n# custom:\n#   id: " + id + "\n#   severity: high\n#   scope: " + scope + "\n#   remediation: R\n#   references:\n#     - id: X\n"
}

func BenchmarkEvaluate(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		path := writeSnapshot(b, n, 1, true)
		e, err := evaluator.New(context.Background(), evaluator.WithBuiltin(policies.FS))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := e.Evaluate(context.Background(), path, snapshot.ScanOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestFindingShapes: a finding's message, subject, value and threshold are
// read from the control's set, for user and tenant scope alike; a complete
// rule holding an array is refused when the policy loads.
func TestFindingShapes(t *testing.T) {
	path := writeSnapshot(t, 10, 1, false)
	load := func(t *testing.T, scope, src string) (*evaluator.Engine, error) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "x.rego"), []byte(meta("ACME-1", scope)+"package authgate.x\n\n"+src), 0o600); err != nil {
			t.Fatal(err)
		}
		return evaluator.New(context.Background(), evaluator.WithBuiltin(policies.FS), evaluator.WithoutBuiltinControls(), evaluator.WithPolicies(dir))
	}
	const set = "violation contains {\"message\": \"a\", \"value\": 0.5, \"threshold\": 1} if true\nviolation contains {\"message\": \"b\", \"subject\": {\"id\": \"u1\", \"userPrincipalName\": \"\", \"displayName\": \"\"}} if true\n"
	for _, scope := range []string{"tenant", "user"} {
		t.Run(scope, func(t *testing.T) {
			e, err := load(t, scope, set)
			if err != nil {
				t.Fatal(err)
			}
			res, err := e.Evaluate(context.Background(), path, snapshot.ScanOptions{})
			if err != nil {
				t.Fatal(err)
			}
			vs := res.Controls[0].Violations
			if len(vs) != 2 || vs[0].Message != "a" || vs[0].Value == nil || *vs[0].Value != 0.5 || vs[0].Threshold == nil || *vs[0].Threshold != 1 ||
				vs[1].Subject == nil || vs[1].Subject.ID != "u1" {
				t.Errorf("violations %+v", vs)
			}
		})
	}
	if _, err := load(t, "tenant", "violation := [{\"message\": \"a\"}]\n"); err == nil || !strings.Contains(err.Error(), "violation must be a set") {
		t.Errorf("an array of findings: %v, want it refused", err)
	}
}
