package snapshot

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
)

// Usage periods, Graph's aggregationPeriod values: the last day, 7 days or
// 30 days.
const (
	UsagePeriodD1  = "d1"
	UsagePeriodD7  = "d7"
	UsagePeriodD30 = "d30"
)

// UsagePeriods lists the accepted usage periods.
var UsagePeriods = []string{UsagePeriodD1, UsagePeriodD7, UsagePeriodD30}

// UsagePeriodDays returns the number of days of a usage period, or false.
func UsagePeriodDays(period string) (int, bool) {
	switch period {
	case UsagePeriodD1:
		return 1, true
	case UsagePeriodD7:
		return 7, true
	case UsagePeriodD30:
		return 30, true
	}
	return 0, false
}

// Usage reports (Graph beta only): the names Graph gives them,
// used in Manifest.Summaries and in the Usage sources.
const (
	ReportRegistrationActivity = "userRegistrationActivity"
	ReportEventsSummary        = "userEventsSummary"
	ReportMfaSignInSummary     = "userMfaSignInSummary"
	ReportSignInsByAuthMethod  = "userSignInsByAuthMethodSummary"
)

// Usage is the optional "usage" member of a snapshot (fetch --include
// usage): how registration and reset attempts fared per method, and how
// people signed in, over one period. Property names are Graph's where Graph
// has them.
type Usage struct {
	// Period is d1, d7 or d30.
	Period string `json:"period"`
	// Start and End bound the period (RFC 3339): End is when it was fetched,
	// Start End minus the period.
	Start string `json:"start"`
	End   string `json:"end"`

	// UserRegistrationActivity holds, per method and feature, the successful
	// and failed registration and reset attempts over the period, sorted by
	// authMethod then feature.
	UserRegistrationActivity []RegistrationActivity `json:"userRegistrationActivity"`
	// ActivitySource is "graph" when Graph's userRegistrationActivity gave
	// the counts (delegated access), "derived" when they were counted from
	// the userEventsSummary events of the same period (app-only).
	ActivitySource string `json:"activitySource"`
	// ActivityReason says why the counts were derived.
	ActivityReason string `json:"activityReason,omitempty"`

	// UserMfaSignInSummary holds one row per day of the period, oldest first.
	UserMfaSignInSummary []MfaSignInDay `json:"userMfaSignInSummary"`

	// UserSignInsByAuthMethodSummary holds the successful sign-ins per
	// method over the period; nil (null) when SignInsSource is "omitted":
	// Graph gives it to delegated callers only.
	UserSignInsByAuthMethodSummary []SignInsByMethod `json:"userSignInsByAuthMethodSummary"`
	// SignInsSource is "graph" or "omitted".
	SignInsSource string `json:"signInsSource"`
	// SignInsReason says why the sign-ins per method were omitted.
	SignInsReason string `json:"signInsReason,omitempty"`

	// Offset is the byte offset of the object in the snapshot, or -1.
	Offset int64 `json:"-"`
}

// RegistrationActivity is Graph's userRegistrationActivitySummary: the
// attempts of one method for one feature (registration or reset).
type RegistrationActivity struct {
	AuthMethod              string `json:"authMethod"`
	Feature                 string `json:"feature"`
	SuccessfulActivityCount int64  `json:"successfulActivityCount"`
	FailureActivityCount    int64  `json:"failureActivityCount"`
}

// MfaSignInDay is Graph's userMfaSignInSummary: the sign-ins of one day.
type MfaSignInDay struct {
	CreatedDateTime     string `json:"createdDateTime"`
	MultiFactorSignIns  int64  `json:"multiFactorSignIns"`
	SingleFactorSignIns int64  `json:"singleFactorSignIns"`
	TotalSignIns        int64  `json:"totalSignIns"`
	// Missing names the counts the day's object lacked or gave as null
	// (their fields then read 0): such a day contradicts itself (Problem).
	// They stay absent when the day is written again, so the controls, which
	// read the day as written, see the same gap.
	Missing []string `json:"-"`
}

// mfaSignInCounts are the count members of a userMfaSignInSummary day.
var mfaSignInCounts = []string{"multiFactorSignIns", "singleFactorSignIns", "totalSignIns"}

// UnmarshalJSON decodes a day and notes the counts it lacks.
func (d *MfaSignInDay) UnmarshalJSON(b []byte) error {
	type plain MfaSignInDay
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	var present struct {
		M *int64 `json:"multiFactorSignIns"`
		S *int64 `json:"singleFactorSignIns"`
		T *int64 `json:"totalSignIns"`
	}
	if err := json.Unmarshal(b, &present); err != nil {
		return err
	}
	*d = MfaSignInDay(p)
	d.Missing = nil
	for i, v := range []*int64{present.M, present.S, present.T} {
		if v == nil {
			d.Missing = append(d.Missing, mfaSignInCounts[i])
		}
	}
	return nil
}

// MarshalJSON writes the day with its missing counts left out.
func (d MfaSignInDay) MarshalJSON() ([]byte, error) {
	type plain MfaSignInDay
	if len(d.Missing) == 0 {
		return json.Marshal(plain(d), encodeV1)
	}
	m := map[string]any{"createdDateTime": d.CreatedDateTime}
	for i, v := range []int64{d.MultiFactorSignIns, d.SingleFactorSignIns, d.TotalSignIns} {
		if !slices.Contains(d.Missing, mfaSignInCounts[i]) {
			m[mfaSignInCounts[i]] = v
		}
	}
	return json.Marshal(m, encodeV1, json.Deterministic(true))
}

// SignInsByMethod is Graph's userSignInUsageByAuthMethodActivity: the
// successful sign-ins with one method.
type SignInsByMethod struct {
	AuthenticationMethod string `json:"authenticationMethod"`
	SuccessActivityCount int64  `json:"successActivityCount"`
}

