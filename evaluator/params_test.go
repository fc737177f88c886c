package evaluator_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/policies"
)

// rangedPolicy is a user control with a share parameter and a count.
func rangedPolicy(schema string) string {
	return meta("ACME-9", "tenant") + "#   params:\n#     acme_share_min: 0.5\n#     acme_count_max: 3\n" + schema +
		"package authgate.acme\n\nviolation contains {\"message\": \"m\"} if { data.authgate.params.acme_share_min > 2 }\n"
}

const acmeSchema = "#   param_schema:\n#     acme_share_min: {minimum: 0, maximum: 1}\n#     acme_count_max: {minimum: 0}\n"

func engineWith(t *testing.T, src string, params map[string]any) (*evaluator.Engine, error) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "acme.rego"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return evaluator.New(context.Background(), evaluator.WithBuiltin(policies.FS), evaluator.WithPolicies(dir), evaluator.WithParams(params))
}

// TestParamRanges: a value outside a declared range is refused with the
// parameter and the range named, the bounds themselves are accepted, and
// built-in shares carry [0, 1] the same way a user's control declares it.
func TestParamRanges(t *testing.T) {
	for _, tt := range []struct {
		name   string
		params map[string]any
		want   string // "" accepts
	}{
		{"share above 1", map[string]any{"acme_share_min": 1.5}, "parameter acme_share_min: 1.5 is out of range: want a number from 0 to 1"},
		{"share below 0", map[string]any{"acme_share_min": -0.01}, "parameter acme_share_min: -0.01 is out of range: want a number from 0 to 1"},
		{"share at 0", map[string]any{"acme_share_min": 0}, ""},
		{"share at 1", map[string]any{"acme_share_min": 1}, ""},
		{"open maximum", map[string]any{"acme_count_max": 1e9}, ""},
		{"below minimum", map[string]any{"acme_count_max": -1}, "parameter acme_count_max: -1 is out of range: want a number at least 0"},
		{"built-in share", map[string]any{"mfa_capable_min": 1.5}, "parameter mfa_capable_min: 1.5 is out of range: want a number from 0 to 1"},
		{"built-in rate", map[string]any{"method_failure_rate_max": 20}, "parameter method_failure_rate_max: 20 is out of range"},
		{"built-in hours", map[string]any{"max_report_lag_hours": -5}, "parameter max_report_lag_hours: -5 is out of range: want a number at least 0"},
		{"type first", map[string]any{"acme_share_min": "90%"}, "parameter acme_share_min: want number, got string"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := engineWith(t, rangedPolicy(acmeSchema), tt.params)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var pa *evaluator.ParamError
			if !errors.As(err, &pa) || err.Error() != tt.want && !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("err = %v (%T), want a ParamError %q", err, err, tt.want)
			}
		})
	}
	e, err := engineWith(t, rangedPolicy(acmeSchema), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range e.Controls() {
		for _, p := range c.Params {
			switch p.Name {
			case "acme_share_min", "mfa_capable_min":
				if p.Minimum == nil || *p.Minimum != 0 || p.Maximum == nil || *p.Maximum != 1 {
					t.Errorf("%s: %s range = %v..%v, want 0..1", c.ID, p.Name, p.Minimum, p.Maximum)
				}
			case "break_glass_accounts":
				if p.Minimum != nil || p.Maximum != nil {
					t.Errorf("%s has a range", p.Name)
				}
			}
		}
	}
}

// TestParamSchemaErrors: a bad declaration is the policy's error, named
// by file and control, never a silently dropped bound.
func TestParamSchemaErrors(t *testing.T) {
	for _, tt := range []struct{ name, schema, want string }{
		{"misspelt bound", "#   param_schema:\n#     acme_share_min: {min: 0, maximum: 1}\n", `acme_share_min: unknown key "min" (valid: minimum, maximum)`},
		{"undeclared", "#   param_schema:\n#     acme_other: {minimum: 0}\n", "acme_other: not a parameter of this control"},
		{"default outside", "#   param_schema:\n#     acme_count_max: {maximum: 1}\n", "acme_count_max: the default 3: 3 is out of range: want a number at most 1"},
		{"inverted", "#   param_schema:\n#     acme_share_min: {minimum: 1, maximum: 0}\n", "acme_share_min: minimum 1 is above maximum 0"},
		{"not a number", "#   param_schema:\n#     acme_share_min: {minimum: low}\n", "acme_share_min.minimum: want a number"},
		{"no bound", "#   param_schema:\n#     acme_share_min: {}\n", "acme_share_min: give minimum, maximum or both"},
		{"not a map", "#   param_schema: [acme_share_min]\n", "must be a map"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := engineWith(t, rangedPolicy(tt.schema), nil)
			var pe *evaluator.PolicyError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), "acme.rego") || !strings.Contains(err.Error(), "ACME-9: METADATA custom.param_schema: "+tt.want) {
				t.Fatalf("err = %v, want a PolicyError naming acme.rego, ACME-9 and %q", err, tt.want)
			}
		})
	}
	// A parameter two controls share must be bounded alike.
	dir := t.TempDir()
	other := strings.ReplaceAll(rangedPolicy("#   param_schema:\n#     acme_share_min: {minimum: 0, maximum: 2}\n#     acme_count_max: {minimum: 0}\n"), "ACME-9", "ACME-10")
	other = strings.ReplaceAll(other, "package authgate.acme", "package authgate.acme2")
	for name, src := range map[string]string{"a.rego": rangedPolicy(acmeSchema), "b.rego": other} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err := evaluator.New(context.Background(), evaluator.WithBuiltin(policies.FS), evaluator.WithPolicies(dir))
	var pe *evaluator.PolicyError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "parameter acme_share_min has the range from 0 to ") || !strings.Contains(err.Error(), "but the range from 0 to ") {
		t.Fatalf("err = %v", err)
	}
}
