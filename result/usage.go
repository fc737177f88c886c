package result

import (
	"cmp"
	"slices"

	"github.com/authgate/authgate/snapshot"
)

// TelephonyUsageMethods are the SMS and voice values of the usage reports'
// method vocabulary (usageAuthMethod, and the method names of
// userSignInsByAuthMethodSummary): what AM-USE-03 and
// UsageSummary.TelephonyShare count as telephony.
var TelephonyUsageMethods = []string{
	"sms", "smsSignIn", "mobileSMS", "mobileCall", "alternateMobileCall",
	"officePhone", "mobilePhone", "alternateMobilePhone",
}

// UsageSummary is what outputs show of a snapshot's usage section: the
// failure rate of each method and feature, and the daily share of
// multi-factor sign-ins. Nil when the snapshot has no usage section.
type UsageSummary struct {
	// Period is d1, d7 or d30; Start and End bound it (RFC 3339).
	Period string `json:"period"`
	Start  string `json:"start"`
	End    string `json:"end"`
	// ActivitySource is "graph" or "derived" (from userEventsSummary).
	ActivitySource string `json:"activitySource"`
	// Methods are the registration and reset attempts per method and
	// feature, sorted by method then feature.
	Methods []MethodUsage `json:"methods"`
	// Days are the sign-ins of each day of the period, oldest first.
	Days []UsageDay `json:"days"`
	// The sign-ins of the whole period.
	MultiFactorSignIns  int64 `json:"multiFactorSignIns"`
	SingleFactorSignIns int64 `json:"singleFactorSignIns"`
	TotalSignIns        int64 `json:"totalSignIns"`
	// MfaShare is MultiFactorSignIns / TotalSignIns, nil without sign-ins.
	MfaShare *float64 `json:"mfaShare"`
	// InconsistentDays counts the days left out of the totals because they
	// contradict themselves (UsageDay.Problem).
	InconsistentDays int `json:"inconsistentDays,omitempty"`
	// SignInsSource is "graph" or "omitted" (app-only fetch): the fields
	// below are empty when omitted.
	SignInsSource string `json:"signInsSource"`
	// SignInsByMethod are the successful sign-ins per method, most first.
	SignInsByMethod []MethodSignIns `json:"signInsByMethod,omitempty"`
	// SuccessfulSignIns sums SignInsByMethod; TelephonySignIns those with an
	// SMS or voice method (TelephonyUsageMethods).
	SuccessfulSignIns int64 `json:"successfulSignIns,omitempty"`
	TelephonySignIns  int64 `json:"telephonySignIns,omitempty"`
	// TelephonyShare is TelephonySignIns / SuccessfulSignIns, nil when
	// omitted or without sign-ins.
	TelephonyShare *float64 `json:"telephonyShare,omitempty"`
}

// MethodUsage is one method's registration or reset attempts.
type MethodUsage struct {
	// AuthMethod is Graph's usageAuthMethod value, e.g. mobileSMS.
	AuthMethod string `json:"authMethod"`
	// Feature is registration or reset.
	Feature   string `json:"feature"`
	Succeeded int64  `json:"succeeded"`
	Failed    int64  `json:"failed"`
	Attempts  int64  `json:"attempts"`
	// FailureRate is Failed / Attempts, nil without attempts.
	FailureRate *float64 `json:"failureRate"`
}

// UsageDay is one day's sign-ins.
type UsageDay struct {
	// Date is Graph's createdDateTime of the day, as given.
	Date         string `json:"date"`
	MultiFactor  int64  `json:"multiFactor"`
	SingleFactor int64  `json:"singleFactor"`
	Total        int64  `json:"total"`
	// MfaShare is MultiFactor / Total, nil without sign-ins or when the day
	// contradicts itself.
	MfaShare *float64 `json:"mfaShare"`
	// Problem says how the day contradicts itself (snapshot's
	// MfaSignInDay.Problem); such a day counts in no total and no share.
	Problem string `json:"problem,omitempty"`
}

// MethodSignIns is the successful sign-ins with one method.
type MethodSignIns struct {
	AuthenticationMethod string `json:"authenticationMethod"`
	Successes            int64  `json:"successes"`
	// Share is Successes / UsageSummary.SuccessfulSignIns, nil without sign-ins.
	Share *float64 `json:"share"`
	// Telephony is true for an SMS or voice method.
	Telephony bool `json:"telephony,omitempty"`
}

func ratio(n, d int64) *float64 {
	if d == 0 {
		return nil
	}
	r := float64(n) / float64(d)
	return &r
}

