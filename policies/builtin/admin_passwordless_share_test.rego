package authgate.builtin.admin_passwordless_share_test

import data.authgate.builtin.admin_passwordless_share as ctl
import data.authgate.fixtures as f

test_all_admins_passwordless_passes if {
	count(ctl.violation) == 0 with input as f.tenant({})
	count(ctl.skip) == 0 with input as f.tenant({})
}

test_exactly_at_threshold_passes if {
	count(ctl.violation) == 0 with input as f.scope("admin", {"users": 5, "passwordlessCapable": 4})
}

test_below_threshold_fails if {
	vs := ctl.violation with input as f.scope("admin", {"users": 5, "passwordlessCapable": 3})
	vs == {{
		"message": "60.0% of administrators are passwordless-capable (3 of 5), below the minimum of 80.0%.",
		"value": 0.6,
		"threshold": 0.8,
	}}
}

test_members_do_not_count if {
	count(ctl.violation) == 0 with input as f.scope("member", {"users": 100, "passwordlessCapable": 0})
}

test_no_admins_skips if {
	inp := f.scope("admin", {"users": 0, "passwordlessCapable": 0})
	ctl.skip == {"the per-user report has no administrators"} with input as inp
	count(ctl.violation) == 0 with input as inp
}
