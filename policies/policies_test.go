package policies_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/policies"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/loader"
)

// want are the built-in controls, exactly: id → severity and scope.
var want = map[string]struct{ severity, scope string }{
	"AM-ADM-01":  {"critical", "user"},
	"AM-ADM-02":  {"high", "user"},
	"AM-ADM-03":  {"high", "user"},
	"AM-ADM-04":  {"high", "user"},
	"AM-ADM-05":  {"medium", "tenant"},
	"AM-ADM-06":  {"low", "tenant"},
	"AM-USR-01":  {"high", "tenant"},
	"AM-USR-02":  {"medium", "user"},
	"AM-PWL-01":  {"medium", "tenant"},
	"AM-PWL-02":  {"high", "tenant"},
	"AM-WEAK-01": {"medium", "user"},
	"AM-WEAK-02": {"low", "tenant"},
	"AM-SSPR-01": {"low", "tenant"},
	"AM-SPM-01":  {"low", "tenant"},
	"AM-BG-01":   {"high", "tenant"},
	"AM-DQ-01":   {"high", "tenant"},
	"AM-DQ-02":   {"medium", "tenant"},
	"AM-DQ-03":   {"high", "user"},
	"AM-DQ-04":   {"medium", "tenant"},
	"AM-TAX-01":  {"info", "tenant"},
	// Trend controls (need check --baseline).
	"AM-TRD-01": {"medium", "tenant"},
	"AM-TRD-02": {"high", "user"},
	"AM-TRD-03": {"high", "user"},
	// Usage controls (need fetch --include usage).
	"AM-USE-01": {"medium", "tenant"},
	"AM-USE-02": {"high", "tenant"},
	"AM-USE-03": {"medium", "tenant"},
	// The authentication methods policy (need fetch --include policy): high
	// where the baseline says SHALL or rates the check high, medium for SHOULD.
	"AM-POL-01": {"high", "tenant"},
	"AM-POL-02": {"high", "tenant"},
	"AM-POL-03": {"high", "tenant"},
	"AM-POL-04": {"high", "tenant"},
	"AM-POL-05": {"high", "tenant"},
	"AM-POL-06": {"high", "tenant"},
	"AM-POL-07": {"medium", "tenant"},
	"AM-POL-08": {"medium", "tenant"},
	"AM-POL-09": {"medium", "tenant"},
	"AM-POL-10": {"high", "user"},
	"AM-POL-11": {"medium", "tenant"},
	"AM-POL-12": {"high", "user"},
	"AM-TRD-04": {"high", "tenant"},
}

// wantParams are the built-in parameters with their defaults.
var wantParams = map[string]any{
	"mfa_capable_min":             0.95,
	"passwordless_min":            0.25,
	"admin_passwordless_min":      0.8,
	"admin_roles_privileged_only": false,
	"telephony_max":               0.5,
	"sspr_registered_min":         0.9,
	"break_glass_accounts":        []any{},
	"max_report_lag_hours":        48,
	"consistency_tolerance":       0.02,
	"max_passwordless_drop":       0.01, // trend
	// usage
	"method_failure_rate_max":  0.2,
	"min_method_events":        20,
	"single_factor_signin_max": 0.05,
	"telephony_signin_max":     0.2,
	// the methods policy
	"telephony_exception_groups": []any{},
	"allowed_fido2_aaguids":      []any{},
}

// capabilities are OPA's minus every builtin that reaches the network or the
// environment, as the evaluator restricts them.
func capabilities() *ast.Capabilities {
	c := ast.CapabilitiesForThisVersion()
	c.Builtins = slices.DeleteFunc(c.Builtins, func(b *ast.Builtin) bool {
		return b.Name == "http.send" || b.Name == "opa.runtime" || strings.HasPrefix(b.Name, "net.")
	})
	c.AllowNet = []string{}
	return c
}

func loadModules(t *testing.T) map[string]*ast.Module {
	t.Helper()
	res, err := loader.NewFileLoader().
		WithFS(policies.FS).
		WithProcessAnnotation(true).
		WithRegoVersion(ast.RegoV1).
		WithCapabilities(capabilities()).
		All([]string{"builtin", "lib"})
	if err != nil {
		t.Fatalf("load policies: %v", err)
	}
	mods := res.ParsedModules()
	if len(mods) == 0 {
		t.Fatal("load policies: no modules")
	}
	return mods
}

func isTest(path string) bool { return strings.HasSuffix(path, "_test.rego") }

func isControl(path string) bool { return strings.HasPrefix(path, "builtin/") && !isTest(path) }

// packageAnnotations returns the package-scoped METADATA of m, or nil.
func packageAnnotations(m *ast.Module) *ast.Annotations {
	for _, a := range m.Annotations {
		if a.Scope == "package" {
			return a
		}
	}
	return nil
}

