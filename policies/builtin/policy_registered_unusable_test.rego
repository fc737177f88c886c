package authgate.builtin.policy_registered_unusable_test

import data.authgate.builtin.policy_registered_unusable as ctl
import data.authgate.fixtures as f

# A tenant where SMS is enabled, Voice excludes group g-desk, Authenticator
# includes only group g-app.
lax := f.bend("Sms", {"state": "enabled"})

policy := object.union(lax, {"authenticationMethodConfigurations": [x |
	some c in lax.authenticationMethodConfigurations
	x := voice_auth(c)
]})

voice_auth(c) := object.union(c, {"state": "enabled", "isOfficePhoneAllowed": true, "excludeTargets": [{"targetType": "group", "id": "g-desk"}]}) if c.id == "Voice"

voice_auth(c) := object.union(c, {"includeTargets": [{"targetType": "group", "id": "g-app"}]}) if c.id == "MicrosoftAuthenticator"

voice_auth(c) := c if not c.id in {"Voice", "MicrosoftAuthenticator"}

groups := {
	"g-desk": {"source": "graph", "reason": "", "members": {"u-desk": true}},
	"g-app": {"source": "graph", "reason": "", "members": {"u-app": true}},
}

input_of(us) := object.union(f.users(us), {"authenticationMethodsPolicy": f.section(policy, groups, "v1.0")})

desk := f.user({"id": "u-desk", "userPrincipalName": "desk@contoso.example", "isMfaCapable": false, "methodsRegistered": ["officePhone"]})

test_group_exclusion_names_the_user_and_why if {
	vs := ctl.violation with input as input_of([desk])
	vs == {{
		"message": "desk@contoso.example registered officePhone but the authentication methods policy lets them use none of them (officePhone: Voice call excludes them (group g-desk)). Enable one of them for them, or have them register Passkey (FIDO2), which the policy allows them.",
		"subject": {"id": "u-desk", "userPrincipalName": "desk@contoso.example", "displayName": "Ana Lima"},
	}}
}

test_not_included_and_disabled_reasons if {
	u := f.user({"id": "u-x", "userPrincipalName": "x@contoso.example", "isMfaCapable": false, "methodsRegistered": ["microsoftAuthenticatorPush", "softwareOneTimePasscode"]})
	vs := ctl.violation with input as input_of([u])
	some v in vs
	contains(v.message, "microsoftAuthenticatorPush: Microsoft Authenticator includes only group g-app")
	contains(v.message, "softwareOneTimePasscode: Microsoft Authenticator includes only group g-app; Third-party software OATH tokens is disabled")
}

test_usable_or_capable_users_pass if {
	outside := f.user({"id": "u-other", "isMfaCapable": false, "methodsRegistered": ["officePhone"]})
	capable := object.union(desk, {"isMfaCapable": true})
	weak := f.user({"id": "u-weak", "isMfaCapable": false, "methodsRegistered": ["email"]})
	count(ctl.violation) == 0 with input as input_of([outside, capable, weak])
}

test_ungoverned_methods_count_as_usable if {
	u := f.user({"id": "u-desk", "isMfaCapable": false, "methodsRegistered": ["officePhone", "windowsHelloForBusiness"]})
	count(ctl.violation) == 0 with input as input_of([u])
}

test_unresolved_group_skips if {
	inp := f.tenant({"authenticationMethodsPolicy": f.section(policy, {"g-desk": {"source": "omitted", "reason": "403", "members": {}}}, "v1.0")})
	ctl.skip == {"target groups could not be resolved to their users: g-desk: 403"} with input as inp
}
