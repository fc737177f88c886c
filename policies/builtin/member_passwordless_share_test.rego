package authgate.builtin.member_passwordless_share_test

import data.authgate.builtin.member_passwordless_share as ctl
import data.authgate.fixtures as f

test_enough_passes if {
	count(ctl.violation) == 0 with input as f.scope("member", {"users": 100, "passwordlessCapable": 60})
}

test_exactly_at_threshold_passes if {
	count(ctl.violation) == 0 with input as f.scope("member", {"users": 400, "passwordlessCapable": 100})
}

test_below_threshold_fails if {
	vs := ctl.violation with input as f.scope("member", {"users": 400, "passwordlessCapable": 99})
	vs == {{
		"message": "24.8% of members are passwordless-capable (99 of 400), below the minimum of 25.0%.",
		"value": 0.2475,
		"threshold": 0.25,
	}}
}

test_admins_do_not_count if {
	count(ctl.violation) == 0 with input as f.tenant({"aggregates": {"scopes": {"admin": f.counts({"users": 10, "passwordlessCapable": 0})}}})
}

test_no_members_skips if {
	ctl.skip == {"the per-user report has no member users"} with input as f.scope("member", {"users": 0, "passwordlessCapable": 0})
	count(ctl.violation) == 0 with input as f.scope("member", {"users": 0, "passwordlessCapable": 0})
}

test_unknown_users_are_named_beside_the_share if {
	vs := ctl.violation with input as f.scope("member", {"users": 400, "passwordlessCapable": 99, "unknown": 12})
	[v | some v in vs][0].message == "24.8% of members are passwordless-capable (99 of 400, 12 users unknown), below the minimum of 25.0%."
	one := ctl.violation with input as f.scope("member", {"users": 400, "passwordlessCapable": 99, "unknown": 1})
	[v | some v in one][0].message == "24.8% of members are passwordless-capable (99 of 400, 1 user unknown), below the minimum of 25.0%."
}
