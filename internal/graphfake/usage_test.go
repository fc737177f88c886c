package graphfake

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/authgate/authgate/internal/tenantgen"
	"github.com/authgate/authgate/snapshot"
)

const usageRoot = "/beta/reports/authenticationMethods/"

type usagePage[T any] struct {
	Context  string `json:"@odata.context"`
	NextLink string `json:"@odata.nextLink"`
	Value    []T    `json:"value"`
}

func getUsage[T any](t *testing.T, s *Server, link, token string) usagePage[T] {
	t.Helper()
	res := get(t, s, link, token)
	if res.err != nil || res.status != 200 {
		t.Fatalf("GET %s: %v %d %s", link, res.err, res.status, res.body)
	}
	var p usagePage[T]
	if err := json.Unmarshal(res.body, &p); err != nil {
		t.Fatalf("GET %s: %v", link, err)
	}
	return p
}

// events lists userEventsSummary from first, following nextLinks.
func events(t *testing.T, s *Server, first, token string) ([]snapshot.UserEvent, int) {
	t.Helper()
	var all []snapshot.UserEvent
	pages := 0
	seen := map[string]bool{}
	for link := first; link != ""; pages++ {
		if seen[link] {
			t.Fatalf("nextLink repeats: %s", link)
		}
		seen[link] = true
		p := getUsage[snapshot.UserEvent](t, s, link, token)
		if p.NextLink != "" && !strings.HasPrefix(p.NextLink, s.GraphURL()+"/beta/") {
			t.Fatalf("nextLink %q is not on the Graph URL", p.NextLink)
		}
		all = append(all, p.Value...)
		link = p.NextLink
	}
	return all, pages
}

func filterSince(at time.Time) string {
	return url.QueryEscape("eventDateTime ge " + at.UTC().Format(time.RFC3339))
}

// TestUsageSourcesAgree: the activity Graph reports to a delegated caller
// equals what an app-only caller counts from the events of the same period.
func TestUsageSourcesAgree(t *testing.T) {
	s := newServer(t, Options{Tenant: tenantgen.Tenant{Seed: 42, Users: 400}, PageSize: 50})
	app, user := s.Token(false, time.Hour), s.Token(true, time.Hour)
	for _, period := range snapshot.UsagePeriods {
		t.Run(period, func(t *testing.T) {
			days, _ := snapshot.UsagePeriodDays(period)
			graph := getUsage[snapshot.RegistrationActivity](t, s, s.GraphURL()+usageRoot+"userRegistrationActivity(period='"+period+"')", user).Value
			// A client clock 20 minutes off still selects the same events.
			since := refNow.Add(-time.Duration(days)*24*time.Hour + 20*time.Minute)
			evs, pages := events(t, s, s.GraphURL()+usageRoot+"userEventsSummary?$filter="+filterSince(since)+"&$top=1000", app)
			tally := snapshot.ActivityTally{}
			ids := map[string]bool{}
			for i := range evs {
				e := &evs[i]
				if ids[e.ID] {
					t.Fatalf("event %s listed twice", e.ID)
				}
				ids[e.ID] = true
				at, err := time.Parse(time.RFC3339, e.EventDateTime)
				if err != nil || at.Before(since) || at.After(refNow) {
					t.Fatalf("event at %q outside the period", e.EventDateTime)
				}
				if e.IsSuccess != (e.FailureReason == "") || !strings.HasSuffix(e.UserPrincipalName, "@"+tenantgen.Domain) {
					t.Fatalf("inconsistent event %+v", e)
				}
				tally.Add(e)
			}
			if diff := cmp.Diff(graph, tally.Activity()); diff != "" {
				t.Errorf("userRegistrationActivity vs events (-graph +events):\n%s", diff)
			}
			if len(evs) == 0 || (period == "d30" && pages < 5) {
				t.Errorf("%d events in %d pages: the test tenant should page", len(evs), pages)
			}
			var sms int64
			for _, a := range graph {
				if a.AuthMethod == "mobileSMS" {
					sms += a.SuccessfulActivityCount + a.FailureActivityCount
				}
			}
			if period == "d30" && sms < 20 {
				t.Errorf("only %d mobileSMS attempts over d30: AM-USE-01 cannot be exercised", sms)
			}
		})
	}
}

func TestUsageDelegatedOnlyAndErrors(t *testing.T) {
	s := newServer(t, Options{Tenant: tenantgen.Tenant{Seed: 3, Users: 20}})
	app, user := s.Token(false, time.Hour), s.Token(true, time.Hour)
	base := s.GraphURL() + usageRoot
	tests := []struct {
		name, link, token string
		status            int
		code              string
	}{
		{"activity app-only", base + "userRegistrationActivity(period='d30')", app, 403, CodeAppOnlyUnsupported},
		{"sign-ins app-only", base + "userSignInsByAuthMethodSummary(period='d7')", app, 403, CodeAppOnlyUnsupported},
		{"events app-only", base + "userEventsSummary", app, 200, ""},
		{"mfa app-only", base + "userMfaSignInSummary", app, 200, ""},
		{"activity delegated", base + "userRegistrationActivity(period='d1')", user, 200, ""},
		{"bad period", base + "userRegistrationActivity(period='d90')", user, 400, CodeBadRequest},
		{"v1.0", s.GraphURL() + "/v1.0/reports/authenticationMethods/userMfaSignInSummary", app, 400, CodeBadRequest},
		{"bad filter", base + "userEventsSummary?$filter=" + url.QueryEscape("isSuccess eq true"), app, 400, CodeBadRequest},
		{"forged skiptoken", base + "userEventsSummary?$skiptoken=00_3", app, 400, CodeBadRequest},
		{"no token", base + "userMfaSignInSummary", "", 401, CodeInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := get(t, s, tt.link, tt.token)
			if res.status != tt.status {
				t.Fatalf("status %d, want %d: %s", res.status, tt.status, res.body)
			}
			if tt.code != "" && graphCode(t, res.body) != tt.code {
				t.Errorf("code %s, want %s", graphCode(t, res.body), tt.code)
			}
		})
	}
	noPerm := newServer(t, Options{Permissions: []string{"User.Read.All"}, Tenant: tenantgen.Tenant{Users: 3}})
	if res := get(t, noPerm, noPerm.GraphURL()+usageRoot+"userMfaSignInSummary", noPerm.Token(false, time.Hour)); res.status != 403 || graphCode(t, res.body) != CodePermissionMissing {
		t.Errorf("without AuditLog.Read.All: %d %s", res.status, res.body)
	}
}

