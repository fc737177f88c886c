package tenantgen

import (
	"fmt"
	"io"
	"time"

	"github.com/authgate/authgate/snapshot"
)

// SnapshotOptions configure WriteSnapshot.
type SnapshotOptions struct {
	// Manifest is written last. WriteSnapshot sets userCount, usersSha256
	// and lastUpdated from the rows it writes, and, when Summaries is set
	// and Manifest.Summaries is nil, records every scope as fetched from
	// Graph.
	Manifest snapshot.Manifest
	// Extra rows are written after the generated users. Admins among them
	// count as privileged admins in the summaries.
	Extra []snapshot.UserRegistrationDetails
	// Beta writes defaultMfaMethod on every row, as the beta API does.
	Beta bool
	// Summaries writes usersRegisteredByFeature and usersRegisteredByMethod
	// for the five scopes of snapshot.SummaryScopes, counted as the emulator
	// answers them.
	Summaries bool
}

// WriteSnapshot writes a snapshot document of the tenant t (then o.Extra)
// to w with snapshot.Writer, one user object per line, as authgate fetch
// writes it. Memory does not grow with t.Users; with Summaries the tenant is
// generated twice.
func WriteSnapshot(w io.Writer, t Tenant, o SnapshotOptions) error {
	var feature []snapshot.FeatureSummary
	var method []snapshot.MethodSummary
	if o.Summaries {
		var tally, priv snapshot.Tally
		add := func(i int, u *snapshot.UserRegistrationDetails, privileged bool) {
			tally.Add(u)
			if u.IsAdmin && privileged {
				priv.Add(u)
			}
		}
		t.Each(func(i int, u *snapshot.UserRegistrationDetails) { add(i, u, IsPrivilegedAdmin(t.Seed, i)) })
		for k := range o.Extra {
			add(-1, &o.Extra[k], true)
		}
		fill := o.Manifest.Summaries == nil
		for _, sc := range snapshot.SummaryScopes {
			src, as := &tally, sc
			if sc.UserRoles == "privilegedAdmin" {
				src, as = &priv, snapshot.Scope{UserTypes: "all", UserRoles: "all"}
			}
			fs, _ := src.FeatureSummary(as)
			ms, _ := src.MethodSummary(as)
			fs.UserTypes, fs.UserRoles = sc.UserTypes, sc.UserRoles
			ms.UserTypes, ms.UserRoles = sc.UserTypes, sc.UserRoles
			feature = append(feature, fs)
			method = append(method, ms)
			if fill {
				o.Manifest.Summaries = append(o.Manifest.Summaries,
					snapshot.SummarySource{Report: "usersRegisteredByFeature", UserTypes: sc.UserTypes, UserRoles: sc.UserRoles, Source: snapshot.SourceGraph},
					snapshot.SummarySource{Report: "usersRegisteredByMethod", UserTypes: sc.UserTypes, UserRoles: sc.UserRoles, Source: snapshot.SourceGraph})
			}
		}
	}

	sw, err := snapshot.NewWriter(w)
	if err != nil {
		return err
	}
	var buf []byte
	var minT, maxT time.Time
	var minS, maxS string
	var werr error
	write := func(u *snapshot.UserRegistrationDetails) {
		if werr != nil {
			return
		}
		if ts, err := time.Parse(time.RFC3339Nano, u.LastUpdatedDateTime); err == nil {
			if minS == "" || ts.Before(minT) {
				minT, minS = ts, u.LastUpdatedDateTime
			}
			if maxS == "" || ts.After(maxT) {
				maxT, maxS = ts, u.LastUpdatedDateTime
			}
		}
		buf = AppendUser(buf[:0], u, o.Beta)
		werr = sw.WriteUser(buf)
	}
	t.Each(func(_ int, u *snapshot.UserRegistrationDetails) { write(u) })
	for k := range o.Extra {
		write(&o.Extra[k])
	}
	if werr != nil {
		return werr
	}
	if minS != "" {
		o.Manifest.LastUpdated = &snapshot.TimeRange{Min: minS, Max: maxS}
	}
	if _, err := sw.Close(feature, method, o.Manifest); err != nil {
		return fmt.Errorf("write synthetic snapshot: %w", err)
	}
	return nil
}

// Sample parameters: testdata/sample.snapshot.json is WriteSample's output.
const (
	SampleSeed  = 20260302
	SampleUsers = 290
)

