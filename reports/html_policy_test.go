package reports

import (
	"regexp"
	"strings"
	"testing"

	"github.com/authgate/authgate/result"
)

// policyEvil is a target group name with a terminal escape, a bidi
// override and markup: what a hostile group display name or id brings.
const policyEvil = "\x1b[2Jops\u202etxt.exe<script>alert(1)</script>"

// htmlPolicySummary is a methods policy summary with each case the section
// shows: enabled and disabled methods, all-users and group targets, a
// hostile target group, a method nobody registered, an unresolved group.
func htmlPolicySummary() *result.PolicySummary {
	return &result.PolicySummary{APIVersion: "v1.0", Source: "graph", MigrationState: "migrationComplete", UnresolvedGroups: 1,
		Methods: []result.PolicyMethod{
			{ID: "email", State: "disabled", Include: "all users", Exclude: "nobody", Registered: 60, Allowed: 0},
			{ID: "fido2", State: "enabled", Include: "group 6f1c-admins", Exclude: "nobody", Registered: 40, Allowed: 8},
			{ID: "microsoftauthenticator", State: "enabled", Include: "all users", Exclude: "group breakglass", Registered: 200, Allowed: 298},
			{ID: "sms", State: "enabled", Include: "group " + policyEvil, Exclude: "nobody", Registered: 120, Allowed: 35},
			{ID: "x509certificate", State: "", Include: "nobody", Exclude: "nobody"},
		}}
}

// htmlPolicyFixture is htmlFixture with a methods policy summary.
func htmlPolicyFixture() (*result.Result, Options) {
	r, o := htmlFixture()
	r.MethodsPolicy = htmlPolicySummary()
	return r, o
}

func TestHTMLPolicyGolden(t *testing.T) {
	r, o := htmlPolicyFixture()
	golden(t, "html-policy.golden", render(t, "html", o, r))
}

// policySection returns the markup of the methods policy section, or "".
func policySection(page string) string {
	start := strings.Index(page, `<section id="methods-policy">`)
	if start < 0 {
		return ""
	}
	return page[start : start+strings.Index(page[start:], "</section>")]
}

func TestHTMLPolicy(t *testing.T) {
	r, o := htmlPolicyFixture()
	page := string(render(t, "html", o, r))
	plain, _ := htmlFixture()
	plainPage := string(render(t, "html", o, plain))
	sec := policySection(page)
	if sec == "" {
		t.Fatal("no methods policy section")
	}

	t.Run("rows", func(t *testing.T) {
		rows := regexp.MustCompile(`(?s)<tr data-method="([^"]*)" data-state="([^"]*)">(.*?)</tr>`).FindAllStringSubmatch(sec, -1)
		want := []struct{ id, state, cells string }{
			{"email", "disabled", `<td><code>email</code></td><td>disabled</td><td class="mono">all users</td><td class="mono">nobody</td><td class="n">60</td><td class="n">0</td>`},
			{"fido2", "enabled", `<td><code>fido2</code></td><td>enabled</td><td class="mono">group 6f1c-admins</td><td class="mono">nobody</td><td class="n">40</td><td class="n">8</td>`},
			{"microsoftauthenticator", "enabled", `<td><code>microsoftauthenticator</code></td><td>enabled</td><td class="mono">all users</td><td class="mono">group breakglass</td><td class="n">200</td><td class="n">298</td>`},
			{"sms", "enabled", `<td><code>sms</code></td><td>enabled</td><td class="mono">group \x1b[2Jops\u202etxt.exe&lt;script&gt;alert(1)&lt;/script&gt;</td><td class="mono">nobody</td><td class="n">120</td><td class="n">35</td>`},
			{"x509certificate", "", `<td><code>x509certificate</code></td><td>–</td><td class="mono">nobody</td><td class="mono">nobody</td><td class="n">0</td><td class="n">0</td>`},
		}
		if len(rows) != len(want) {
			t.Fatalf("%d method rows, want %d:\n%s", len(rows), len(want), sec)
		}
		for i, w := range want {
			if got := rows[i]; got[1] != w.id || got[2] != w.state || got[3] != w.cells {
				t.Errorf("row %d:\n got %q %q %s\nwant %q %q %s", i, got[1], got[2], got[3], w.id, w.state, w.cells)
			}
		}
		for _, want := range []string{"(Graph v1.0)", "Migration state: <code>migrationComplete</code>.",
			"<strong>1 target group could not be resolved</strong>: their members are not counted as allowed.",
			`<th class="n">Users registered</th><th class="n">Users allowed</th>`} {
			if !strings.Contains(sec, want) {
				t.Errorf("section lacks %q", want)
			}
		}
	})
	t.Run("hostile target group escaped", func(t *testing.T) {
		if c, bad := rawControl(page); bad {
			t.Errorf("page holds U+%04X", c)
		}
		if strings.Contains(page, "<script>alert") {
			t.Error("a target group's markup reached the page")
		}
		if n := strings.Count(page, "<script>"); n != 1 {
			t.Errorf("%d <script> elements, want the page's own", n)
		}
	})
	t.Run("same style, script and CSP as without a policy", func(t *testing.T) {
		for _, re := range []string{`<meta http-equiv="Content-Security-Policy" content="[^"]+">`, `(?s)<style>.*?</style>`, `(?s)<script>.*?</script>`} {
			x := regexp.MustCompile(re)
			if x.FindString(page) != x.FindString(plainPage) {
				t.Errorf("%s differs with a policy section", re)
			}
		}
		for _, banned := range []string{" src=", "<link", "url(", " style=", "<img", "<style>", "<script>", " on"} {
			if strings.Count(page, banned) != strings.Count(plainPage, banned) {
				t.Errorf("the policy section adds %q", banned)
			}
		}
	})
	t.Run("not fetched", func(t *testing.T) {
		r, o := htmlFixture()
		r.MethodsPolicy = &result.PolicySummary{APIVersion: "v1.0", Source: "omitted", Reason: "Graph answered 403: the app lacks Policy.Read.AuthenticationMethod\x1b[31m",
			Methods: []result.PolicyMethod{}}
		sec := policySection(string(render(t, "html", o, r)))
		if !strings.Contains(sec, `<p id="methods-policy-omitted">Not fetched: Graph answered 403: the app lacks Policy.Read.AuthenticationMethod\x1b[31m.</p>`) {
			t.Errorf("no reason, or not escaped:\n%s", sec)
		}
		if strings.Contains(sec, "<table") || strings.Contains(sec, "Migration state") {
			t.Errorf("a table for a policy that was not fetched:\n%s", sec)
		}
	})
	t.Run("fetched without configurations", func(t *testing.T) {
		r, o := htmlFixture()
		r.MethodsPolicy = &result.PolicySummary{APIVersion: "beta", Source: "graph", Methods: []result.PolicyMethod{}}
		sec := policySection(string(render(t, "html", o, r)))
		if !strings.Contains(sec, "No method configurations.") || !strings.Contains(sec, "Migration state: <code>–</code>.") || strings.Contains(sec, "could not be resolved") {
			t.Errorf("empty policy section:\n%s", sec)
		}
	})
	t.Run("no policy, no section", func(t *testing.T) {
		if strings.Contains(plainPage, "methods-policy") || strings.Contains(plainPage, "Methods policy") {
			t.Error("policy section without a policy summary")
		}
	})
}
