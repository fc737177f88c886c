package authgate.builtin.admin_mfa_capable_test

import data.authgate.builtin.admin_mfa_capable as ctl
import data.authgate.fixtures as f

test_capable_admin_passes if {
	count(ctl.violation) == 0 with input as f.users([f.user({"isAdmin": true})])
}

test_empty_chunk_passes if {
	count(ctl.violation) == 0 with input as f.users([])
}

test_incapable_admin_fails if {
	vs := ctl.violation with input as f.users([
		f.user({"isAdmin": true, "isMfaCapable": false}),
		f.user({"id": "u2", "isMfaCapable": false}),
		f.user({"id": "u3", "isAdmin": true}),
	])
	vs == {{
		"message": "Administrator ana.lima@contoso.example is not MFA-capable: no strong method allowed by the authentication methods policy is registered.",
		"subject": {"id": "00000000-0000-0000-0000-000000000001", "userPrincipalName": "ana.lima@contoso.example", "displayName": "Ana Lima"},
	}}
}

test_guest_admin_fails if {
	vs := ctl.violation with input as f.users([f.user({"userType": "guest", "isAdmin": true, "isMfaCapable": false})])
	count(vs) == 1
}

test_registered_but_not_capable_fails if {
	vs := ctl.violation with input as f.users([f.user({"isAdmin": true, "isMfaRegistered": true, "isMfaCapable": false})])
	count(vs) == 1
}

test_missing_upn_names_id if {
	vs := ctl.violation with input as f.users([f.user({"isAdmin": true, "isMfaCapable": false, "userPrincipalName": ""})])
	some v in vs
	contains(v.message, "00000000-0000-0000-0000-000000000001")
}

test_role_holder_not_flagged_is_judged if {
	roles := [
		{"description": "Global Administrator (eligible)"},
		{"description": "Privileged Role Administrator (eligible, via group PIM-Admins)"},
	]
	vs := ctl.violation with input as f.users([f.user({"isAdmin": false, "isMfaCapable": false, "directoryRoles": roles})])
	vs == {{
		"message": "Administrator ana.lima@contoso.example [Global Administrator (eligible); Privileged Role Administrator (eligible, via group PIM-Admins)] is not MFA-capable: no strong method allowed by the authentication methods policy is registered.",
		"subject": {"id": "00000000-0000-0000-0000-000000000001", "userPrincipalName": "ana.lima@contoso.example", "displayName": "Ana Lima", "roles": ["Global Administrator (eligible)", "Privileged Role Administrator (eligible, via group PIM-Admins)"]},
	}}
}
