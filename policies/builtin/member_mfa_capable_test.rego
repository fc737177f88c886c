package authgate.builtin.member_mfa_capable_test

import data.authgate.builtin.member_mfa_capable as ctl
import data.authgate.fixtures as f

test_capable_member_passes if {
	count(ctl.violation) == 0 with input as f.users([f.user({})])
}

test_empty_chunk_passes if {
	count(ctl.violation) == 0 with input as f.users([])
}

test_incapable_member_fails if {
	vs := ctl.violation with input as f.users([
		f.user({"id": "m1", "isMfaCapable": false}),
		f.user({"id": "m2", "isMfaCapable": false, "isAdmin": true}),
		f.user({"id": "g1", "isMfaCapable": false, "userType": "guest"}),
		f.user({"id": "x1", "isMfaCapable": false, "userType": "unknownFutureValue"}),
		f.user({"id": "m3"}),
	])
	{v.subject.id | some v in vs} == {"m1", "m2"}
}

test_message if {
	vs := ctl.violation with input as f.users([f.user({"isMfaCapable": false})])
	vs == {{
		"message": "Member ana.lima@contoso.example is not MFA-capable: no strong method allowed by the authentication methods policy is registered.",
		"subject": {"id": "00000000-0000-0000-0000-000000000001", "userPrincipalName": "ana.lima@contoso.example", "displayName": "Ana Lima"},
	}}
}

test_member_in_any_case_and_null_capability_fail if {
	vs := ctl.violation with input as f.users([
		f.user({"id": "m1", "userType": "Member", "isMfaCapable": false}),
		f.user({"id": "m2", "isMfaCapable": false, "@authgate.unknown": ["isMfaCapable"]}),
	])
	{v.subject.id | some v in vs} == {"m1", "m2"}
}
