package authgate.builtin.admin_role_eligibility_unread_test

import data.authgate.builtin.admin_role_eligibility_unread as ctl

test_unavailable_reported if {
	vs := ctl.violation with input as {"roles": {"eligibility": "unavailable", "eligibilityReason": "Graph answered 400 AadPremiumLicenseRequired"}}
	vs == {{"message": "PIM-eligible role assignments could not be read, so administrators eligible for a role were not judged: Graph answered 400 AadPremiumLicenseRequired."}}
}

test_read_skips if {
	ctl.skip == {"the PIM-eligible assignments were read"} with input as {"roles": {"eligibility": "graph"}}
}

test_no_roles_skips if {
	ctl.skip == {"the snapshot has no roles section (fetch --include roles)"} with input as {"roles": null}
}

test_group_eligibility_unavailable_reported if {
	vs := ctl.violation with input as {"roles": {"eligibility": "graph", "groupEligibilityReason": "Graph answered 403 Forbidden"}}
	vs == {{"message": "Users eligible to join role-assignable groups (PIM for Groups) could not be read, so they were not judged as administrators: Graph answered 403 Forbidden."}}
	count(ctl.skip) == 0 with input as {"roles": {"eligibility": "graph", "groupEligibilityReason": "Graph answered 403 Forbidden"}}
}

test_no_roles_no_violation if {
	count(ctl.violation) == 0 with input as {"roles": null}
}
