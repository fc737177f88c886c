package fetch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/authgate/authgate/snapshot"
)

// Include values: the optional sections fetch --include adds.
const (
	// IncludeUsage adds the usage section (registration and reset attempts
	// per method, the daily MFA sign-in mix, sign-ins per method).
	IncludeUsage = "usage"
)

// Includes lists the accepted --include values.
var Includes = []string{IncludeUsage, IncludeRoles, IncludePolicy, IncludeAll}

// DefaultUsagePeriod is the usage period fetched unless told otherwise:
// Graph's longest, so that the per-method failure rates rest on as many
// attempts as possible.
const DefaultUsagePeriod = snapshot.UsagePeriodD30

// usageEndpoint is the report root of the usage reports: beta only,
// whatever --api says.
func (ft *fetcher) usageEndpoint() string {
	return ft.o.Cloud.GraphURL + "/beta/reports/authenticationMethods/"
}

// fetchUsage fetches the usage section when Options.Usage is set. It runs
// after the per-user list, so that a resumed fetch fetches it again rather
// than keeping it in the checkpoint.
//
// The per-method activity comes from userRegistrationActivity (delegated
// only); after a 403 in --summaries auto, or always with --summaries
// derived, it is counted from the userEventsSummary events of the same
// period. The daily MFA counts come from userMfaSignInSummary, the
// sign-ins per method from userSignInsByAuthMethodSummary (delegated only:
// omitted after a 403 in auto, never asked with derived).
func (ft *fetcher) fetchUsage(ctx context.Context) error {
	if !ft.o.Usage {
		return nil
	}
	period := ft.o.UsagePeriod
	days, _ := snapshot.UsagePeriodDays(period)
	end := ft.o.Now().UTC().Truncate(time.Second)
	start := end.Add(-time.Duration(days) * 24 * time.Hour)
	u := &snapshot.Usage{Period: period, Start: start.Format(time.RFC3339), End: end.Format(time.RFC3339)}
	base := ft.usageEndpoint()

	reason := ""
	if ft.o.Summaries == SummariesDerived {
		reason = "--summaries derived"
	} else {
		rows, err := collect[snapshot.RegistrationActivity](ctx, ft, snapshot.ReportRegistrationActivity, base+"userRegistrationActivity(period='"+period+"')")
		if r, ok := ft.delegatedOnly(err); ok {
			reason = r
		} else if err != nil {
			return err
		} else {
			snapshot.SortActivity(rows)
			u.UserRegistrationActivity, u.ActivitySource = nonNil(rows), snapshot.SourceGraph
		}
	}
	if reason != "" {
		act, err := ft.deriveActivity(ctx, start, end)
		if err != nil {
			return err
		}
		u.UserRegistrationActivity, u.ActivitySource, u.ActivityReason = act, snapshot.SourceDerived, reason
	}

	daily, err := collect[snapshot.MfaSignInDay](ctx, ft, snapshot.ReportMfaSignInSummary, base+"userMfaSignInSummary")
	if err != nil {
		return err
	}
	if u.UserMfaSignInSummary, err = lastDays(daily, end, days); err != nil {
		return err
	}

	reason = ""
	if ft.o.Summaries == SummariesDerived {
		reason = "--summaries derived: Graph gives the sign-ins per method to delegated callers only and they cannot be derived"
	} else {
		rows, err := collect[snapshot.SignInsByMethod](ctx, ft, snapshot.ReportSignInsByAuthMethod, base+"userSignInsByAuthMethodSummary(period='"+period+"')")
		if r, ok := ft.delegatedOnly(err); ok {
			reason = r + "; the sign-ins per method cannot be derived"
		} else if err != nil {
			return err
		} else {
			slices.SortStableFunc(rows, func(a, b snapshot.SignInsByMethod) int {
				return strings.Compare(a.AuthenticationMethod, b.AuthenticationMethod)
			})
			u.UserSignInsByAuthMethodSummary, u.SignInsSource = nonNil(rows), snapshot.SourceGraph
		}
	}
	if reason != "" {
		u.SignInsSource, u.SignInsReason = snapshot.SourceOmitted, reason
	}
	ft.usage = u
	return nil
}

// delegatedOnly reports whether err is the 403 Graph gives an app-only
// caller of a delegated-only report, in --summaries auto, with the reason
// to record.
func (ft *fetcher) delegatedOnly(err error) (string, bool) {
	var ge *GraphError
	if err == nil || ft.o.Summaries != SummariesAuto || !errors.As(err, &ge) || ge.StatusCode != http.StatusForbidden {
		return "", false
	}
	return fmt.Sprintf("Graph answered 403 %s to %s: it is delegated-only", ge.Code, ge.Op), true
}

