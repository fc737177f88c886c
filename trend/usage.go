package trend

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/authgate/authgate/result"
)

// UsageDiff compares the usage sections of two inputs: the failure rate of
// each method and feature, the share of multi-factor sign-ins over the
// period and, when both fetches were delegated, the share of SMS and voice
// among successful sign-ins. Only sections of the same period are compared.
type UsageDiff struct {
	// OldPeriod and NewPeriod are the periods (d1, d7, d30), "" for a side
	// without usage.
	OldPeriod string `json:"oldPeriod"`
	NewPeriod string `json:"newPeriod"`
	// Note says why nothing is compared: a side without usage, or periods
	// that differ. Empty when the figures below are filled.
	Note string `json:"note,omitempty"`
	// Methods are the methods and features of either side, sorted by method
	// then feature.
	Methods []MethodRate `json:"methods"`
	// MfaShare is the share of multi-factor sign-ins over the period.
	MfaShare *ShareChange `json:"mfaShare,omitempty"`
	// TelephonyShare is the share of SMS and voice among successful
	// sign-ins; nil unless both sides have sign-ins per method.
	TelephonyShare *ShareChange `json:"telephonyShare,omitempty"`
	// TelephonyNote says why TelephonyShare is nil when the rest is compared.
	TelephonyNote string `json:"telephonyNote,omitempty"`
}

// MethodRate is the registration or reset failure rate of one method in
// both inputs.
type MethodRate struct {
	AuthMethod  string `json:"authMethod"`
	Feature     string `json:"feature"`
	OldFailed   int64  `json:"oldFailed"`
	OldAttempts int64  `json:"oldAttempts"`
	NewFailed   int64  `json:"newFailed"`
	NewAttempts int64  `json:"newAttempts"`
	// Old and New are the failure rates, nil without attempts on that side.
	Old *float64 `json:"old"`
	New *float64 `json:"new"`
	// Delta is New - Old in rate points (0.01 is one percentage point),
	// nil unless both rates are known.
	Delta *float64 `json:"delta"`
}

// ShareChange is one share in both inputs: Count of Total.
type ShareChange struct {
	OldCount int64 `json:"oldCount"`
	OldTotal int64 `json:"oldTotal"`
	NewCount int64 `json:"newCount"`
	NewTotal int64 `json:"newTotal"`
	// Old and New are nil without a total on that side; Delta is New - Old,
	// nil unless both are known.
	Old   *float64 `json:"old"`
	New   *float64 `json:"new"`
	Delta *float64 `json:"delta"`
}

func ratio(n, d int64) *float64 {
	if d == 0 {
		return nil
	}
	r := float64(n) / float64(d)
	return &r
}

func delta(o, n *float64) *float64 {
	if o == nil || n == nil {
		return nil
	}
	d := *n - *o
	return &d
}

func shareChange(oc, ot, nc, nt int64) *ShareChange {
	s := &ShareChange{OldCount: oc, OldTotal: ot, NewCount: nc, NewTotal: nt, Old: ratio(oc, ot), New: ratio(nc, nt)}
	s.Delta = delta(s.Old, s.New)
	return s
}

// CompareUsage compares two usage summaries; nil when neither has one.
func CompareUsage(old, new *result.UsageSummary) *UsageDiff {
	if old == nil && new == nil {
		return nil
	}
	d := &UsageDiff{Methods: []MethodRate{}}
	if old != nil {
		d.OldPeriod = old.Period
	}
	if new != nil {
		d.NewPeriod = new.Period
	}
	switch {
	case old == nil:
		d.Note = "the old input has no usage section (fetch --include usage): nothing to compare"
		return d
	case new == nil:
		d.Note = "the new input has no usage section (fetch --include usage): nothing to compare"
		return d
	case old.Period != new.Period:
		d.Note = fmt.Sprintf("the usage periods differ (%s, %s): failure rates and shares are compared over the same period only", old.Period, new.Period)
		return d
	}
	idx := map[[2]string]int{}
	row := func(m result.MethodUsage) *MethodRate {
		k := [2]string{m.AuthMethod, m.Feature}
		i, ok := idx[k]
		if !ok {
			i = len(d.Methods)
			idx[k] = i
			d.Methods = append(d.Methods, MethodRate{AuthMethod: m.AuthMethod, Feature: m.Feature})
		}
		return &d.Methods[i]
	}
	for _, m := range old.Methods {
		r := row(m)
		r.OldFailed += m.Failed
		r.OldAttempts += m.Attempts
	}
	for _, m := range new.Methods {
		r := row(m)
		r.NewFailed += m.Failed
		r.NewAttempts += m.Attempts
	}
	for i := range d.Methods {
		r := &d.Methods[i]
		r.Old, r.New = ratio(r.OldFailed, r.OldAttempts), ratio(r.NewFailed, r.NewAttempts)
		r.Delta = delta(r.Old, r.New)
	}
	slices.SortFunc(d.Methods, func(a, b MethodRate) int {
		return cmp.Or(cmp.Compare(a.AuthMethod, b.AuthMethod), cmp.Compare(a.Feature, b.Feature))
	})
	d.MfaShare = shareChange(old.MultiFactorSignIns, old.TotalSignIns, new.MultiFactorSignIns, new.TotalSignIns)
	if old.SignInsSource == "graph" && new.SignInsSource == "graph" {
		d.TelephonyShare = shareChange(old.TelephonySignIns, old.SuccessfulSignIns, new.TelephonySignIns, new.SuccessfulSignIns)
	} else {
		d.TelephonyNote = "sign-ins per method need a delegated fetch on both sides"
	}
	return d
}
