package graphfake

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/tenantgen"
	"github.com/authgate/authgate/snapshot"
)

// mfaMethods are the generator's methods that count for isMfaRegistered.
var mfaMethods = map[string]bool{
	"mobilePhone": true, "alternateMobilePhone": true, "officePhone": true, "microsoftAuthenticatorPush": true,
	"microsoftAuthenticatorPasswordless": true, "softwareOneTimePasscode": true, "hardwareOneTimePasscode": true,
	"fido2SecurityKey": true, "windowsHelloForBusiness": true, "passKeyDeviceBoundAuthenticator": true,
	"passKeyDeviceBound": true, "passKeyDeviceBoundWindowsHello": true, "passKeySynced": true,
	"macOsSecureEnclaveKey": true, "externalAuthMethod": true,
}

// The lax policy agrees with the generated users: a user is MFA-capable
// exactly when one of their registered MFA methods is allowed to them (a
// registered but excluded or disabled method does not count).
func TestLaxPolicyConsistentWithUsers(t *testing.T) {
	// The ideal rows: an oddity (methodsRegistered null) hides the methods
	// this test compares with the policy.
	s, err := New(Options{Tenant: tenantgen.Tenant{Seed: 1, Users: 5000, Now: time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC), Ideal: true}, ClientID: "c", ClientSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	b, _ := json.Marshal(s.MethodsPolicy("v1.0"))
	var p struct {
		Configs []struct {
			ID, State            string
			IncludeTargets       []struct{ ID, TargetType string } `json:"includeTargets"`
			ExcludeTargets       []struct{ ID, TargetType string } `json:"excludeTargets"`
			IsOfficePhoneAllowed *bool                             `json:"isOfficePhoneAllowed"`
		} `json:"authenticationMethodConfigurations"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	g := s.Groups()
	members := map[string][]int{g.FrontDesk: g.FrontDeskUsers, g.PasskeyExcluded: g.PasskeyExcludedUsers, g.Pilot: append([]int{0}, g.FrontDeskUsers...)}
	in := func(id string, i int) bool { return id == snapshot.AllUsersTarget || slices.Contains(members[id], i) }
	allows := func(cfg string, i int, m string) bool {
		for _, c := range p.Configs {
			if c.ID != cfg || c.State != "enabled" {
				continue
			}
			if m == "officePhone" && (c.IsOfficePhoneAllowed == nil || !*c.IsOfficePhoneAllowed) {
				return false
			}
			inc := slices.ContainsFunc(c.IncludeTargets, func(t struct{ ID, TargetType string }) bool { return in(t.ID, i) })
			exc := slices.ContainsFunc(c.ExcludeTargets, func(t struct{ ID, TargetType string }) bool { return in(t.ID, i) })
			return inc && !exc
		}
		return false
	}
	configs := map[string][]string{
		"mobilePhone": {"Sms", "Voice"}, "alternateMobilePhone": {"Voice"}, "officePhone": {"Voice"}, "microsoftAuthenticatorPush": {"MicrosoftAuthenticator"}, "microsoftAuthenticatorPasswordless": {"MicrosoftAuthenticator"},
		"softwareOneTimePasscode": {"SoftwareOath"}, "fido2SecurityKey": {"Fido2"}, "passKeyDeviceBoundAuthenticator": {"Fido2"}, "passKeyDeviceBound": {"Fido2"}, "passKeyDeviceBoundWindowsHello": {"Fido2"}, "passKeySynced": {"Fido2"},
	}
	checked := 0
	s.opts.Tenant.Each(func(i int, u *snapshot.UserRegistrationDetails) {
		usable := false
		for _, m := range u.MethodsRegistered {
			if !mfaMethods[m] {
				continue
			}
			cs, governed := configs[m]
			if !governed { // Windows Hello, platform credentials, hardware OATH, external methods
				usable = true
			}
			for _, c := range cs {
				usable = usable || allows(c, i, m)
			}
		}
		if usable != u.IsMfaCapable {
			t.Errorf("user %d (%v): isMfaCapable %v, but the policy allows a registered MFA method: %v", i, u.MethodsRegistered, u.IsMfaCapable, usable)
		}
		checked++
	})
	if checked != 5000 || len(g.FrontDeskUsers) == 0 {
		t.Fatalf("checked %d users, %d front-desk", checked, len(g.FrontDeskUsers))
	}
}
