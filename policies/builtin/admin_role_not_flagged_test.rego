package authgate.builtin.admin_role_not_flagged_test

import data.authgate.builtin.admin_role_not_flagged as ctl
import data.authgate.fixtures as f

ga_eligible := {"roleName": "Global Administrator", "assignment": "eligible", "viaGroup": "", "privileged": true, "description": "Global Administrator (eligible)"}

pra_group := {"roleName": "Privileged Role Administrator", "assignment": "eligible", "viaGroup": "PIM-Admins", "privileged": true, "description": "Privileged Role Administrator (eligible, via group PIM-Admins)"}

test_flagged_holder_passes if {
	count(ctl.violation) == 0 with input as f.users([f.user({"isAdmin": true, "directoryRoles": [ga_eligible]})])
}

test_no_roles_passes if {
	count(ctl.violation) == 0 with input as f.users([f.user({})])
}

test_unflagged_holder_named_per_role if {
	vs := ctl.violation with input as f.users([
		f.user({"directoryRoles": [ga_eligible, pra_group]}),
		f.user({"id": "u2", "isAdmin": true}),
	])
	vs == {
		{
			"message": "User ana.lima@contoso.example holds Global Administrator (eligible) but the per-user report does not flag them isAdmin.",
			"subject": {"id": "00000000-0000-0000-0000-000000000001", "userPrincipalName": "ana.lima@contoso.example", "displayName": "Ana Lima", "roles": ["Global Administrator (eligible)", "Privileged Role Administrator (eligible, via group PIM-Admins)"]},
		},
		{
			"message": "User ana.lima@contoso.example holds Privileged Role Administrator (eligible, via group PIM-Admins) but the per-user report does not flag them isAdmin.",
			"subject": {"id": "00000000-0000-0000-0000-000000000001", "userPrincipalName": "ana.lima@contoso.example", "displayName": "Ana Lima", "roles": ["Global Administrator (eligible)", "Privileged Role Administrator (eligible, via group PIM-Admins)"]},
		},
	}
}

test_null_is_admin_is_not_flagged if {
	count(ctl.violation) == 1 with input as f.users([f.user({"isAdmin": null, "directoryRoles": [ga_eligible]})])
}

test_skipped_without_roles if {
	ctl.skip == {"the snapshot has no roles section (fetch --include roles)"} with input as {"roles": null}
}

test_not_skipped_with_roles if {
	count(ctl.skip) == 0 with input as {"roles": {"eligibility": "graph", "holders": []}}
}