// deriveActivity counts the userEventsSummary events of [start, end] per
// method and feature, as userRegistrationActivity would report them. The
// period is asked of Graph with $filter on eventDateTime; should Graph
// refuse the filter (400), the events are listed unfiltered and filtered
// here. Events outside the period are never counted.
func (ft *fetcher) deriveActivity(ctx context.Context, start, end time.Time) ([]snapshot.RegistrationActivity, error) {
	base := ft.usageEndpoint() + "userEventsSummary?"
	q := url.Values{"$filter": {"eventDateTime ge " + start.Format(time.RFC3339)}, "$top": {"1000"}}
	tally := snapshot.ActivityTally{}
	var bad error
	count := func(e *snapshot.UserEvent) {
		at, err := time.Parse(time.RFC3339Nano, e.EventDateTime)
		if err != nil {
			if bad == nil {
				bad = rowErrorf("userEventsSummary: eventDateTime %q is not an RFC 3339 time", e.EventDateTime)
			}
			return
		}
		if at.Before(start) || at.After(end) {
			return
		}
		tally.Add(e)
	}
	err := each(ctx, ft, snapshot.ReportEventsSummary, base+q.Encode(), count)
	var ge *GraphError
	if errors.As(err, &ge) && ge.StatusCode == http.StatusBadRequest && len(tally) == 0 {
		q.Del("$filter")
		err = each(ctx, ft, snapshot.ReportEventsSummary, base+q.Encode(), count)
	}
	if err != nil {
		return nil, err
	}
	if bad != nil {
		return nil, bad
	}
	return tally.Activity(), nil
}

// lastDays keeps the rows of the last days calendar days (UTC) up to end,
// oldest first.
func lastDays(rows []snapshot.MfaSignInDay, end time.Time, days int) ([]snapshot.MfaSignInDay, error) {
	first := end.UTC().Truncate(24*time.Hour).AddDate(0, 0, -(days - 1))
	type dated struct {
		at  time.Time
		row snapshot.MfaSignInDay
	}
	var keep []dated
	for _, r := range rows {
		at, err := time.Parse(time.RFC3339Nano, r.CreatedDateTime)
		if err != nil {
			return nil, rowErrorf("userMfaSignInSummary: createdDateTime %q is not an RFC 3339 time", r.CreatedDateTime)
		}
		if at.Before(first) || at.After(end) {
			continue
		}
		keep = append(keep, dated{at, r})
	}
	slices.SortStableFunc(keep, func(a, b dated) int { return a.at.Compare(b.at) })
	out := make([]snapshot.MfaSignInDay, len(keep))
	for i, d := range keep {
		out[i] = d.row
	}
	return out, nil
}

// collect lists every row of a Graph collection, following nextLinks.
func collect[T any](ctx context.Context, ft *fetcher, op, first string) ([]T, error) {
	var out []T
	err := each(ctx, ft, op, first, func(v *T) { out = append(out, *v) })
	return out, err
}

// each calls fn with every row of a Graph collection, page after page, with
// the paging rules of the per-user list: nextLinks only to the Graph
// endpoint (the client checks), none repeated, at most Options.MaxPages.
func each[T any](ctx context.Context, ft *fetcher, op, first string, fn func(*T)) error {
	seen := make(linkSet)
	for link, page := first, 1; link != ""; page++ {
		if page > ft.o.MaxPages {
			return pagingErrorf("more than %d pages of %s", ft.o.MaxPages, op)
		}
		if !seen.add(link) {
			return pagingErrorf("%s: Graph returned a nextLink it had already returned: paging would loop", op)
		}
		ft.prog.section(fmt.Sprintf("page %d of %s", page, op))
		body, err := ft.cl.get(ctx, op, fmt.Sprintf("page %d of %s", page, op), link)
		if err != nil {
			return err
		}
		if link, err = decodePage(op, page, body, fn); err != nil {
			return err
		}
	}
	return nil
}

// decodePage decodes the rows of one {"value":[...], "@odata.nextLink":...}
// page into T and returns the nextLink.
func decodePage[T any](op string, n int, body []byte, fn func(*T)) (string, error) {
	return readPage(body, op, int64(n), func(raw jsontext.Value, i int) error {
		if len(raw) > MaxRowBytes {
			return rowErrorf("page %d row %d of %s: the row is %s long, more than the %s a row may have", n, i+1, op, byteSize(int64(len(raw))), byteSize(MaxRowBytes))
		}
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			return rowErrorf("page %d row %d of %s: %v", n, i+1, op, err)
		}
		fn(&v)
		return nil
	})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// attachUsage hands the usage section to the writer and records its sources
// in the manifest's summaries, after the registration summaries.
func (ft *fetcher) attachUsage(m *snapshot.Manifest) {
	u := ft.usage
	if u == nil {
		return
	}
	ft.w.SetUsage(u)
	src := func(report, source, reason string) snapshot.SummarySource {
		return snapshot.SummarySource{Report: report, UserTypes: "all", UserRoles: "all", Source: source, Reason: reason}
	}
	m.Summaries = slices.Concat(m.Summaries, []snapshot.SummarySource{
		src(snapshot.ReportRegistrationActivity, u.ActivitySource, u.ActivityReason),
		src(snapshot.ReportMfaSignInSummary, snapshot.SourceGraph, ""),
		src(snapshot.ReportSignInsByAuthMethod, u.SignInsSource, u.SignInsReason),
	})
}