// paramDefaults collects custom.params of every control, failing on a param
// two controls declare with different defaults.
func paramDefaults(t *testing.T, mods map[string]*ast.Module) map[string]any {
	t.Helper()
	params := map[string]any{}
	for _, path := range slices.Sorted(maps.Keys(mods)) {
		a := packageAnnotations(mods[path])
		if !isControl(path) || a == nil {
			continue
		}
		ps, _ := a.Custom["params"].(map[string]any)
		for name, def := range ps {
			if old, ok := params[name]; ok && !jsonEqual(old, def) {
				t.Errorf("%s: param %s: default %v conflicts with %v of another control", path, name, def, old)
			}
			params[name] = def
		}
	}
	return params
}

func jsonEqual(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

// TestRego runs every Rego test of the pack through evaluator.RunTests, the
// path `authgate policy test` takes: same modules, data.authgate params and
// taxonomy, sandbox, strict mode.
func TestRego(t *testing.T) {
	results, err := evaluator.RunTests(context.Background(), evaluator.WithBuiltin(policies.FS))
	if err != nil {
		t.Fatalf("run Rego tests: %v", err)
	}
	for _, r := range results {
		switch r.Outcome {
		case evaluator.TestError:
			t.Errorf("%s:%d: %s.%s: error: %s", r.File, r.Line, r.Package, r.Name, r.Error)
		case evaluator.TestSkip:
			t.Errorf("%s:%d: %s.%s: skipped (todo_ tests are not allowed)", r.File, r.Line, r.Package, r.Name)
		case evaluator.TestFail:
			t.Errorf("%s:%d: %s.%s: failed", r.File, r.Line, r.Package, r.Name)
		}
	}
	if len(results) == 0 {
		t.Fatal("no Rego test ran")
	}
	t.Logf("%d Rego tests", len(results))
}

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// TestMetadata checks every control's METADATA against the convention.
func TestMetadata(t *testing.T) {
	mods := loadModules(t)
	severities := []string{"critical", "high", "medium", "low", "info"}
	scopes := []string{"user", "tenant", "document"}
	seen := map[string]string{}
	for _, path := range slices.Sorted(maps.Keys(mods)) {
		m := mods[path]
		if isTest(path) {
			continue
		}
		pkg := m.Package.Path.String()
		if !isControl(path) {
			if pkg != "data.authgate.lib" {
				t.Errorf("%s: package %s, want data.authgate.lib", path, pkg)
			}
			continue
		}
		t.Run(path, func(t *testing.T) {
			if !strings.HasPrefix(pkg, "data.authgate.builtin.") {
				t.Errorf("package %s is not under authgate.builtin", pkg)
			}
			a := packageAnnotations(m)
			if a == nil {
				t.Fatal("no package-scoped METADATA")
			}
			if a.Title == "" {
				t.Error("no title")
			}
			if a.Description == "" {
				t.Error("no description")
			}
			str := func(k string) string { s, _ := a.Custom[k].(string); return strings.TrimSpace(s) }
			id := str("id")
			if id == "" {
				t.Error("no custom.id")
			} else if other, dup := seen[id]; dup {
				t.Errorf("id %s also used by %s", id, other)
			}
			seen[id] = path
			if !slices.Contains(severities, str("severity")) {
				t.Errorf("severity %q not one of %v", str("severity"), severities)
			}
			if !slices.Contains(scopes, str("scope")) {
				t.Errorf("scope %q not one of %v", str("scope"), scopes)
			}
			if w, ok := want[id]; ok && (w.severity != str("severity") || w.scope != str("scope")) {
				t.Errorf("%s: severity %s, scope %s; want %s, %s", id, str("severity"), str("scope"), w.severity, w.scope)
			}
			if str("remediation") == "" {
				t.Error("no custom.remediation")
			}
			refs, _ := a.Custom["references"].([]any)
			if len(refs) == 0 {
				t.Error("no custom.references")
			}
			for i, r := range refs {
				rm, _ := r.(map[string]any)
				for _, k := range []string{"id", "description"} {
					if s, _ := rm[k].(string); s == "" {
						t.Errorf("references[%d]: no %s", i, k)
					}
				}
				if u, ok := rm["url"]; ok {
					if s, _ := u.(string); !strings.HasPrefix(s, "https://") {
						t.Errorf("references[%d]: url %v is not https", i, u)
					}
				}
			}
			if p, ok := a.Custom["params"]; ok {
				ps, ok := p.(map[string]any)
				if !ok {
					t.Fatalf("custom.params is %T, want a map", p)
				}
				for name := range ps {
					if !snakeCase.MatchString(name) {
						t.Errorf("param %s is not snake_case", name)
					}
				}
			}
			if !definesRule(m, "violation") {
				t.Error("no violation rule")
			}
		})
	}
	got := slices.Sorted(maps.Keys(seen))
	if wantIDs := slices.Sorted(maps.Keys(want)); !slices.Equal(got, wantIDs) {
		t.Errorf("control ids = %v, want %v", got, wantIDs)
	}
	if params := paramDefaults(t, mods); !jsonEqual(params, wantParams) {
		t.Errorf("param defaults = %v, want %v", params, wantParams)
	}
}

func definesRule(m *ast.Module, name string) bool {
	for _, r := range m.Rules {
		if r.Head.Name.String() == name || r.Head.Ref().String() == name {
			return true
		}
	}
	return false
}

// TestTaxonomy checks the classes the pack documents and that every known name is
// classed.
func TestTaxonomy(t *testing.T) {
	raw, err := fs.ReadFile(policies.FS, "data/taxonomy.json")
	if err != nil {
		t.Fatal(err)
	}
	var tax struct {
		Version                string              `json:"version"`
		Classes                map[string][]string `json:"classes"`
		TelephonySecondFactors []string            `json:"telephonySecondFactors"`
		UsageMethodAliases     map[string]string   `json:"usageMethodAliases"`
		TelephonyUsageMethods  []string            `json:"telephonyUsageMethods"`
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&tax); err != nil {
		t.Fatalf("decode taxonomy: %v", err)
	}
	if !regexp.MustCompile(`^\d{4}\.\d+\.\d+$`).MatchString(tax.Version) {
		t.Errorf("version %q is not YYYY.N.N", tax.Version)
	}
	want := map[string][]string{
		"phishingResistant": {"fido2SecurityKey", "macOsSecureEnclaveKey", "passKeyDeviceBound",
			"passKeyDeviceBoundAuthenticator", "passKeyDeviceBoundWindowsHello", "windowsHelloForBusiness"},
		"weak": {"alternateMobilePhone", "email", "mobilePhone", "officePhone", "securityQuestion"},
	}
	for class, names := range want {
		if got := slices.Sorted(slices.Values(tax.Classes[class])); !slices.Equal(got, names) {
			t.Errorf("class %s = %v, want %v", class, got, names)
		}
	}
	classes := slices.Sorted(maps.Keys(tax.Classes))
	if wantClasses := []string{"mfa", "other", "passwordless", "phishingResistant", "telephony", "weak"}; !slices.Equal(classes, wantClasses) {
		t.Errorf("classes = %v, want %v", classes, wantClasses)
	}
	known := map[string]bool{}
	for class, names := range tax.Classes {
		if !slices.IsSorted(names) || len(slices.Compact(slices.Clone(names))) != len(names) {
			t.Errorf("class %s is not sorted and unique", class)
		}
		for _, n := range names {
			known[n] = true
		}
	}
	// Graph's method names and the password of the method summaries.
	for _, n := range []string{"email", "mobilePhone", "alternateMobilePhone", "officePhone",
		"securityQuestion", "microsoftAuthenticatorPush", "microsoftAuthenticatorPasswordless",
		"softwareOneTimePasscode", "hardwareOneTimePasscode", "fido2SecurityKey",
		"windowsHelloForBusiness", "temporaryAccessPass", "macOsSecureEnclaveKey",
		"passKeyDeviceBound", "passKeyDeviceBoundAuthenticator", "passKeyDeviceBoundWindowsHello",
		"passKeySynced", "externalAuthMethod", "password"} {
		if !known[n] {
			t.Errorf("method %s is in no class", n)
		}
	}
	// The one mapping between the methodsRegistered vocabulary and the usage
	// reports' usageAuthMethod: Graph's userEventsSummary example uses the former.
	if tax.UsageMethodAliases["microsoftAuthenticatorPush"] != "appNotification" {
		t.Errorf("usageMethodAliases maps microsoftAuthenticatorPush to %q, want appNotification", tax.UsageMethodAliases["microsoftAuthenticatorPush"])
	}
	for from, to := range tax.UsageMethodAliases {
		if !known[from] {
			t.Errorf("usageMethodAliases: %s is in no class", from)
		}
		if _, chained := tax.UsageMethodAliases[to]; chained && to != from {
			t.Errorf("usageMethodAliases: %s maps to %s, itself an alias", from, to)
		}
	}
	for _, m := range []string{"mobilePhone", "alternateMobilePhone", "officePhone"} {
		if !slices.Contains(tax.TelephonyUsageMethods, tax.UsageMethodAliases[m]) {
			t.Errorf("%s (telephony) does not map to a telephony usage method", m)
		}
	}
	if got, want := slices.Sorted(slices.Values(tax.TelephonySecondFactors)), []string{"sms", "voiceAlternateMobile", "voiceMobile", "voiceOffice"}; !slices.Equal(got, want) {
		t.Errorf("telephonySecondFactors = %v, want %v", got, want)
	}
}
