package authgate.builtin.policy_retirement_stranded_test

import data.authgate.builtin.policy_retirement_stranded as ctl
import data.authgate.fixtures as f

with_retirement(n, users) := f.tenant({"authenticationMethodsPolicy": object.union(f.section(f.hardened_policy, {}, "v1.0"), {"retirement": {"count": n, "users": users}})})

test_stranded_users_are_counted_and_listed if {
	users := [
		{"id": "u1", "userPrincipalName": "a@contoso.example", "methodsRegistered": ["mobilePhone", "email"]},
		{"id": "u2", "userPrincipalName": "b@contoso.example", "methodsRegistered": ["officePhone"]},
	]
	vs := ctl.violation with input as with_retirement(5, users)
	vs == {{
		"message": "5 MFA-capable users have only SMS or voice for MFA: disabling SMS, voice and email OTP would leave them without MFA. a@contoso.example (mobilePhone, email); b@contoso.example (officePhone); and 3 more.",
		"value": 5,
	}}
}

test_nobody_stranded_passes if {
	count(ctl.violation) == 0 with input as with_retirement(0, [])
}

test_forbidden_policy_still_judged if {
	inp := object.union(f.forbidden, {"authenticationMethodsPolicy": {"retirement": {"count": 1, "users": []}}})
	count(ctl.violation) == 1 with input as inp
	count(ctl.skip) == 0 with input as inp
}

test_no_section_skips if {
	count(ctl.skip) == 1 with input as f.no_section
}