func TestUsageFaultsAndRateLimit(t *testing.T) {
	s := newServer(t, Options{Tenant: tenantgen.Tenant{Seed: 3, Users: 20}, Rate: 2, Per: time.Minute})
	app := s.Token(false, time.Hour)
	link := s.GraphURL() + usageRoot + "userMfaSignInSummary"
	s.Inject(Fault{Kind: Fault503, Endpoint: EndpointMfaSignInSummary})
	if res := get(t, s, link, app); res.status != 503 {
		t.Errorf("armed 503: got %d", res.status)
	}
	if res := get(t, s, link, app); res.status != 200 {
		t.Errorf("after the fault: got %d %s", res.status, res.body)
	}
	if res := get(t, s, link, app); res.status != 429 || res.header.Get("Retry-After") == "" {
		t.Errorf("third request within the limit of 2/min: got %d", res.status)
	}
	if st := s.Stats(); st.Requests[EndpointMfaSignInSummary] != 3 {
		t.Errorf("requests counted %d, want 3", st.Requests[EndpointMfaSignInSummary])
	}
}

func TestUsageSignInFigures(t *testing.T) {
	s := newServer(t, Options{Tenant: tenantgen.Tenant{Seed: 9, Users: 100, Ideal: true}})
	user := s.Token(true, time.Hour)
	days := getUsage[snapshot.MfaSignInDay](t, s, s.GraphURL()+usageRoot+"userMfaSignInSummary", user).Value
	if len(days) != UsageDays {
		t.Fatalf("%d days, want %d", len(days), UsageDays)
	}
	today := refNow.UTC().Truncate(24 * time.Hour).Format(time.RFC3339)
	if days[len(days)-1].CreatedDateTime != today {
		t.Errorf("last day %s, want today %s", days[len(days)-1].CreatedDateTime, today)
	}
	for _, period := range snapshot.UsagePeriods {
		n, _ := snapshot.UsagePeriodDays(period)
		var total, single int64
		for _, d := range days[len(days)-n:] {
			if d.MultiFactorSignIns+d.SingleFactorSignIns != d.TotalSignIns || d.TotalSignIns == 0 {
				t.Fatalf("inconsistent day %+v", d)
			}
			total += d.TotalSignIns
			single += d.SingleFactorSignIns
		}
		by := getUsage[snapshot.SignInsByMethod](t, s, s.GraphURL()+usageRoot+"userSignInsByAuthMethodSummary(period='"+period+"')", user).Value
		var sum, password int64
		for _, m := range by {
			sum += m.SuccessActivityCount
			if m.AuthenticationMethod == "password" {
				password = m.SuccessActivityCount
			}
		}
		if sum != total || password != single {
			t.Errorf("%s: sign-ins by method sum to %d (password %d), want %d (%d single-factor)", period, sum, password, total, single)
		}
	}
}

// Unless the tenant is ideal, exactly one day of the last week contradicts
// itself (more multi-factor sign-ins than sign-ins), the same for a seed;
// the other reports count the days as the ideal tenant has them.
func TestUsageOneContradictoryDay(t *testing.T) {
	for _, seed := range []int64{1, 9, 42} {
		odd := newServer(t, Options{Tenant: tenantgen.Tenant{Seed: seed, Users: 100}})
		ideal := newServer(t, Options{Tenant: tenantgen.Tenant{Seed: seed, Users: 100, Ideal: true}})
		a, b := odd.MfaSignInDays(), ideal.MfaSignInDays()
		if len(a) != len(b) {
			t.Fatalf("seed %d: %d days, ideal %d", seed, len(a), len(b))
		}
		var bad []int
		for i := range a {
			if fmt.Sprint(a[i]) != fmt.Sprint(b[i]) {
				bad = append(bad, i)
				if a[i].Problem(a[0].CreatedDateTime, a[len(a)-1].CreatedDateTime) == "" {
					t.Errorf("seed %d: day %d changed but does not contradict itself: %+v", seed, i, a[i])
				}
			}
		}
		if len(bad) != 1 || bad[0] < len(a)-7 || bad[0] == len(a)-1 {
			t.Errorf("seed %d: days %v differ from the ideal tenant's, want one of the last week before today", seed, bad)
		}
		x, _ := odd.SignInsByMethod("d7")
		y, _ := ideal.SignInsByMethod("d7")
		if fmt.Sprint(x) != fmt.Sprint(y) {
			t.Errorf("seed %d: sign-ins by method count the contradictory day", seed)
		}
	}
}
