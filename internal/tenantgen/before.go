package tenantgen

import (
	"slices"

	"github.com/authgate/authgate/snapshot"
)

// Shares of the rows that differ in the tenant a baseline saw (Tenant.Before),
// drawn from a stream of their own, so that today's rows stay as they are.
const (
	beforeNewAdmin     = 0.1  // of the other admins: appointed since
	beforePasswordless = 0.08 // of the members not passwordless-capable now: they were then
	beforeStream       = 0xba5e_11e0
)

// before turns row i into what it was when a baseline was taken a month
// earlier, so that every trend control has something to find: the
// administrators not MFA-capable now were then, a few were appointed since,
// and fewer members are passwordless-capable now. A row with a null is left
// as it is, so the baseline keeps the emulator's oddities.
func before(seed int64, i int, u *snapshot.UserRegistrationDetails) {
	if u.Nulls != 0 {
		return
	}
	_, h := permKeys(seed)
	r := rng(mix(h ^ uint64(i)*0x9e3779b97f4a7c15 ^ beforeStream))
	with := func(m string) {
		if !slices.Contains(u.MethodsRegistered, m) {
			u.MethodsRegistered = append(slices.Clone(u.MethodsRegistered), m)
		}
	}
	switch {
	case u.IsAdmin && !u.IsMfaCapable:
		// Every one of them: admins without MFA are few.
		with(mPush)
		u.IsMfaCapable, u.IsMfaRegistered = true, true
	case u.IsAdmin:
		if r.chance(beforeNewAdmin) {
			u.IsAdmin = false
		}
	case u.UserType == "member" && !u.IsPasswordlessCapable:
		if r.chance(beforePasswordless) {
			with(mFido2)
			u.IsPasswordlessCapable, u.IsMfaCapable, u.IsMfaRegistered = true, true, true
		}
	}
}
