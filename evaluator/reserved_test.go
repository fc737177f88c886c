package evaluator_test

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/policies"
)

// TestReservedPackages proves that no user policy, with or without
// METADATA, can define or extend authgate's library, parameters, taxonomy,
// baseline or built-in controls, whether by its package or by a rule whose
// ref head reaches into them from package authgate: check and policy test
// both refuse it, naming the file and line.
func TestReservedPackages(t *testing.T) {
	tests := []struct {
		name, file, src string
		line            int
		want            string
	}{
		{"lib function", "evil.rego", "package authgate.lib\n\nphishing_resistant(_) if true\n", 1, "package authgate.lib is reserved"},
		{"params", "evil.rego", "package authgate.params\n\nmfa_capable_min := 0\n", 1, "package authgate.params is reserved"},
		{"below lib", "evil.rego", "package authgate.lib.extra\n\nx := 1\n", 1, "package authgate.lib.extra is reserved"},
		{"taxonomy", "evil.rego", "package authgate.taxonomy\n\nclasses := {}\n", 1, "package authgate.taxonomy is reserved"},
		{"baseline", "evil.rego", "package authgate.baseline\n\nx := 1\n", 1, "package authgate.baseline is reserved"},
		{"builtin", "evil.rego", "package authgate.builtin.admin_phishing_resistant\n\nviolation := set()\n", 1, "package authgate.builtin.admin_phishing_resistant is reserved"},
		{"bracket package", "evil.rego", "package authgate[\"params\"]\n\nmfa_capable_min := 0\n", 1, "package authgate.params is reserved"},
		{"ref head into lib", "evil.rego", "package authgate\n\nlib.phishing_resistant(_) if true\n", 3, "rule authgate.lib.phishing_resistant is in authgate.lib, which is reserved"},
		{"ref head into params", "evil.rego", "package authgate\n\nparams.mfa_capable_min := 0\n", 3, "rule authgate.params.mfa_capable_min is in authgate.params"},
		{"whole params", "evil.rego", "package authgate\n\nparams := {\"mfa_capable_min\": 0}\n", 3, "rule authgate.params is in authgate.params"},
		{"partial into taxonomy", "evil.rego", "package authgate\n\ntaxonomy[k] := v if {\n\tsome k, v in {\"a\": 1}\n}\n", 3, "in authgate.taxonomy"},
		{"fixtures outside tests", "evil.rego", "package authgate.fixtures\n\nadmin := {}\n", 1, "package authgate.fixtures is reserved"},
		{"params in a test file", "evil_test.rego", "package authgate.params\n\nmfa_capable_min := 0\n", 1, "package authgate.params is reserved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := sbWrite(t, map[string]string{
				tt.file:        tt.src,
				"ok.rego":      sbControl("SB-1", "violation contains {\"message\": \"m\"} if false\n"),
				"ok_test.rego": "package authgate.sb_test\n\ntest_ok if true\n",
			})
			wantLoc := filepath.Join(dir, tt.file) + ":" + strconv.Itoa(tt.line) + ": "
			ctx := context.Background()
			_, cerr := evaluator.New(ctx, evaluator.WithBuiltin(policies.FS), evaluator.WithPolicies(dir))
			_, terr := evaluator.RunTests(ctx, evaluator.WithBuiltin(policies.FS), evaluator.WithPolicies(dir))
			runs := map[string]error{"check": cerr, "policy test": terr}
			if strings.HasSuffix(tt.file, "_test.rego") {
				// check does not read test files; policy test must refuse them.
				if cerr != nil {
					t.Errorf("check: %v", cerr)
				}
				delete(runs, "check")
			}
			for name, err := range runs {
				var pe *evaluator.PolicyError
				if !errors.As(err, &pe) {
					t.Fatalf("%s: error %v (%T), want a *PolicyError", name, err, err)
				}
				if msg := err.Error(); !strings.HasPrefix(msg, wantLoc) || !strings.Contains(msg, tt.want) {
					t.Errorf("%s: error %q, want it to start with %q and contain %q", name, msg, wantLoc, tt.want)
				}
			}
		})
	}
}

// TestReservedAllowsOwnNames proves the check looks at whole documents, not
// names: a control may have its own lib or params rules, and test files may
// add fixtures.
func TestReservedAllowsOwnNames(t *testing.T) {
	dir := sbWrite(t, map[string]string{
		"ok.rego":            sbControl("SB-1", "lib.x := 1\n\nparams := {\"a\": 1}\n\nviolation contains {\"message\": \"m\"} if lib.x == 2\n"),
		"fixtures_test.rego": "package authgate.fixtures\n\nmy_user := {\"id\": \"u\"}\n",
		"ok_test.rego":       "package authgate.sb_test\n\nimport data.authgate.fixtures\nimport data.authgate.sb\n\ntest_ok if {\n\tfixtures.my_user.id == \"u\"\n\tcount(sb.violation) == 0\n}\n",
	})
	ctx := context.Background()
	if _, err := evaluator.New(ctx, evaluator.WithBuiltin(policies.FS), evaluator.WithPolicies(dir)); err != nil {
		t.Fatal(err)
	}
	res, err := evaluator.RunTests(ctx, evaluator.WithBuiltin(policies.FS), evaluator.WithPolicies(dir))
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || !res[0].Passed() {
		t.Fatalf("tests = %+v, want test_ok to pass", res)
	}
}
