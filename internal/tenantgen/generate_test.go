package tenantgen

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/authgate/authgate/snapshot"
)

var refNow = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

func TestGenerateUserIsPure(t *testing.T) {
	for _, i := range []int{0, 1, 42, 99999, 999999} {
		a, b := GenerateUser(7, i, refNow), GenerateUser(7, i, refNow)
		if !cmp.Equal(a, b) {
			t.Fatalf("user %d differs between calls: %s", i, cmp.Diff(a, b))
		}
		if c := GenerateUser(8, i, refNow); c.ID == a.ID {
			t.Errorf("user %d: seeds 7 and 8 give the same id %s", i, a.ID)
		}
	}
}

func TestUserIndexInvertsID(t *testing.T) {
	seen := map[string]bool{}
	for i := range 5000 {
		id := GenerateUser(3, i, refNow).ID
		if seen[id] {
			t.Fatalf("duplicate id %s", id)
		}
		seen[id] = true
		got, ok := UserIndex(3, 5000, id)
		if !ok || got != i {
			t.Fatalf("UserIndex(%s) = %d, %v; want %d", id, got, ok, i)
		}
	}
	tests := []struct{ name, id string }{
		{"other seed", GenerateUser(4, 10, refNow).ID},
		{"beyond n", GenerateUser(3, 5000, refNow).ID},
		{"not a guid", "nope"},
		{"bad hex", "00000000-0000-4000-8000-zzzzzzzzzzzz"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if i, ok := UserIndex(3, 5000, tc.id); ok {
				t.Errorf("UserIndex(%q) = %d, true; want false", tc.id, i)
			}
		})
	}
}

// TestGeneratedFlagsAgreeWithMethods checks the invariants of a real report
// and that the shares land in the ranges the package documents.
func TestGeneratedFlagsAgreeWithMethods(t *testing.T) {
	const n = 100000
	var members, guests, admins, mfaMembers, pwlMembers, weakOnly, stale, unknown, adminsNoMFA, adminsNoPR, telephony int
	phishingResistant := []string{mFido2, mWHfB, mPasskeyAuth, mPasskeyDev, mPasskeyWH, mMacSE}
	weak := []string{mMobile, mAltMobile, mOffice, mEmail, mSecQ}
	tn := Tenant{Seed: 11, Users: n, Now: refNow, Ideal: true}
	tn.Each(func(i int, u *snapshot.UserRegistrationDetails) {
		var mfa, mfaAllowed, pwl, sspr, allWeak, pr bool
		allWeak = len(u.MethodsRegistered) > 0
		for _, m := range u.MethodsRegistered {
			f := methodFlags(m)
			mfa = mfa || f&fMFA != 0
			mfaAllowed = mfaAllowed || (f&fMFA != 0 && f&fDisallowed == 0)
			pwl = pwl || f&fPasswordless != 0
			sspr = sspr || f&fSSPR != 0
			allWeak = allWeak && slices.Contains(weak, m)
			pr = pr || slices.Contains(phishingResistant, m)
			if methodFlags(m) == 0 && m != mTAP {
				unknown++
			}
			if m == mMobile || m == mAltMobile || m == mOffice {
				telephony++
			}
		}
		if u.IsMfaRegistered != mfa || u.IsMfaCapable != mfaAllowed || u.IsPasswordlessCapable != pwl || u.IsSsprRegistered != sspr {
			t.Fatalf("user %d: flags disagree with methods %v: %+v", i, u.MethodsRegistered, u)
		}
		if u.IsSsprCapable != (u.IsSsprEnabled && u.IsSsprRegistered) {
			t.Fatalf("user %d: isSsprCapable %v != enabled && registered", i, u.IsSsprCapable)
		}
		if u.IsMfaCapable && !u.IsMfaRegistered {
			t.Fatalf("user %d: capable but not registered", i)
		}
		if u.MethodsRegistered == nil || u.SystemPreferredAuthenticationMethods == nil {
			t.Fatalf("user %d: nil array would encode as null", i)
		}
		if allWeak {
			weakOnly++
		}
		ts, err := time.Parse(time.RFC3339Nano, u.LastUpdatedDateTime)
		if err != nil {
			t.Fatalf("user %d: lastUpdatedDateTime: %v", i, err)
		}
		if refNow.Sub(ts) > 48*time.Hour {
			stale++
		}
		switch u.UserType {
		case "member":
			members++
			if u.IsMfaCapable {
				mfaMembers++
			}
			if u.IsPasswordlessCapable {
				pwlMembers++
			}
		case "guest":
			guests++
		}
		if u.IsAdmin {
			admins++
			if !u.IsMfaCapable {
				adminsNoMFA++
			}
			if !pr {
				adminsNoPR++
			}
		}
	})
	share := func(a, b int) float64 { return float64(a) / float64(b) }
	checks := []struct {
		name     string
		got      float64
		min, max float64
	}{
		{"members", share(members, n), 0.85, 0.90},
		{"guests", share(guests, n), 0.10, 0.15},
		{"admins", share(admins, n), 0.01, 0.02},
		{"mfa-capable members", share(mfaMembers, members), 0.80, 0.95},
		{"passwordless members", share(pwlMembers, members), 0.10, 0.30},
		{"weak-only users", share(weakOnly, n), 0.05, 0.30},
		{"telephony", share(telephony, n), 0.25, 0.50},
		{"stale rows", share(stale, n), 0.0005, 0.002},
		{"unknown methods", share(unknown, n), 0.0005, 0.002},
		{"admins without MFA", share(adminsNoMFA, admins), 0.01, 0.10},
		{"admins without phishing-resistant", share(adminsNoPR, admins), 0.3, 0.7},
	}
	for _, c := range checks {
		if c.got < c.min || c.got > c.max {
			t.Errorf("%s: share %.4f outside [%.4f, %.4f]", c.name, c.got, c.min, c.max)
		}
	}
}

