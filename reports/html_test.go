package reports

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"regexp"
	"strings"
	"testing"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/snapshot"
)

// htmlFixture is the shared fixture with aggregates, a baseline and
// bundle files, so that every chart is drawn.
func htmlFixture() (*evaluator.Result, Options) {
	r := fixture()
	counts := func(users, mfa, pwl, ssprEn, ssprCap int64, methods map[string]int64) *evaluator.ScopeCounts {
		return &evaluator.ScopeCounts{Counts: snapshot.Counts{Users: users, MfaCapable: mfa, PasswordlessCapable: pwl, SsprEnabled: ssprEn, SsprCapable: ssprCap, Methods: methods}}
	}
	r.Aggregates = &evaluator.Aggregates{Users: 300, Scopes: map[string]*evaluator.ScopeCounts{
		"all":    counts(300, 270, 90, 280, 240, map[string]int64{"microsoftAuthenticatorPush": 200, "fido2SecurityKey": 40, "mobilePhone": 120, "email": 60, "windowsHelloForBusiness": 40}),
		"member": counts(260, 240, 85, 260, 230, nil),
		"guest":  counts(40, 30, 5, 20, 10, nil),
		"admin":  counts(8, 7, 4, 8, 8, nil),
	}}
	r.Controls[0].Params = append(r.Controls[0].Params, evaluator.Param{Name: "passwordless_min", Default: 0.25, Value: 0.25})
	old := &evaluator.Aggregates{Users: 280, Scopes: map[string]*evaluator.ScopeCounts{
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
