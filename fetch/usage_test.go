package fetch_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/authgate/authgate/fetch"
	"github.com/authgate/authgate/internal/graphfake"
	"github.com/authgate/authgate/snapshot"
)

// fetchUsage fetches a snapshot with the usage section from s.
func fetchUsage(t *testing.T, s *graphfake.Server, period string, tune func(*fetch.Options)) (*snapshot.Info, error) {
	t.Helper()
	return fetchWith(t, s, func(o *fetch.Options) {
		o.Usage, o.UsagePeriod = true, period
		if tune != nil {
			tune(o)
		}
	})
}

// fetchWith fetches a snapshot from s with the test options after set has
// chosen its sections, and reads it back; a failed fetch must leave no
// snapshot behind.
func fetchWith(t *testing.T, s *graphfake.Server, set func(*fetch.Options)) (*snapshot.Info, error) {
	t.Helper()
	o := baseOptions(t, s, secretCredential(t, s))
	set(&o)
	out := filepath.Join(t.TempDir(), "snap.json")
	if _, err := fetch.Fetch(context.Background(), out, o); err != nil {
		if _, serr := os.Stat(out); serr == nil {
			t.Errorf("a failed fetch left %s", out)
		}
		return nil, err
	}
	_, info := readSnapshot(t, out)
	return info, nil
}

func usageSources(m snapshot.Manifest) map[string]string {
	out := map[string]string{}
	for _, s := range m.Summaries {
		switch s.Report {
		case snapshot.ReportRegistrationActivity, snapshot.ReportMfaSignInSummary, snapshot.ReportSignInsByAuthMethod:
			out[s.Report] = s.Source
		}
	}
	return out
}