// UsageVocabulary is the taxonomy's one mapping between the two method
// vocabularies Graph uses in usage data: the usage reports' usageAuthMethod
// names and the methodsRegistered names (which Graph's own
// userEventsSummary example uses). The evaluator builds it from the
// taxonomy; the zero value maps nothing and counts TelephonyUsageMethods as
// telephony.
type UsageVocabulary struct {
	// Aliases maps a methodsRegistered name to its usageAuthMethod name.
	Aliases map[string]string
	// Telephony are the SMS and voice usage method names; nil means
	// TelephonyUsageMethods.
	Telephony map[string]bool
}

// Method returns the usage reports' name of method m, in either vocabulary.
func (v *UsageVocabulary) Method(m string) string {
	if a, ok := v.Aliases[m]; ok {
		return a
	}
	return m
}

// IsTelephony reports whether usage method m (either vocabulary) is SMS or
// voice.
func (v *UsageVocabulary) IsTelephony(m string) bool {
	if v.Telephony == nil {
		return slices.Contains(TelephonyUsageMethods, v.Method(m))
	}
	return v.Telephony[v.Method(m)]
}

// SummarizeUsage computes the figures of a usage section; nil for nil.
// Rows naming the same method and feature (or sign-in method) twice are
// added up, as the controls do.
func SummarizeUsage(u *snapshot.Usage) *UsageSummary {
	return SummarizeUsageWith(u, &UsageVocabulary{})
}

// SummarizeUsageWith is SummarizeUsage through a vocabulary, so that both
// method vocabularies classify alike.
func SummarizeUsageWith(u *snapshot.Usage, tax *UsageVocabulary) *UsageSummary {
	if tax == nil {
		tax = &UsageVocabulary{}
	}
	if u == nil {
		return nil
	}
	s := &UsageSummary{Period: u.Period, Start: u.Start, End: u.End, ActivitySource: u.ActivitySource, SignInsSource: u.SignInsSource,
		Methods: []MethodUsage{}, Days: []UsageDay{}}
	idx := map[[2]string]int{}
	for _, a := range u.UserRegistrationActivity {
		name := tax.Method(a.AuthMethod)
		k := [2]string{name, a.Feature}
		i, ok := idx[k]
		if !ok {
			i = len(s.Methods)
			idx[k] = i
			s.Methods = append(s.Methods, MethodUsage{AuthMethod: name, Feature: a.Feature})
		}
		s.Methods[i].Succeeded += a.SuccessfulActivityCount
		s.Methods[i].Failed += a.FailureActivityCount
	}
	for i := range s.Methods {
		m := &s.Methods[i]
		m.Attempts = m.Succeeded + m.Failed
		m.FailureRate = ratio(m.Failed, m.Attempts)
	}
	slices.SortFunc(s.Methods, func(a, b MethodUsage) int {
		return cmp.Or(cmp.Compare(a.AuthMethod, b.AuthMethod), cmp.Compare(a.Feature, b.Feature))
	})
	for _, d := range u.UserMfaSignInSummary {
		day := UsageDay{Date: d.CreatedDateTime, MultiFactor: d.MultiFactorSignIns, SingleFactor: d.SingleFactorSignIns,
			Total: d.TotalSignIns, Problem: d.Problem(u.Start, u.End)}
		if day.Problem != "" {
			s.Days = append(s.Days, day)
			s.InconsistentDays++
			continue
		}
		day.MfaShare = ratio(d.MultiFactorSignIns, d.TotalSignIns)
		s.Days = append(s.Days, day)
		s.MultiFactorSignIns += d.MultiFactorSignIns
		s.SingleFactorSignIns += d.SingleFactorSignIns
		s.TotalSignIns += d.TotalSignIns
	}
	s.MfaShare = ratio(s.MultiFactorSignIns, s.TotalSignIns)
	if u.SignInsSource != snapshot.SourceGraph {
		return s
	}
	by := map[string]int64{}
	for _, m := range u.UserSignInsByAuthMethodSummary {
		by[m.AuthenticationMethod] += m.SuccessActivityCount
		s.SuccessfulSignIns += m.SuccessActivityCount
		if tax.IsTelephony(m.AuthenticationMethod) {
			s.TelephonySignIns += m.SuccessActivityCount
		}
	}
	for name, n := range by {
		s.SignInsByMethod = append(s.SignInsByMethod, MethodSignIns{AuthenticationMethod: name, Successes: n,
			Share: ratio(n, s.SuccessfulSignIns), Telephony: tax.IsTelephony(name)})
	}
	slices.SortFunc(s.SignInsByMethod, func(a, b MethodSignIns) int {
		return cmp.Or(cmp.Compare(b.Successes, a.Successes), cmp.Compare(a.AuthenticationMethod, b.AuthenticationMethod))
	})
	s.TelephonyShare = ratio(s.TelephonySignIns, s.SuccessfulSignIns)
	return s
}
