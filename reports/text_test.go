package reports

import (
	"strings"
	"testing"

	"github.com/authgate/authgate/result"
)

func TestTextGolden(t *testing.T) {
	golden(t, "text.golden", render(t, "text", fixtureOptions(), fixture()))
}

func TestText(t *testing.T) {
	out := string(render(t, "text", fixtureOptions(), fixture()))
	for _, want := range []string{
		"authgate 1.2.3: FAIL (fail-on high)\n",
		"FAIL     critical  AM-ADM-01  Administrators are MFA-capable: 3 violations, 1 waived\n",
		"    - carol@contoso.example (Carol <Ops> & Co | Tier-0 Ünïcødé ✓): admin is not MFA-capable\n",
		"    ~ waived: bob@contoso.example (Bob): admin is not MFA-capable; hardware token on order (owner secops@contoso.example, expires 2026-12-31, ticket SEC-42)\n",
		"    fix: Require the admins listed to register a phishing-resistant method.\n",
		"SKIPPED  high      AM-BG-01  Break-glass accounts are phishing-resistant: skipped, no break_glass_accounts configured\n",
		"[value 91.0%, threshold 95.0%]",
		"WARN     medium    ACME-X-01  Contractors use the Authenticator app: 1 violation (not gating: below --fail-on high)\n",
		"verdict: FAIL (2 controls fail at or above --fail-on high, 1 more below it)\n",
		"PASS     low       AM-WEAK-02  Telephony methods are rare: 0 violations, 1 waived\n",
		"6 controls: 2 passed, 3 failed, 1 skipped; 5 violations, 2 waived\n",
		"dave@contoso.example (Dave Newline)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q", want)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("text output contains ANSI escapes")
	}
	if strings.Contains(out, "Second line") {
		t.Error("remediation should be one line")
	}
}

func TestTextCap(t *testing.T) {
	tests := []struct {
		name     string
		max      int
		listed   int
		wantMore string
	}{
		{"default 10", 0, 10, "    … and 13 more\n"},
		{"option 4", 4, 4, "    … and 19 more\n"},
		{"option above count", 100, 23, ""},
	}
	r := &result.Result{Controls: []result.Control{{ID: "AM-X-01", Status: result.StatusFail}}}
	for i := range 23 {
		id := string(rune('a'+i)) + "-user"
		r.Controls[0].Violations = append(r.Controls[0].Violations,
			result.Violation{Subject: &result.Subject{ID: id, UserPrincipalName: id + "@x"}, Message: "m"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := string(render(t, "text", Options{MaxPerControl: tt.max}, r))
			if got := strings.Count(out, "    - "); got != tt.listed {
				t.Errorf("listed %d violators, want %d", got, tt.listed)
			}
			if tt.wantMore != "" && !strings.Contains(out, tt.wantMore) {
				t.Errorf("missing %q in\n%s", tt.wantMore, out)
			}
			if tt.wantMore == "" && strings.Contains(out, "more") {
				t.Errorf("unexpected 'more' line in\n%s", out)
			}
		})
	}
}

func BenchmarkWriteText(b *testing.B) { benchmarkWrite(b, "text") }
