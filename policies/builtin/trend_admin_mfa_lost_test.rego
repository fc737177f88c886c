package authgate.builtin.trend_admin_mfa_lost_test

import data.authgate.builtin.trend_admin_mfa_lost as ctl
import data.authgate.fixtures as f

# baseline(admins) is a baseline of the fixture tenant with the given admins by id.
baseline(admins) := {
	"manifest": {"tenantId": "11111111-1111-1111-1111-111111111111", "fetchedAt": "2026-10-02T08:00:00Z"},
	"users": 100,
	"aggregates": {"users": 100, "scopes": {}},
	"admins": admins,
}

was(capable) := {"00000000-0000-0000-0000-000000000001": {
	"id": "00000000-0000-0000-0000-000000000001",
	"userPrincipalName": "ana.lima@contoso.example",
	"userDisplayName": "Ana Lima",
	"isMfaCapable": capable,
	"isPasswordlessCapable": capable,
	"methodsRegistered": [],
}}

test_no_baseline_skips if {
	ctl.skip == {"no baseline snapshot was given (check --baseline FILE)"} with input as f.tenant({})
	count(ctl.violation) == 0 with input as f.users([f.user({"isAdmin": true, "isMfaCapable": false})])
}

test_lost_mfa_fails if {
	vs := ctl.violation with input as f.users([f.user({"isAdmin": true, "isMfaCapable": false})])
		with data.authgate.baseline as baseline(was(true))
	vs == {{
		"message": "Administrator ana.lima@contoso.example was MFA-capable in the baseline of 2026-10-02T08:00:00Z and is not any more.",
		"subject": {"id": "00000000-0000-0000-0000-000000000001", "userPrincipalName": "ana.lima@contoso.example", "displayName": "Ana Lima"},
	}}
}

test_still_capable_passes if {
	count(ctl.violation) == 0 with input as f.users([f.user({"isAdmin": true})])
		with data.authgate.baseline as baseline(was(true))
}

test_never_capable_is_not_a_trend if {
	count(ctl.violation) == 0 with input as f.users([f.user({"isAdmin": true, "isMfaCapable": false})])
		with data.authgate.baseline as baseline(was(false))
}

test_new_admin_is_not_a_loss if {
	count(ctl.violation) == 0 with input as f.users([f.user({"isAdmin": true, "isMfaCapable": false})])
		with data.authgate.baseline as baseline({})
}

test_former_admin_ignored if {
	count(ctl.violation) == 0 with input as f.users([f.user({"isAdmin": false, "isMfaCapable": false})])
		with data.authgate.baseline as baseline(was(true))
}

test_baseline_present_does_not_skip if {
	count(ctl.skip) == 0 with input as f.tenant({}) with data.authgate.baseline as baseline({})
}