// TestUsageDelegatedAndAppOnlyAgree is the usage section's end-to-end test: against
// the same synthetic events, a delegated fetch (userRegistrationActivity)
// and an app-only fetch (derived from the paged userEventsSummary) give the
// same per-method counts, hence the same failure rates.
func TestUsageDelegatedAndAppOnlyAgree(t *testing.T) {
	const users = 300
	delegated := newServer(t, users, graphfake.Options{Delegated: true, PageSize: 40})
	appOnly := newServer(t, users, graphfake.Options{PageSize: 40})
	for _, period := range []string{"d1", "d7", "d30"} {
		t.Run(period, func(t *testing.T) {
			appOnly.ResetStats()
			d, err := fetchUsage(t, delegated, period, nil)
			if err != nil {
				t.Fatalf("delegated fetch: %v", err)
			}
			a, err := fetchUsage(t, appOnly, period, nil)
			if err != nil {
				t.Fatalf("app-only fetch: %v", err)
			}
			du, au := d.Usage, a.Usage
			if du == nil || au == nil {
				t.Fatalf("usage section missing: delegated %v, app-only %v", du != nil, au != nil)
			}
			if du.ActivitySource != snapshot.SourceGraph || au.ActivitySource != snapshot.SourceDerived || !strings.Contains(au.ActivityReason, "403") {
				t.Errorf("activity sources %s, %s (%q)", du.ActivitySource, au.ActivitySource, au.ActivityReason)
			}
			if len(du.UserRegistrationActivity) == 0 {
				t.Fatal("no activity in the period")
			}
			if diff := cmp.Diff(du.UserRegistrationActivity, au.UserRegistrationActivity); diff != "" {
				t.Errorf("per-method counts differ (-delegated +app-only):\n%s", diff)
			}
			want, _ := appOnly.RegistrationActivity(period)
			if diff := cmp.Diff(want, au.UserRegistrationActivity); diff != "" {
				t.Errorf("app-only counts vs the emulator's events (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(du.UserMfaSignInSummary, au.UserMfaSignInSummary); diff != "" {
				t.Errorf("daily MFA counts differ:\n%s", diff)
			}
			days, _ := snapshot.UsagePeriodDays(period)
			if len(du.UserMfaSignInSummary) != days {
				t.Errorf("%d daily rows for %s", len(du.UserMfaSignInSummary), period)
			}
			if du.SignInsSource != snapshot.SourceGraph || len(du.UserSignInsByAuthMethodSummary) == 0 {
				t.Errorf("delegated sign-ins per method: %s, %d rows", du.SignInsSource, len(du.UserSignInsByAuthMethodSummary))
			}
			if au.SignInsSource != snapshot.SourceOmitted || au.UserSignInsByAuthMethodSummary != nil {
				t.Errorf("app-only sign-ins per method: %s, %v", au.SignInsSource, au.UserSignInsByAuthMethodSummary)
			}
			if got := usageSources(a.Manifest); !cmp.Equal(got, map[string]string{
				"userRegistrationActivity": "derived", "userMfaSignInSummary": "graph", "userSignInsByAuthMethodSummary": "omitted",
			}) {
				t.Errorf("app-only manifest usage sources %v", got)
			}
			if got := usageSources(d.Manifest); got["userRegistrationActivity"] != "graph" || got["userSignInsByAuthMethodSummary"] != "graph" {
				t.Errorf("delegated manifest usage sources %v", got)
			}
			if du.Period != period || du.End != testNow.Format(time.RFC3339) {
				t.Errorf("period %s ending %s", du.Period, du.End)
			}
			if st := appOnly.Stats(); period == "d30" && st.Requests[graphfake.EndpointEventsSummary] < 3 {
				t.Errorf("app-only fetch read %d pages of events: the test should page", st.Requests[graphfake.EndpointEventsSummary])
			}
		})
	}
}

func TestFetchWithoutUsageAsksNothing(t *testing.T) {
	s := newServer(t, 30, graphfake.Options{})
	o := baseOptions(t, s, secretCredential(t, s))
	out := filepath.Join(t.TempDir(), "snap.json")
	if _, err := fetch.Fetch(context.Background(), out, o); err != nil {
		t.Fatal(err)
	}
	_, info := readSnapshot(t, out)
	raw, _ := os.ReadFile(out)
	if info.Usage != nil || strings.Contains(string(raw), `"usage"`) || len(usageSources(info.Manifest)) != 0 {
		t.Errorf("a fetch without --include usage wrote usage data")
	}
	st := s.Stats()
	for _, ep := range []graphfake.Endpoint{graphfake.EndpointRegistrationActivity, graphfake.EndpointEventsSummary, graphfake.EndpointMfaSignInSummary, graphfake.EndpointSignInsByMethod} {
		if st.Requests[ep] != 0 {
			t.Errorf("%s asked %d times", ep, st.Requests[ep])
		}
	}
}

func TestUsageSummaryModes(t *testing.T) {
	t.Run("derived never asks the delegated-only reports", func(t *testing.T) {
		s := newServer(t, 50, graphfake.Options{Delegated: true})
		info, err := fetchUsage(t, s, "d7", func(o *fetch.Options) { o.Summaries = fetch.SummariesDerived })
		if err != nil {
			t.Fatal(err)
		}
		if u := info.Usage; u.ActivitySource != snapshot.SourceDerived || u.SignInsSource != snapshot.SourceOmitted {
			t.Errorf("sources %s, %s", u.ActivitySource, u.SignInsSource)
		}
		st := s.Stats()
		if st.Requests[graphfake.EndpointRegistrationActivity]+st.Requests[graphfake.EndpointSignInsByMethod] != 0 {
			t.Errorf("asked a delegated-only report with --summaries derived")
		}
	})
	t.Run("graph fails on the app-only 403", func(t *testing.T) {
		s := newServer(t, 50, graphfake.Options{AppOnlySummariesAllowed: true})
		_, err := fetchUsage(t, s, "d7", func(o *fetch.Options) { o.Summaries = fetch.SummariesGraph })
		if !fetch.IsAuthFailure(err) || !strings.Contains(err.Error(), "userRegistrationActivity") {
			t.Errorf("error %v, want the 403 of userRegistrationActivity", err)
		}
	})
	t.Run("default period", func(t *testing.T) {
		s := newServer(t, 10, graphfake.Options{})
		info, err := fetchUsage(t, s, "", nil)
		if err != nil || info.Usage.Period != fetch.DefaultUsagePeriod {
			t.Errorf("period %v, %v", info, err)
		}
	})
	t.Run("bad period", func(t *testing.T) {
		s := newServer(t, 10, graphfake.Options{})
		_, err := fetchUsage(t, s, "d90", nil)
		if err == nil || !strings.Contains(err.Error(), `--usage-period "d90"`) {
			t.Errorf("error %v", err)
		}
	})
}

func TestUsageFaults(t *testing.T) {
	t.Run("transient errors are retried", func(t *testing.T) {
		s := newServer(t, 200, graphfake.Options{PageSize: 30})
		s.Inject(graphfake.Fault{Kind: graphfake.Fault503, Endpoint: graphfake.EndpointEventsSummary, Times: 2})
		s.Inject(graphfake.Fault{Kind: graphfake.Fault429, Endpoint: graphfake.EndpointMfaSignInSummary, RetryAfter: time.Millisecond})
		info, err := fetchUsage(t, s, "d30", nil)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := s.RegistrationActivity("d30")
		if diff := cmp.Diff(want, info.Usage.UserRegistrationActivity); diff != "" {
			t.Errorf("counts after faults (-want +got):\n%s", diff)
		}
		if info.Manifest.Retries < 3 || info.Manifest.Throttled < 1 {
			t.Errorf("manifest retries %d, throttled %d", info.Manifest.Retries, info.Manifest.Throttled)
		}
	})
	t.Run("a licence 403 is an auth failure", func(t *testing.T) {
		s := newServer(t, 20, graphfake.Options{})
		s.Inject(graphfake.Fault{Kind: graphfake.Fault403License, Endpoint: graphfake.EndpointMfaSignInSummary})
		_, err := fetchUsage(t, s, "d7", nil)
		var ge *fetch.GraphError
		if !errors.As(err, &ge) || ge.Remedy != fetch.RemedyLicence {
			t.Errorf("error %v, want the licence 403 with its remedy", err)
		}
	})
	t.Run("a truncated page fails the fetch", func(t *testing.T) {
		s := newServer(t, 100, graphfake.Options{PageSize: 20})
		s.Inject(graphfake.Fault{Kind: graphfake.FaultTruncated, Endpoint: graphfake.EndpointEventsSummary, Times: -1})
		_, err := fetchUsage(t, s, "d30", nil)
		if !errors.Is(err, fetch.ErrAnswer) || errors.Is(err, fetch.ErrPaging) {
			t.Errorf("error %v, want an unusable answer, not a paging failure", err)
		}
	})
}