func TestAppendUserMatchesEncodingJSON(t *testing.T) {
	odd := GenerateUser(1, 5, refNow)
	odd.UserDisplayName = "Zoë \"Q\" <&> \\ \x01 \u2028 \xff"
	users := []snapshot.UserRegistrationDetails{GenerateUser(1, 0, refNow), GenerateUser(1, 1, refNow), odd}
	for _, beta := range []bool{false, true} {
		for _, u := range users {
			var got, want map[string]any
			line := AppendUser(nil, &u, beta)
			if err := json.Unmarshal(line, &got); err != nil {
				t.Fatalf("AppendUser wrote invalid JSON %s: %v", line, err)
			}
			v := u
			if !beta {
				v.DefaultMfaMethod = ""
			}
			std, _ := json.Marshal(v)
			_ = json.Unmarshal(std, &want)
			if beta {
				want["defaultMfaMethod"] = u.DefaultMfaMethod
			}
			if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("beta=%v: AppendUser differs from encoding/json (-want +got):\n%s", beta, d)
			}
			if _, has := got["defaultMfaMethod"]; has != beta {
				t.Errorf("beta=%v: defaultMfaMethod present=%v", beta, has)
			}
		}
	}
}

func BenchmarkGenerateUser(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = GenerateUser(1, i, refNow)
	}
}

func BenchmarkAppendUser(b *testing.B) {
	u := GenerateUser(1, 1, refNow)
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendUser(buf[:0], &u, false)
	}
}

func TestFormatTicks(t *testing.T) {
	for _, tm := range []time.Time{refNow, time.Date(2025, 5, 14, 6, 12, 33, 123456789, time.FixedZone("x", 3600)), time.Unix(0, 0), time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC)} {
		if got, want := formatTicks(tm), tm.UTC().Format("2006-01-02T15:04:05.0000000Z"); got != want {
			t.Errorf("formatTicks(%v) = %s, want %s", tm, got, want)
		}
	}
}
