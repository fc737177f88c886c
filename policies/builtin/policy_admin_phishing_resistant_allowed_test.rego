package authgate.builtin.policy_admin_phishing_resistant_allowed_test

import data.authgate.builtin.policy_admin_phishing_resistant_allowed as ctl
import data.authgate.fixtures as f

policy := f.bend("Fido2", {"excludeTargets": [{"targetType": "group", "id": "g-nokeys"}, {"targetType": "user", "id": "u-direct"}]})

groups := {"g-nokeys": {"source": "graph", "reason": "", "members": {"u-group": true}}}

input_of(us) := object.union(f.users(us), {"authenticationMethodsPolicy": f.section(policy, groups, "v1.0")})

admin(id, ms) := f.user({"id": id, "userPrincipalName": concat("", [id, "@contoso.example"]), "isAdmin": true, "methodsRegistered": ms})

test_admin_excluded_through_a_group if {
	vs := ctl.violation with input as input_of([admin("u-group", ["microsoftAuthenticatorPush", "fido2SecurityKey"])])
	vs == {{
		"message": "Administrator u-group@contoso.example cannot use any phishing-resistant method: Certificate-based authentication is disabled; Passkey (FIDO2) excludes them (group g-nokeys). They registered fido2SecurityKey, which the policy does not let them use.",
		"subject": {"id": "u-group", "userPrincipalName": "u-group@contoso.example", "displayName": "Ana Lima"},
	}}
}

test_admin_excluded_directly if {
	vs := ctl.violation with input as input_of([admin("u-direct", ["microsoftAuthenticatorPush"])])
	some v in vs
	contains(v.message, "Passkey (FIDO2) excludes them (user u-direct)")
}

test_allowed_admins_and_excluded_members_pass if {
	member := object.union(admin("u-group", []), {"isAdmin": false})
	count(ctl.violation) == 0 with input as input_of([admin("u-ok", []), member])
}

test_allowed_by_certificates_passes if {
	p := object.union(policy, {"authenticationMethodConfigurations": [x | some c in policy.authenticationMethodConfigurations; x := cba(c)]})
	inp := object.union(f.users([admin("u-group", [])]), {"authenticationMethodsPolicy": f.section(p, groups, "v1.0")})
	count(ctl.violation) == 0 with input as inp
}

cba(c) := object.union(c, {"state": "enabled"}) if c.id == "X509Certificate"

cba(c) := c if c.id != "X509Certificate"

test_all_disabled_is_left_to_am_pol_05 if {
	p := f.bend("Fido2", {"state": "disabled"})
	inp := object.union(f.users([admin("u-group", [])]), {"authenticationMethodsPolicy": f.section(p, groups, "v1.0")})
	count(ctl.violation) == 0 with input as inp
}
