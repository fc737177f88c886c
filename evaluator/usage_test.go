package evaluator_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/authgate/authgate/internal/evaltest"
	"github.com/authgate/authgate/result"
	"github.com/authgate/authgate/snapshot"
)

func ptr(f float64) *float64 { return &f }

func testUsage() *snapshot.Usage {
	return &snapshot.Usage{
		Period: "d7", Start: "2026-11-20T06:00:00Z", End: "2026-11-27T06:00:00Z",
		UserRegistrationActivity: []snapshot.RegistrationActivity{
			{AuthMethod: "mobileSMS", Feature: "registration", SuccessfulActivityCount: 30, FailureActivityCount: 10},
			{AuthMethod: "appNotification", Feature: "registration", SuccessfulActivityCount: 99, FailureActivityCount: 1},
			{AuthMethod: "appPassword", Feature: "registration", SuccessfulActivityCount: 0, FailureActivityCount: 5},
		},
		ActivitySource: "graph",
		UserMfaSignInSummary: []snapshot.MfaSignInDay{
			{CreatedDateTime: "2026-11-26T00:00:00Z", MultiFactorSignIns: 90, SingleFactorSignIns: 10, TotalSignIns: 100},
			{CreatedDateTime: "2026-11-27T00:00:00Z", MultiFactorSignIns: 0, SingleFactorSignIns: 0, TotalSignIns: 0},
		},
		UserSignInsByAuthMethodSummary: []snapshot.SignInsByMethod{
			{AuthenticationMethod: "sms", SuccessActivityCount: 25},
			{AuthenticationMethod: "microsoftAuthenticatorPush", SuccessActivityCount: 75},
		},
		SignInsSource: "graph",
	}
}

// withUsage rewrites the snapshot at path with u as its usage member, where
// fetch writes it: after the summaries, before the manifest.
func withUsage(t *testing.T, path string, u *snapshot.Usage) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	const at = ",\n\"manifest\":"
	if !strings.Contains(string(raw), at) {
		t.Fatal("snapshot has no manifest member where the writer puts it")
	}
	doc := strings.Replace(string(raw), at, ",\n\"usage\":"+string(b)+at, 1)
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestSummarizeUsage(t *testing.T) {
	if result.SummarizeUsage(nil) != nil {
		t.Error("SummarizeUsage(nil) is not nil")
	}
	got := result.SummarizeUsage(testUsage())
	want := &result.UsageSummary{
		Period: "d7", Start: "2026-11-20T06:00:00Z", End: "2026-11-27T06:00:00Z", ActivitySource: "graph",
		Methods: []result.MethodUsage{
			{AuthMethod: "appNotification", Feature: "registration", Succeeded: 99, Failed: 1, Attempts: 100, FailureRate: ptr(0.01)},
			{AuthMethod: "appPassword", Feature: "registration", Failed: 5, Attempts: 5, FailureRate: ptr(1)},
			{AuthMethod: "mobileSMS", Feature: "registration", Succeeded: 30, Failed: 10, Attempts: 40, FailureRate: ptr(0.25)},
		},
		Days: []result.UsageDay{
			{Date: "2026-11-26T00:00:00Z", MultiFactor: 90, SingleFactor: 10, Total: 100, MfaShare: ptr(0.9)},
			{Date: "2026-11-27T00:00:00Z"},
		},
		MultiFactorSignIns: 90, SingleFactorSignIns: 10, TotalSignIns: 100, MfaShare: ptr(0.9),
		SignInsSource: "graph",
		SignInsByMethod: []result.MethodSignIns{
			{AuthenticationMethod: "microsoftAuthenticatorPush", Successes: 75, Share: ptr(0.75)},
			{AuthenticationMethod: "sms", Successes: 25, Share: ptr(0.25), Telephony: true},
		},
		SuccessfulSignIns: 100, TelephonySignIns: 25, TelephonyShare: ptr(0.25),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SummarizeUsage (-want +got):\n%s", diff)
	}

	appOnly := testUsage()
	appOnly.UserSignInsByAuthMethodSummary, appOnly.SignInsSource = nil, "omitted"
	s := result.SummarizeUsage(appOnly)
	if s.SignInsByMethod != nil || s.TelephonyShare != nil || s.SignInsSource != "omitted" {
		t.Errorf("app-only summary has sign-ins per method: %+v", s)
	}
}

