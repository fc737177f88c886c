package tenantgen

import (
	"testing"
)

// TestBefore: the baseline's rows are today's users, each changed only in
// one of the three ways the trend controls look for, and each way occurs.
func TestBefore(t *testing.T) {
	now := Tenant{Seed: 4, Users: 20000, Now: refNow}
	then := now
	then.Before = true
	var lost, appointed, pwl int
	for i := range now.Users {
		a, b := now.User(i), then.User(i)
		if a.ID != b.ID || a.UserPrincipalName != b.UserPrincipalName || a.Nulls != b.Nulls {
			t.Fatalf("user %d is another user in the baseline", i)
		}
		switch {
		case a.Nulls != 0:
			if a.IsAdmin != b.IsAdmin || a.IsMfaCapable != b.IsMfaCapable || a.IsPasswordlessCapable != b.IsPasswordlessCapable {
				t.Errorf("user %d with a null changed in the baseline", i)
			}
		case a.IsAdmin && !a.IsMfaCapable:
			if !b.IsMfaCapable || !b.IsMfaRegistered || len(b.MethodsRegistered) != len(a.MethodsRegistered)+1 {
				t.Errorf("user %d: an admin not MFA-capable now was not MFA-capable then either", i)
			}
			lost++
		case a.IsAdmin != b.IsAdmin:
			if !a.IsAdmin {
				t.Errorf("user %d is an admin only in the baseline", i)
			}
			appointed++
		case a.IsPasswordlessCapable != b.IsPasswordlessCapable:
			if a.IsPasswordlessCapable || a.UserType != "member" || !b.IsMfaCapable {
				t.Errorf("user %d: passwordless changed the wrong way", i)
			}
			pwl++
		default:
			if a.IsMfaCapable != b.IsMfaCapable || len(a.MethodsRegistered) != len(b.MethodsRegistered) {
				t.Errorf("user %d changed without a reason", i)
			}
		}
	}
	if lost == 0 || appointed == 0 || pwl < 100 {
		t.Errorf("admins who lost MFA %d, appointed %d, members no longer passwordless %d: want some of each", lost, appointed, pwl)
	}
}
