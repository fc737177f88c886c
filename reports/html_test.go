package reports

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/authgate/authgate/result"
	"github.com/authgate/authgate/snapshot"
)

// htmlFixture is the shared fixture with aggregates, a baseline and
// bundle files, so that every chart is drawn.
func htmlFixture() (*result.Result, Options) {
	r := fixture()
	counts := func(users, mfa, pwl, ssprEn, ssprCap int64, methods map[string]int64) *result.ScopeCounts {
		return &result.ScopeCounts{Counts: snapshot.Counts{Users: users, MfaCapable: mfa, PasswordlessCapable: pwl, SsprEnabled: ssprEn, SsprCapable: ssprCap, Methods: methods}}
	}
	r.Aggregates = &result.Aggregates{Users: 300, Scopes: map[string]*result.ScopeCounts{
		"all":    counts(300, 270, 90, 280, 240, map[string]int64{"microsoftAuthenticatorPush": 200, "fido2SecurityKey": 40, "mobilePhone": 120, "email": 60, "windowsHelloForBusiness": 40}),
		"member": counts(260, 240, 85, 260, 230, nil),
		"guest":  counts(40, 30, 5, 20, 10, nil),
		"admin":  counts(8, 7, 4, 8, 8, nil),
	}}
	r.Controls[0].Params = append(r.Controls[0].Params, result.Param{Name: "passwordless_min", Default: 0.25, Value: 0.25})
	old := &result.Aggregates{Users: 280, Scopes: map[string]*result.ScopeCounts{
		"member": counts(250, 200, 60, 250, 200, nil),
	}}
	o := fixtureOptions()
	o.HTML = HTMLOptions{
		History: []CoveragePoint{{Label: "2026-10-20T08:00:00Z", Aggregates: old}},
		Files:   []ManifestFile{{Path: "snapshot.json", SHA256: strings.Repeat("ab", 32), Size: 1234}, {Path: "results/results.json", SHA256: strings.Repeat("cd", 32), Size: 99}},
	}
	return r, o
}

func TestHTMLGolden(t *testing.T) {
	r, o := htmlFixture()
	golden(t, "html.golden", render(t, "html", o, r))
}

// bars counts the bars of the chart with the given element id.
func bars(t *testing.T, page, id string) int {
	t.Helper()
	start := strings.Index(page, `id="`+id+`"`)
	if start < 0 {
		t.Fatalf("no chart %s", id)
	}
	end := strings.Index(page[start:], "</svg>")
	return strings.Count(page[start:start+end], `<rect class="bar `)
}