// UserEvent is one row of Graph's userEventsSummary: a registration or
// reset attempt.
type UserEvent struct {
	ID                string `json:"id"`
	UserPrincipalName string `json:"userPrincipalName"`
	UserDisplayName   string `json:"userDisplayName"`
	AuthMethod        string `json:"authMethod"`
	Feature           string `json:"feature"`
	IsSuccess         bool   `json:"isSuccess"`
	FailureReason     string `json:"failureReason"`
	EventDateTime     string `json:"eventDateTime"`
}

// ActivityTally counts registration and reset events per method and
// feature, as userRegistrationActivity reports them.
type ActivityTally map[[2]string]*RegistrationActivity

// Add counts one event.
func (t ActivityTally) Add(e *UserEvent) {
	k := [2]string{e.AuthMethod, e.Feature}
	a := t[k]
	if a == nil {
		a = &RegistrationActivity{AuthMethod: e.AuthMethod, Feature: e.Feature}
		t[k] = a
	}
	if e.IsSuccess {
		a.SuccessfulActivityCount++
	} else {
		a.FailureActivityCount++
	}
}

// Activity returns the counts sorted by method then feature (never nil).
func (t ActivityTally) Activity() []RegistrationActivity {
	out := make([]RegistrationActivity, 0, len(t))
	for _, a := range t {
		out = append(out, *a)
	}
	SortActivity(out)
	return out
}

// SortActivity sorts activity rows by method then feature.
func SortActivity(a []RegistrationActivity) {
	slices.SortFunc(a, func(x, y RegistrationActivity) int {
		if c := strings.Compare(x.AuthMethod, y.AuthMethod); c != 0 {
			return c
		}
		return strings.Compare(x.Feature, y.Feature)
	})
}

// validate checks a decoded usage section; it returns the JSON path and the
// problem of the first fault.
func (u *Usage) setOffset(off int64) { u.Offset = off }

func (u *Usage) validate() (path, msg string) {
	if _, ok := UsagePeriodDays(u.Period); !ok {
		return "usage.period", fmt.Sprintf("%q is not one of %s", u.Period, strings.Join(UsagePeriods, ", "))
	}
	for _, f := range []struct{ name, v string }{{"start", u.Start}, {"end", u.End}} {
		if _, err := time.Parse(time.RFC3339, f.v); err != nil {
			return "usage." + f.name, fmt.Sprintf("%q is not an RFC 3339 time", f.v)
		}
	}
	if u.ActivitySource != SourceGraph && u.ActivitySource != SourceDerived {
		return "usage.activitySource", fmt.Sprintf("%q is not one of graph, derived", u.ActivitySource)
	}
	if u.SignInsSource != SourceGraph && u.SignInsSource != SourceOmitted {
		return "usage.signInsSource", fmt.Sprintf("%q is not one of graph, omitted", u.SignInsSource)
	}
	for i, a := range u.UserRegistrationActivity {
		if a.SuccessfulActivityCount < 0 || a.FailureActivityCount < 0 {
			return fmt.Sprintf("usage.userRegistrationActivity[%d]", i), "negative count"
		}
	}
	// A day that contradicts itself (MfaSignInDay.Problem) is kept: the
	// controls report it and leave it out of the shares.
	for i, s := range u.UserSignInsByAuthMethodSummary {
		if s.SuccessActivityCount < 0 {
			return fmt.Sprintf("usage.userSignInsByAuthMethodSummary[%d].successActivityCount", i), "negative count"
		}
	}
	return "", ""
}

// SetUsage makes Close write u as the "usage" member, after the summaries
// and before the manifest. Without it no usage member is written.
func (w *Writer) SetUsage(u *Usage) { w.usage = u }

func (w *Writer) writeUsage() error {
	if w.usage == nil {
		return nil
	}
	b, err := json.Marshal(w.usage, encodeV1)
	if err != nil {
		return fmt.Errorf("write snapshot usage: %w", err)
	}
	if err := w.write(",\n\"usage\":", false); err != nil {
		return err
	}
	return w.writeBytes(b, false)
}

// Problem returns why day d of a usage section with the given period
// bounds (RFC 3339) contradicts itself, or "": a missing or negative count, parts that
// exceed the total, or a date outside the period (or not a date). Graph
// has published such days (an example with 9900 multi-factor sign-ins of
// 1000); they are reported and left out of every share.
func (d *MfaSignInDay) Problem(start, end string) string {
	switch {
	case len(d.Missing) > 0:
		return "missing " + strings.Join(d.Missing, ", ")
	case d.MultiFactorSignIns < 0 || d.SingleFactorSignIns < 0 || d.TotalSignIns < 0:
		return "negative count"
	case d.MultiFactorSignIns+d.SingleFactorSignIns > d.TotalSignIns:
		return fmt.Sprintf("multi-factor (%d) and single-factor (%d) sign-ins exceed the total (%d)", d.MultiFactorSignIns, d.SingleFactorSignIns, d.TotalSignIns)
	}
	// Dates compare as YYYY-MM-DD, as the controls compare them.
	day := d.CreatedDateTime
	if len(day) < 11 || day[10] != 'T' {
		return fmt.Sprintf("createdDateTime %q is not a date", d.CreatedDateTime)
	}
	if _, err := time.Parse(time.DateOnly, day[:10]); err != nil {
		return fmt.Sprintf("createdDateTime %q is not a date", d.CreatedDateTime)
	}
	if len(start) >= 10 && len(end) >= 10 && (day[:10] < start[:10] || day[:10] > end[:10]) {
		return fmt.Sprintf("%s is outside the period %s to %s", d.CreatedDateTime, start, end)
	}
	return ""
}
