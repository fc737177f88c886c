package authgate.builtin.trend_new_admin_phishing_resistant_test

import data.authgate.builtin.trend_new_admin_phishing_resistant as ctl
import data.authgate.fixtures as f

# baseline(admins) is a baseline of the fixture tenant with the given admins by id.
baseline(admins) := {
	"manifest": {"tenantId": "11111111-1111-1111-1111-111111111111", "fetchedAt": "2026-10-02T08:00:00Z"},
	"users": 100,
	"aggregates": {"users": 100, "scopes": {}},
	"admins": admins,
}

old_admin := {"00000000-0000-0000-0000-000000000001": {
	"id": "00000000-0000-0000-0000-000000000001",
	"userPrincipalName": "ana.lima@contoso.example",
	"userDisplayName": "Ana Lima",
	"isMfaCapable": true,
	"isPasswordlessCapable": true,
	"methodsRegistered": ["microsoftAuthenticatorPush"],
}}

weak := {"isAdmin": true, "methodsRegistered": ["microsoftAuthenticatorPush"]}

test_no_baseline_skips if {
	ctl.skip == {"no baseline snapshot was given (check --baseline FILE)"} with input as f.tenant({})
}

test_new_admin_without_phishing_resistant_fails if {
	vs := ctl.violation with input as f.users([f.user(weak)])
		with data.authgate.baseline as baseline({})
	vs == {{
		"message": "Administrator ana.lima@contoso.example is new since the baseline of 2026-10-02T08:00:00Z and has no phishing-resistant method registered.",
		"subject": {"id": "00000000-0000-0000-0000-000000000001", "userPrincipalName": "ana.lima@contoso.example", "displayName": "Ana Lima"},
	}}
}

test_new_admin_with_fido2_passes if {
	count(ctl.violation) == 0 with input as f.users([f.user({"isAdmin": true, "methodsRegistered": ["fido2SecurityKey"]})])
		with data.authgate.baseline as baseline({})
}

test_existing_admin_is_not_new if {
	count(ctl.violation) == 0 with input as f.users([f.user(weak)])
		with data.authgate.baseline as baseline(old_admin)
}

test_new_non_admin_ignored if {
	count(ctl.violation) == 0 with input as f.users([f.user({"methodsRegistered": []})])
		with data.authgate.baseline as baseline({})
}

test_only_new_admins_listed if {
	vs := ctl.violation with input as f.users([
		f.user(weak),
		f.user(object.union(weak, {"id": "u2", "userPrincipalName": "new.admin@contoso.example"})),
	])
		with data.authgate.baseline as baseline(old_admin)
	{v.subject.id | some v in vs} == {"u2"}
}