func TestHTML(t *testing.T) {
	r, o := htmlFixture()
	page := string(render(t, "html", o, r))

	t.Run("csp hashes match the inline style and script", func(t *testing.T) {
		csp := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]+)">`).FindStringSubmatch(page)
		if csp == nil {
			t.Fatal("no CSP meta")
		}
		policy := strings.ReplaceAll(csp[1], "&#39;", "'")
		for _, tag := range []string{"style", "script"} {
			m := regexp.MustCompile(`(?s)<`+tag+`>(.*?)</`+tag+`>`).FindAllStringSubmatch(page, -1)
			if len(m) != 1 {
				t.Fatalf("%d <%s> elements, want 1", len(m), tag)
			}
			sum := sha256.Sum256([]byte(m[0][1]))
			want := tag + "-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
			if !strings.Contains(policy, want) {
				t.Errorf("CSP %q lacks %q", policy, want)
			}
		}
		if !strings.Contains(policy, "default-src 'none'") {
			t.Error("CSP must default to none")
		}
	})
	t.Run("self-contained", func(t *testing.T) {
		for _, banned := range []string{" src=", "<link", "@import", "url(", " style=", "<iframe", "<img", "<object", " on"} {
			if strings.Contains(page, banned) && !(banned == " on" && !regexp.MustCompile(` on[a-z]+=`).MatchString(page)) {
				t.Errorf("page contains %q", banned)
			}
		}
	})
	t.Run("charts", func(t *testing.T) {
		if n := bars(t, page, "chart-coverage"); n != 12 {
			t.Errorf("coverage chart has %d bars, want 12 (3 measures x 4 scopes)", n)
		}
		if n := bars(t, page, "chart-methods"); n != 5 {
			t.Errorf("methods chart has %d bars, want 5", n)
		}
		if n := bars(t, page, "chart-trend"); n != 6 {
			t.Errorf("trend chart has %d bars, want 6 (3 measures x 2 points)", n)
		}
		if n := strings.Count(page, `<line class="threshold"`); n != 2 {
			t.Errorf("%d threshold lines, want 2 (members' MFA and passwordless: the params in force)", n)
		}
	})
	t.Run("content", func(t *testing.T) {
		for _, want := range []string{
			`<span class="verdict v-fail" id="verdict">FAIL</span>`,
			"Carol &lt;Ops&gt; &amp; Co | Tier-0 Ünïcødé ✓",
			`<tr data-state="expired">`,
			"hardware token on order (owner secops@contoso.example, expires 2026-12-31, ticket SEC-42)",
			`<td class="mono">results/results.json</td>`,
			`<a href="https://intranet.acme.example/standards/access?id=7&amp;v=2" rel="noreferrer">`,
			"@media print",
		} {
			if !strings.Contains(page, want) {
				t.Errorf("page lacks %q", want)
			}
		}
	})
	t.Run("capped", func(t *testing.T) {
		o.MaxPerControl = 2
		page := string(render(t, "html", o, r))
		if !strings.Contains(page, "2 more violations of AM-ADM-01 not listed; the full list is in authgate-results.json") {
			t.Error("no cap message")
		}
	})
	t.Run("deterministic and without aggregates", func(t *testing.T) {
		if !bytes.Equal(render(t, "html", o, r), render(t, "html", o, r)) {
			t.Error("two renderings differ")
		}
		page := string(render(t, "html", fixtureOptions(), fixture()))
		if strings.Contains(page, "<svg") {
			t.Error("charts drawn without aggregates")
		}
	})
}

// htmlUsage is a week of usage with every case the usage charts draw: a
// method above the failure rate maximum, one exactly at it, one below the
// minimum number of attempts, one without attempts; a day below the MFA
// minimum and a day without sign-ins; SMS and voice among the sign-ins.
func htmlUsage(delegated bool) *snapshot.Usage {
	u := &snapshot.Usage{
		Period: "d7", Start: "2026-11-13T08:00:00Z", End: "2026-11-20T08:00:00Z", ActivitySource: "graph", SignInsSource: "graph",
		UserRegistrationActivity: []snapshot.RegistrationActivity{
			{AuthMethod: "appNotification", Feature: "registration", SuccessfulActivityCount: 95, FailureActivityCount: 5},
			{AuthMethod: "mobileSMS", Feature: "reset", SuccessfulActivityCount: 30, FailureActivityCount: 15},
			{AuthMethod: "mobileSMS", Feature: "registration", SuccessfulActivityCount: 30, FailureActivityCount: 10},
			{AuthMethod: "appPassword", Feature: "registration", SuccessfulActivityCount: 3, FailureActivityCount: 9},
			{AuthMethod: "fido", Feature: "registration"},
		},
		UserSignInsByAuthMethodSummary: []snapshot.SignInsByMethod{
			{AuthenticationMethod: "microsoftAuthenticatorPush", SuccessActivityCount: 500},
			{AuthenticationMethod: "sms", SuccessActivityCount: 120},
			{AuthenticationMethod: "fido2SecurityKey", SuccessActivityCount: 60},
			{AuthenticationMethod: "mobileCall", SuccessActivityCount: 20},
		},
	}
	for d := range 7 {
		day := snapshot.MfaSignInDay{CreatedDateTime: fmt.Sprintf("2026-11-%02dT00:00:00Z", 14+d), MultiFactorSignIns: int64(970 + d), SingleFactorSignIns: int64(30 - d)}
		switch d {
		case 2:
			day.MultiFactorSignIns, day.SingleFactorSignIns = 900, 100
		case 5: // a Sunday without sign-ins
			day.MultiFactorSignIns, day.SingleFactorSignIns = 0, 0
		}
		day.TotalSignIns = day.MultiFactorSignIns + day.SingleFactorSignIns
		u.UserMfaSignInSummary = append(u.UserMfaSignInSummary, day)
	}
	if !delegated {
		u.ActivitySource, u.SignInsSource, u.UserSignInsByAuthMethodSummary = "derived", "omitted", nil
	}
	return u
}

