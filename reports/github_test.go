package reports

import (
	"strings"
	"testing"

	"github.com/authgate/authgate/result"
	"github.com/authgate/authgate/scope"
)

func TestGitHubGolden(t *testing.T) {
	golden(t, "github.golden", render(t, "github", fixtureOptions(), fixture()))
}

func TestGitHub(t *testing.T) {
	out := string(render(t, "github", fixtureOptions(), fixture()))
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	// One annotation per failing control, sorted by id, each followed by a
	// notice listing its waived violations with their justification (waived
	// findings stay visible); then the waivers to review. Nothing for the
	// passing and skipped controls.
	wantPrefixes := []string{
		"::warning title=ACME-X-01 Contractors use the Authenticator app (not gating)::1 violation of ACME-X-01 (medium): ext-erin@contoso.example (Erin (contractor) 100%25 #1 @everyone): contractor has no Authenticator app. Not gating: below --fail-on high.",
		"::error title=AM-ADM-01 Administrators are MFA-capable::3 violations of AM-ADM-01 (critical): alice@contoso.example",
		"::notice title=AM-ADM-01 Administrators are MFA-capable (waived)::1 waived violation of AM-ADM-01: bob@contoso.example (Bob): admin is not MFA-capable (waived: hardware token on order (owner secops@contoso.example, expires 2026-12-31, ticket SEC-42))",
		"::error title=AM-USR-01 Members are MFA-capable::1 violation of AM-USR-01 (high)",
		"::notice title=AM-WEAK-02 Telephony methods are rare (waived)::1 waived violation of AM-WEAK-02",
		"::warning title=authgate waiver to review::AM-ADM-01 old@contoso.example (waivers.yaml: waivers[1], owner iam-team): expired on 2025-01-31",
		"::warning title=authgate waiver to review::AM-USR-02 gone@contoso.example (waivers.yaml: waivers[2], owner iam-team): matched no violation",
	}
	if len(lines) != len(wantPrefixes) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(wantPrefixes), out)
	}
	for i, p := range wantPrefixes {
		if !strings.HasPrefix(lines[i], p) {
			t.Errorf("line %d = %q\nwant prefix %q", i, lines[i], p)
		}
	}
	if strings.Contains(lines[1], "bob@contoso.example") {
		t.Error("waived violation listed in the failing annotation")
	}
}

// TestGitHubEscaping checks the escaping of titles and messages, and that
// the annotation level follows the gate: an error for a control that fails
// it, a warning titled "not gating" for one below --fail-on.
func TestGitHubEscaping(t *testing.T) {
	tests := []struct {
		sev       result.Severity
		failOn    string
		title     string
		msg       string
		wantStart string
		wantMsg   string
	}{
		{result.SeverityLow, "high", "a: b, c", "50% done\r\nnext", "::warning title=AM-T-01 a%3A b%2C c (not gating)::", "1 violation of AM-T-01 (low): 50%25 done next. Not gating: below --fail-on high."},
		{result.SeverityInfo, "high", "info", "x", "::warning title=AM-T-01 info (not gating)::", ""},
		{result.SeverityMedium, "high", "m", "x", "::warning title=", ""},
		{result.SeverityHigh, "high", "h", "x", "::error title=AM-T-01 h::", ""},
		{result.SeverityCritical, "high", "c", "x", "::error title=", ""},
		{result.SeverityLow, "low", "l", "x", "::error title=AM-T-01 l::", ""},
		{result.SeverityCritical, "none", "c", "x", "::warning title=AM-T-01 c (not gating)::", "Not gating: --fail-on none."},
	}
	for _, tt := range tests {
		t.Run(tt.sev.String()+"/"+tt.failOn, func(t *testing.T) {
			r := &result.Result{Controls: []result.Control{{
				ID: "AM-T-01", Title: tt.title, Severity: tt.sev, Status: result.StatusFail,
				Violations: []result.Violation{{Message: tt.msg}},
			}}}
			if err := r.Decide(tt.failOn); err != nil {
				t.Fatal(err)
			}
			out := string(render(t, "github", Options{}, r))
			if !strings.HasPrefix(out, tt.wantStart) {
				t.Errorf("got %q, want prefix %q", out, tt.wantStart)
			}
			if tt.wantMsg != "" && !strings.Contains(out, tt.wantMsg) {
				t.Errorf("got %q, want it to contain %q", out, tt.wantMsg)
			}
			if strings.Count(out, "\n") != 1 {
				t.Errorf("annotation spans several lines: %q", out)
			}
		})
	}
}

func BenchmarkWriteGithub(b *testing.B) { benchmarkWrite(b, "github") }

// TestGitHubExclusions: every exclusion is an annotation, a notice when it
// took users out of scope as declared, a warning when it needs review.
func TestGitHubExclusions(t *testing.T) {
	r := fixture()
	r.Exclusions = []scope.Status{
		{Exclusion: scope.Exclusion{Groups: []string{"g-1"}, Controls: []string{"AM-USR-01"}, Reason: "service accounts", Owner: "it@contoso.example"},
			Index: 0, Users: 3, Removed: map[string]int64{"AM-USR-01": 3}},
		{Exclusion: scope.Exclusion{Subjects: []string{"kiosk-*@contoso.example"}, Controls: []string{"all"}, Reason: "kiosks", Owner: "it@contoso.example", ReviewBy: "2026-01-31"},
			Index: 1, Users: 0, ReviewOverdue: true},
	}
	out := string(render(t, "github", fixtureOptions(), r))
	for _, want := range []string{
		"::notice title=authgate exclusion (users out of scope)::exclusions[0] group g-1 from AM-USR-01: service accounts (owner it@contoso.example); matched 3 users; users removed: AM-USR-01 3\n",
		"::warning title=authgate exclusion (users out of scope)::exclusions[1] kiosk-*@contoso.example from all: kiosks (owner it@contoso.example); matched no user: remove it or fix its subjects; review was due on 2026-01-31\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
}

// TestGitHubOnePeriod: a message that ends its sentence is not given a
// second period.
func TestGitHubOnePeriod(t *testing.T) {
	r := fixture()
	for i := range r.Controls {
		for j := range r.Controls[i].Violations {
			r.Controls[i].Violations[j].Message = "the sentence ends here."
		}
	}
	out := string(render(t, "github", fixtureOptions(), r))
	if strings.Contains(out, "..") || !strings.Contains(out, "ends here.") {
		t.Errorf("a doubled or missing period:\n%s", out)
	}
}
