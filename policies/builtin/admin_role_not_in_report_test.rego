package authgate.builtin.admin_role_not_in_report_test

import data.authgate.builtin.admin_role_not_in_report as ctl

exo := {"description": "Exchange Administrator (active)"}

test_holders_in_report_pass if {
	count(ctl.violation) == 0 with input as {"roles": {"holders": [{"id": "a", "userPrincipalName": "a@x", "displayName": "A", "inReport": true, "isAdmin": false, "roles": [exo]}]}}
}

test_missing_holder_fails if {
	vs := ctl.violation with input as {"roles": {"holders": [
		{"id": "a", "userPrincipalName": "a@x", "displayName": "A", "inReport": true, "isAdmin": true, "roles": [exo]},
		{"id": "b", "userPrincipalName": "", "displayName": "", "inReport": false, "isAdmin": false, "roles": [exo, {"description": "Global Administrator (eligible)"}]},
	]}}
	vs == {{
		"message": "User b holds Exchange Administrator (active); Global Administrator (eligible) but has no row in the per-user registration report (disabled, deleted or outside the report), so no control judges how they sign in.",
		"subject": {"id": "b", "userPrincipalName": "", "displayName": "", "roles": ["Exchange Administrator (active)", "Global Administrator (eligible)"]},
	}}
}

test_skipped_without_roles if {
	count(ctl.skip) == 1 with input as {"aggregates": {}}
}