// htmlUsageFixture is htmlFixture with a usage section and the usage
// controls, method_failure_rate_max raised to 0.25 and min_method_events
// given as a json.Number, as parameters from a YAML or JSON file arrive.
func htmlUsageFixture(delegated bool) (*result.Result, Options) {
	r, o := htmlFixture()
	r.Usage = result.SummarizeUsage(htmlUsage(delegated))
	r.Controls = append(r.Controls,
		result.Control{ID: "AM-USE-01", Title: "Authentication methods do not fail often", Severity: result.SeverityMedium, Scope: result.ScopeTenant,
			Params:  []result.Param{{Name: "method_failure_rate_max", Default: 0.2, Value: 0.25}, {Name: "min_method_events", Default: json.Number("20"), Value: json.Number("20")}},
			Package: "authgate.builtin.usage_method_failure_rate", Family: "USE", Builtin: true, Status: result.StatusFail,
			Violations: []result.Violation{{Message: "mobileSMS reset failed 33.3% of the time (15 of 45 attempts over d7), above the maximum of 25.0%.", Value: f64(1.0 / 3), Threshold: f64(0.25), Offset: -1}}},
		result.Control{ID: "AM-USE-02", Title: "Sign-ins are multi-factor", Severity: result.SeverityHigh, Scope: result.ScopeTenant,
			Params:  []result.Param{{Name: "single_factor_signin_max", Default: 0.05, Value: 0.05}},
			Package: "authgate.builtin.usage_single_factor_signins", Family: "USE", Builtin: true, Status: result.StatusPass, Violations: []result.Violation{}},
	)
	if err := r.Decide("high"); err != nil {
		panic(err)
	}
	return r, o
}

func TestHTMLUsageGolden(t *testing.T) {
	r, o := htmlUsageFixture(true)
	golden(t, "html-usage.golden", render(t, "html", o, r))
}

// chartSVG returns the markup of the chart with the given element id.
func chartSVG(t *testing.T, page, id string) string {
	t.Helper()
	start := strings.Index(page, `id="`+id+`"`)
	if start < 0 {
		t.Fatalf("no chart %s", id)
	}
	return page[start : start+strings.Index(page[start:], "</svg>")]
}