// SampleNow is the reference time of the sample snapshot.
var SampleNow = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// WriteSample writes the committed sample snapshot: SampleUsers generated
// users, then hand-placed cases (two break-glass accounts, one with and one
// without a phishing-resistant method; admins without MFA and with an SMS
// second factor; guests; a weak-only member; an unknown method name; a stale
// row), with Graph summaries as a delegated fetch records them.
func WriteSample(w io.Writer) error {
	t := Tenant{Seed: SampleSeed, Users: SampleUsers, Now: SampleNow, TenantID: DefaultTenantID(SampleSeed), Ideal: true}
	pagingComplete := true
	pages := int64((SampleUsers + len(sampleExtras()) + 998) / 999)
	m := snapshot.Manifest{
		TenantID:       t.TenantID,
		Cloud:          "global",
		GraphEndpoint:  "https://graph.microsoft.com",
		APIVersion:     "v1.0",
		FetchedAt:      SampleNow.Add(2 * time.Minute).Format(time.RFC3339),
		Tool:           "authgate sample (fetch/graphfake)",
		AuthMode:       "device-code",
		Principal:      DelegatedUPN,
		StartedAt:      SampleNow.Add(2*time.Minute - 14*time.Second).Format(time.RFC3339),
		FinishedAt:     SampleNow.Add(2 * time.Minute).Format(time.RFC3339),
		PagingComplete: &pagingComplete,
		Requests:       pages + 10,
		Pages:          pages,
	}
	return WriteSnapshot(w, t, SnapshotOptions{Manifest: m, Extra: sampleExtras(), Summaries: true})
}

// sampleExtras are the hand-placed rows of the sample, in the order they
// appear at the end of userRegistrationDetails.
func sampleExtras() []snapshot.UserRegistrationDetails {
	fresh := formatTicks(SampleNow.Add(-75 * time.Minute))
	n := 0
	user := func(upn, name, typ string, admin bool, methods []string, sysPref bool, pref string) snapshot.UserRegistrationDetails {
		n++
		u := snapshot.UserRegistrationDetails{
			ID:                  guid(mix(SampleSeed+uint64(n)*977), mix(SampleSeed^uint64(n)*7919)),
			UserPrincipalName:   upn,
			UserDisplayName:     name,
			UserType:            typ,
			IsAdmin:             admin,
			MethodsRegistered:   methods,
			LastUpdatedDateTime: fresh,
			Offset:              -1,
			IsSsprEnabled:       typ == "member",
			UserPreferredMethodForSecondaryAuthentication: pref,
			IsSystemPreferredAuthenticationMethodEnabled:  sysPref,
			SystemPreferredAuthenticationMethods:          []string{},
		}
		var all int
		for _, m := range methods {
			f := methodFlags(m)
			all |= f
			if f&fMFA != 0 && f&fDisallowed == 0 {
				u.IsMfaCapable = true
			}
			if s := secondFactor(m); s != "" && len(u.SystemPreferredAuthenticationMethods) == 0 {
				u.SystemPreferredAuthenticationMethods = []string{s}
			}
		}
		u.IsMfaRegistered = all&fMFA != 0
		u.IsPasswordlessCapable = all&fPasswordless != 0
		u.IsSsprRegistered = all&fSSPR != 0
		u.IsSsprCapable = u.IsSsprEnabled && u.IsSsprRegistered
		return u
	}
	stale := user("user90009@"+Domain, "Stale Row", "member", false, []string{mPush, mMobile}, true, "push")
	stale.LastUpdatedDateTime = formatTicks(SampleNow.Add(-9*24*time.Hour - 3*time.Hour))
	return []snapshot.UserRegistrationDetails{
		user("breakglass01@"+Domain, "Break Glass 01", "member", true, []string{mFido2}, true, ""),
		user("breakglass02@"+Domain, "Break Glass 02", "member", true, []string{mPush, mMobile}, true, "push"),
		user("admin.nomfa@"+Domain, "Admin Without MFA", "member", true, []string{}, true, ""),
		user("admin.legacy@"+Domain, "Admin Legacy Password Only", "member", true, []string{mEmail}, true, ""),
		user("helpdesk.lead@"+Domain, "Helpdesk Lead (SMS)", "member", true, []string{mMobile, mEmail}, false, "sms"),
		user("partner.consultant_fabrikam.example#EXT#@"+Domain, "Partner Consultant (Guest)", "guest", false, []string{}, true, ""),
		user("auditor_northwind.example#EXT#@"+Domain, "External Auditor (Guest)", "guest", false, []string{mEmail}, true, ""),
		user("user90008@"+Domain, "Weak Only Member", "member", false, []string{mEmail, mSecQ}, true, ""),
		user("user90010@"+Domain, "Unknown Method Member", "member", false, []string{mPush, "quantumToken"}, true, "push"),
		stale,
	}
}