func TestUsageControls(t *testing.T) {
	ids := []string{"AM-USE-01", "AM-USE-02", "AM-USE-03"}
	t.Run("without a usage section", func(t *testing.T) {
		r := evaluate(t, writeSnapshot(t, 50, 7, true))
		if r.Usage != nil {
			t.Errorf("Result.Usage = %+v, want nil", r.Usage)
		}
		for _, id := range ids {
			if c := evaltest.Control(t, r, id); c.Status != result.StatusSkipped || !strings.Contains(c.SkipReason, "--include usage") {
				t.Errorf("%s: %s (%s), want skipped for want of a usage section", id, c.Status, c.SkipReason)
			}
		}
	})
	t.Run("with one", func(t *testing.T) {
		p := writeSnapshot(t, 50, 7, true)
		withUsage(t, p, testUsage())
		r := evaluate(t, p)
		if r.Usage == nil || len(r.Usage.Methods) != 3 {
			t.Fatalf("Result.Usage = %+v", r.Usage)
		}
		raw, _ := os.ReadFile(p)
		usageAt := int64(strings.Index(string(raw), `"usage":`) + len(`"usage":`))
		want := map[string]string{
			"AM-USE-01": "mobileSMS registration failed 25.0% of the time (10 of 40 attempts over d7), above the maximum of 20.0%.",
			"AM-USE-02": "10.0% of sign-ins were single-factor (10 of 100 over d7), above the maximum of 5.0%.",
			"AM-USE-03": "25.0% of successful sign-ins used SMS or voice (25 of 100 over d7), above the maximum of 20.0%.",
		}
		for _, id := range ids {
			c := evaltest.Control(t, r, id)
			if c.Status != result.StatusFail || len(c.Violations) != 1 || c.Violations[0].Message != want[id] {
				t.Errorf("%s: %s %+v, want one violation %q", id, c.Status, c.Violations, want[id])
				continue
			}
			if off := c.Violations[0].Offset; off != usageAt {
				t.Errorf("%s: violation offset %d, want the usage object at %d", id, off, usageAt)
			}
		}
	})
	t.Run("app-only", func(t *testing.T) {
		p := writeSnapshot(t, 50, 7, true)
		u := testUsage()
		u.UserSignInsByAuthMethodSummary, u.SignInsSource, u.ActivitySource = nil, "omitted", "derived"
		withUsage(t, p, u)
		r := evaluate(t, p)
		if c := evaltest.Control(t, r, "AM-USE-03"); c.Status != result.StatusSkipped || !strings.Contains(c.SkipReason, "delegated") {
			t.Errorf("AM-USE-03: %s (%s), want skipped: delegated only", c.Status, c.SkipReason)
		}
		if c := evaltest.Control(t, r, "AM-USE-01"); c.Status != result.StatusFail {
			t.Errorf("AM-USE-01 on derived counts: %s", c.Status)
		}
	})
}

func TestSummarizeUsageLeavesOutContradictoryDays(t *testing.T) {
	u := &snapshot.Usage{Period: "d7", Start: "2026-10-26T08:00:00Z", End: "2026-11-02T08:00:00Z", ActivitySource: "derived", SignInsSource: "omitted",
		UserMfaSignInSummary: []snapshot.MfaSignInDay{
			{CreatedDateTime: "2026-11-01T00:00:00Z", MultiFactorSignIns: 9900, TotalSignIns: 1000}, // Microsoft's example
			{CreatedDateTime: "2026-10-31T00:00:00Z", MultiFactorSignIns: -1, TotalSignIns: 10},
			{CreatedDateTime: "2026-11-09T00:00:00Z", MultiFactorSignIns: 1, TotalSignIns: 1},
			{CreatedDateTime: "2026-10-30T00:00:00Z", MultiFactorSignIns: 90, SingleFactorSignIns: 10, TotalSignIns: 100},
		}}
	s := result.SummarizeUsage(u)
	if s.InconsistentDays != 3 || s.TotalSignIns != 100 || s.MultiFactorSignIns != 90 || s.MfaShare == nil || *s.MfaShare != 0.9 {
		t.Fatalf("summary %+v", s)
	}
	for _, d := range s.Days {
		if d.MfaShare != nil && *d.MfaShare > 1 {
			t.Errorf("day %s share %v above 100%%", d.Date, *d.MfaShare)
		}
		if (d.Problem == "") != (d.Date == "2026-10-30T00:00:00Z") {
			t.Errorf("day %s problem %q", d.Date, d.Problem)
		}
	}
}

// A day that lacks a count is left out of the shares alike by the Go
// summary the outputs show and by the controls, and AM-DQ-04 names it.
func TestUsageMissingCountAgreesInGoAndRego(t *testing.T) {
	p := writeSnapshot(t, 50, 7, true)
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	u := testUsage()
	b, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	// The second day as Graph might send it: no multiFactorSignIns.
	day := `{"createdDateTime":"2026-11-27T00:00:00Z","multiFactorSignIns":0,"singleFactorSignIns":0,"totalSignIns":0}`
	if !strings.Contains(string(b), day) {
		t.Fatalf("usage JSON lacks %s: %s", day, b)
	}
	usage := strings.Replace(string(b), day, `{"createdDateTime":"2026-11-25T00:00:00Z","singleFactorSignIns":0,"totalSignIns":100}`, 1)
	const at = ",\n\"manifest\":"
	if err := os.WriteFile(p, []byte(strings.Replace(string(raw), at, ",\n\"usage\":"+usage+at, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	r := evaluate(t, p)
	if s := r.Usage; s == nil || s.TotalSignIns != 100 || s.InconsistentDays != 1 || s.MfaShare == nil || *s.MfaShare != 0.9 {
		t.Fatalf("summary %+v: want the day without a count left out", s)
	}
	if c := evaltest.Control(t, r, "AM-DQ-04"); len(c.Violations) != 1 || !strings.Contains(c.Violations[0].Message, "2026-11-25") {
		t.Errorf("AM-DQ-04: %+v, want the day without a count named", c.Violations)
	}
	want := "10.0% of sign-ins were single-factor (10 of 100 over d7), above the maximum of 5.0%."
	if c := evaltest.Control(t, r, "AM-USE-02"); len(c.Violations) != 1 || c.Violations[0].Message != want {
		t.Errorf("AM-USE-02: %+v, want %q (the day without a count in neither sum)", c.Violations, want)
	}
}