func TestHTMLUsage(t *testing.T) {
	r, o := htmlUsageFixture(true)
	page := string(render(t, "html", o, r))
	plain, _ := htmlFixture()
	plainPage := string(render(t, "html", o, plain))

	t.Run("same style, script and CSP as without usage", func(t *testing.T) {
		for _, re := range []string{`<meta http-equiv="Content-Security-Policy" content="[^"]+">`, `(?s)<style>.*?</style>`, `(?s)<script>.*?</script>`} {
			x := regexp.MustCompile(re)
			if x.FindString(page) != x.FindString(plainPage) {
				t.Errorf("%s differs with a usage section", re)
			}
		}
		for _, banned := range []string{" src=", "<link", "url(", " style=", "<img", "<style>", "<script>"} {
			if strings.Count(page, banned) != strings.Count(plainPage, banned) {
				t.Errorf("the usage section adds %q", banned)
			}
		}
	})
	t.Run("failure rates", func(t *testing.T) {
		svg := chartSVG(t, page, "chart-usage-failures")
		if n := strings.Count(svg, `<rect class="bar `); n != 5 {
			t.Errorf("%d bars, want 5 (one per method and feature)", n)
		}
		if n := strings.Count(svg, `data-judged="false"`); n != 2 {
			t.Errorf("%d bars not judged, want 2 (appPassword: 12 attempts; fido: none)", n)
		}
		if n := strings.Count(svg, "not judged ("); n != 2 {
			t.Errorf("%d \"not judged\" labels, want 2", n)
		}
		// Only mobileSMS reset (33.3%) is above 25%; mobileSMS registration
		// (25.0%) is at it and appPassword (75%) is not judged.
		if n := strings.Count(svg, `<rect class="bar over"`); n != 1 || !regexp.MustCompile(`<rect class="bar over" fill="#cf222e" data-judged="true" [^>]+><title>mobileSMS reset: 33.3%`).MatchString(svg) {
			t.Errorf("%d bars over the maximum, want mobileSMS reset:\n%s", n, svg)
		}
		// The reference line is the parameter in force (25%) on a 0-100% axis
		// (appPassword, not judged, failed 75% of the time).
		if !strings.Contains(svg, `<line class="threshold" x1="275.0" y1="6" x2="275.0"`) || !strings.Contains(svg, "<title>method_failure_rate_max: 25.0%</title>") {
			t.Errorf("no reference line at 25%% of a 100%% axis:\n%s", svg)
		}
		if !strings.Contains(svg, ">33.3% (15 of 45)</text>") {
			t.Error("no value label on the mobileSMS reset bar")
		}
	})
	t.Run("daily MFA share", func(t *testing.T) {
		svg := chartSVG(t, page, "chart-usage-mfa")
		if n := strings.Count(svg, `<rect class="bar `); n != 6 {
			t.Errorf("%d bars, want 6 (7 days, one without sign-ins)", n)
		}
		if n := strings.Count(svg, `<rect class="bar over"`); n != 1 {
			t.Errorf("%d days below the minimum, want 1 (90%%)", n)
		}
		if !strings.Contains(svg, "<title>2026-11-19: no sign-ins</title>") {
			t.Error("the day without sign-ins is not marked")
		}
		// 1 - single_factor_signin_max = 95%: y = 10 + 160 - 0.95*160.
		if !strings.Contains(svg, `<line class="threshold" x1="44" y1="18.0"`) || !strings.Contains(svg, "1 - single_factor_signin_max: 95.0%") {
			t.Errorf("no minimum line at 95%%:\n%s", svg)
		}
	})
	t.Run("sign-ins per method", func(t *testing.T) {
		svg := chartSVG(t, page, "chart-usage-signins")
		if n := strings.Count(svg, `<rect class="bar `); n != 4 {
			t.Errorf("%d bars, want 4", n)
		}
		if n := strings.Count(svg, `<rect class="bar telephony"`); n != 2 {
			t.Errorf("%d telephony bars, want 2 (sms, mobileCall)", n)
		}
		if !strings.Contains(page, "Successful sign-ins per method (SMS and voice: 20.0% of 700, maximum 20.0%)") {
			t.Error("no telephony share in the caption")
		}
		if strings.Contains(page, "need a delegated fetch") || strings.Contains(page, "derived from userEventsSummary") {
			t.Error("app-only notes on a delegated report")
		}
	})
	t.Run("app-only", func(t *testing.T) {
		r, o := htmlUsageFixture(false)
		page := string(render(t, "html", o, r))
		if strings.Contains(page, "chart-usage-signins") {
			t.Error("sign-ins chart without sign-ins per method")
		}
		for _, want := range []string{"Sign-ins per method need a delegated fetch", "derived from userEventsSummary", `id="chart-usage-failures"`, `id="chart-usage-mfa"`} {
			if !strings.Contains(page, want) {
				t.Errorf("page lacks %q", want)
			}
		}
	})
	t.Run("defaults without the usage controls", func(t *testing.T) {
		r, o := htmlFixture()
		r.Usage = result.SummarizeUsage(htmlUsage(true))
		page := string(render(t, "html", o, r))
		if !strings.Contains(page, "method_failure_rate_max: 20.0%") || !strings.Contains(page, "1 - single_factor_signin_max: 95.0%") {
			t.Error("default thresholds not drawn")
		}
		// appPassword 75% over 12 attempts stays not judged under the default 20.
		if n := strings.Count(chartSVG(t, page, "chart-usage-failures"), `<rect class="bar over"`); n != 2 {
			t.Errorf("%d bars over 20%%, want 2 (mobileSMS reset at 33%% and registration at 25%%)", n)
		}
	})
	t.Run("usage without aggregates", func(t *testing.T) {
		r := fixture()
		r.Usage = result.SummarizeUsage(htmlUsage(true))
		page := string(render(t, "html", fixtureOptions(), r))
		if strings.Contains(page, `id="chart-coverage"`) || !strings.Contains(page, `id="chart-usage-mfa"`) {
			t.Error("want the usage charts alone")
		}
	})
	t.Run("no usage, no section", func(t *testing.T) {
		if strings.Contains(plainPage, "How people sign in") || strings.Contains(plainPage, "chart-usage") {
			t.Error("usage section without usage")
		}
	})
}
