package evaluator_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/policies"
)

const testedControl = `package authgate.sb

violation contains {"message": "too low"} if data.authgate.params.sb_min > 1
`

func TestRunTests(t *testing.T) {
	ctl := strings.Replace(sbControl("SB-1", ""), "#     - id: X\n", "#     - id: X\n#   params:\n#     sb_min: 0\n", 1)
	ctl = strings.Replace(ctl, "package authgate.sb\n", testedControl, 1)
	tests := []struct {
		name    string
		test    string
		opts    []evaluator.Option
		want    map[string]evaluator.TestOutcome
		wantErr string
	}{
		{"pass", "test_ok if count(sb.violation) == 0\n", nil, map[string]evaluator.TestOutcome{"test_ok": evaluator.TestPass}, ""},
		{"fail", "test_ok if count(sb.violation) == 1\n", nil, map[string]evaluator.TestOutcome{"test_ok": evaluator.TestFail}, ""},
		{"params from --set", "test_ok if count(sb.violation) == 1\n", []evaluator.Option{evaluator.WithParams(map[string]any{"sb_min": 2})}, map[string]evaluator.TestOutcome{"test_ok": evaluator.TestPass}, ""},
		{"builtin lib, fixtures and taxonomy available", "import data.authgate.fixtures as f\nimport data.authgate.lib\n\ntest_lib if lib.phishing_resistant(f.user({\"methodsRegistered\": [\"fido2SecurityKey\"]}))\ntest_builtin_control if count(data.authgate.builtin.admin_mfa_capable.violation) == 0 with input as f.users([])\n",
			nil, map[string]evaluator.TestOutcome{"test_lib": evaluator.TestPass, "test_builtin_control": evaluator.TestPass}, ""},
		{"error", "test_err if to_number(\"x\") == 1\n", nil, map[string]evaluator.TestOutcome{"test_err": evaluator.TestError}, ""},
		{"todo is skipped", "todo_test_later if false\ntest_ok if true\n", nil, map[string]evaluator.TestOutcome{"todo_test_later": evaluator.TestSkip, "test_ok": evaluator.TestPass}, ""},
		{"compile error", "test_bad if undefined_thing == 1\n", nil, nil, "sb_test.rego:3:13: rego_unsafe_var_error"},
		{"unused import (strict)", "import data.authgate.lib\n\ntest_ok if true\n", nil, nil, "rego_compile_error"},
		{"no tests", "x := 1\n", nil, nil, "no tests found"},
		{"unknown param", "test_ok if true\n", []evaluator.Option{evaluator.WithParams(map[string]any{"nope": 1})}, nil, "parameter nope: unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := sbWrite(t, map[string]string{
				"sb.rego":      ctl,
				"sb_test.rego": "package authgate.sb_test\n\nimport data.authgate.sb\n\n" + tt.test,
			})
			if !strings.Contains(tt.test, "sb.") {
				dir = sbWrite(t, map[string]string{"sb.rego": ctl, "sb_test.rego": "package authgate.sb_test\n\n" + tt.test})
			}
			opts := append([]evaluator.Option{evaluator.WithBuiltin(policies.FS), evaluator.WithPolicies(dir)}, tt.opts...)
			res, err := evaluator.RunTests(context.Background(), opts...)
			if tt.wantErr != "" {
				var pe *evaluator.PolicyError
				var pa *evaluator.ParamError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !(errors.As(err, &pe) || errors.As(err, &pa)) {
					t.Fatalf("error = %v (%T), want a policy error containing %q", err, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]evaluator.TestOutcome{}
			for _, r := range res {
				got[r.Name] = r.Outcome
				if r.File != filepath.Join(dir, "sb_test.rego") || r.Line < 1 || r.Package != "authgate.sb_test" {
					t.Errorf("result %+v: want file %s, a line, package authgate.sb_test", r, filepath.Join(dir, "sb_test.rego"))
				}
				if r.Outcome == evaluator.TestError && !strings.Contains(r.Error, "sb_test.rego:3:") {
					t.Errorf("error %q does not name the file and line", r.Error)
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("outcomes %v, want %v", got, tt.want)
			}
			for name, want := range tt.want {
				if got[name] != want {
					t.Errorf("%s: %s, want %s", name, got[name], want)
				}
			}
		})
	}
}

func TestRunTestsBuiltinOnly(t *testing.T) {
	res, err := evaluator.RunTests(context.Background(), evaluator.WithBuiltin(policies.FS))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if !strings.HasPrefix(r.File, "policies/builtin/") {
			t.Errorf("test %s.%s from %s, want only the built-in controls' tests", r.Package, r.Name, r.File)
		}
	}
	if len(res) < 15 {
		t.Errorf("%d built-in tests, want at least one per control", len(res))
	}
	if _, err := evaluator.RunTests(context.Background(), evaluator.WithBuiltin(policies.FS), evaluator.WithoutBuiltinControls()); err == nil {
		t.Error("--no-builtin without a path: no error")
	}
}
