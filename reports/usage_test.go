package reports

import (
	"strings"
	"testing"

	"github.com/authgate/authgate/result"
	"github.com/authgate/authgate/snapshot"
)

func usageResult(signIns bool) *result.Result {
	u := &snapshot.Usage{
		Period: "d7", Start: "2026-11-20T06:00:00Z", End: "2026-11-27T06:00:00Z", ActivitySource: "graph",
		UserRegistrationActivity: []snapshot.RegistrationActivity{
			{AuthMethod: "mobileSMS", Feature: "reset", SuccessfulActivityCount: 30, FailureActivityCount: 10},
			{AuthMethod: "app|Notification", Feature: "registration", SuccessfulActivityCount: 99, FailureActivityCount: 1},
		},
		UserMfaSignInSummary: []snapshot.MfaSignInDay{
			{CreatedDateTime: "2026-11-26T00:00:00Z", MultiFactorSignIns: 90, SingleFactorSignIns: 10, TotalSignIns: 100},
			{CreatedDateTime: "2026-11-27T00:00:00Z"},
		},
		SignInsSource: "omitted",
	}
	if signIns {
		u.SignInsSource = "graph"
		u.UserSignInsByAuthMethodSummary = []snapshot.SignInsByMethod{{AuthenticationMethod: "sms", SuccessActivityCount: 25}, {AuthenticationMethod: "password", SuccessActivityCount: 75}}
	} else {
		u.ActivitySource = "derived"
	}
	r := fixture()
	r.Usage = result.SummarizeUsage(u)
	return r
}

func TestUsageSection(t *testing.T) {
	tests := []struct {
		format  string
		signIns bool
		want    []string
	}{
		{"text", true, []string{
			"\nusage over d7 (2026-11-20T06:00:00Z to 2026-11-27T06:00:00Z):\n",
			"    registration and reset failure rate per method, from Graph's userRegistrationActivity:\n",
			"        mobileSMS              reset         25.0%  (10 of 40 failed)\n",
			"    multi-factor sign-ins: 90.0% of 100 (10 single-factor)\n",
			"        2026-11-26   90.0%  (90 of 100)\n",
			"        2026-11-27       –  (0 of 0)\n",
			"    successful sign-ins per method (SMS and voice 25.0% of 100):\n",
			"        password                            75.0%  (75)\n",
		}},
		{"text", false, []string{
			"failure rate per method, derived from userEventsSummary (app-only fetch):\n",
			"    sign-ins per method: not available (Graph gives them to delegated fetches only)\n",
		}},
		{"markdown", true, []string{
			"\n### Usage insights (d7)\n\n",
			"| app\\|Notification | registration | 100 | 1 | 1.0% |\n",
			"| mobileSMS | reset | 40 | 10 | 25.0% |\n",
			"Multi-factor sign-ins: **90.0%** of 100 over the period (10 single-factor).\n",
			"| 2026-11-26 | 90 | 10 | 100 | 90.0% |\n",
			"Successful sign-ins per method (SMS and voice: **25.0%** of 100):\n",
			"| sms | 25 | 25.0% |\n",
		}},
		{"markdown", false, []string{"Registration and reset attempts derived from userEventsSummary (app-only fetch).", "Sign-ins per method: not available"}},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			out := string(render(t, tt.format, fixtureOptions(), usageResult(tt.signIns)))
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("%s output lacks %q:\n%s", tt.format, w, out)
				}
			}
		})
	}
}

func TestNoUsageSectionWithoutUsage(t *testing.T) {
	for _, format := range []string{"text", "markdown"} {
		out := string(render(t, format, fixtureOptions(), fixture()))
		if strings.Contains(strings.ToLower(out), "usage") || strings.Contains(out, "sign-ins") {
			t.Errorf("%s output mentions usage without a usage section", format)
		}
	}
}

// A day that contradicts itself is shown as left out, with why, in the
// human formats; no share of it is drawn.
func TestUsageDayLeftOut(t *testing.T) {
	r := usageResult(false)
	r.Usage = result.SummarizeUsage(&snapshot.Usage{Period: "d7", Start: "2026-11-20T06:00:00Z", End: "2026-11-27T06:00:00Z", ActivitySource: "derived", SignInsSource: "omitted",
		UserMfaSignInSummary: []snapshot.MfaSignInDay{
			{CreatedDateTime: "2026-11-25T00:00:00Z", MultiFactorSignIns: 9900, TotalSignIns: 1000},
			{CreatedDateTime: "2026-11-26T00:00:00Z", MultiFactorSignIns: 90, SingleFactorSignIns: 10, TotalSignIns: 100},
		}})
	why := "multi-factor (9900) and single-factor (0) sign-ins exceed the total (1000)"
	for format, want := range map[string]string{
		"text":     "        2026-11-25       –  (9900 of 1000)  left out: " + why + "\n",
		"markdown": "| 2026-11-25 | 9900 | 0 | 1000 | – (left out: " + why + ") |\n",
		"html":     "Left out of every share: 2026-11-25: " + why + ".",
	} {
		out := string(render(t, format, fixtureOptions(), r))
		if !strings.Contains(out, want) {
			t.Errorf("%s output lacks %q", format, want)
		}
		if strings.Contains(out, "990.0%") {
			t.Errorf("%s output shows the contradictory day's share", format)
		}
	}
}
