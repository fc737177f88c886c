package authgate.builtin.sspr_registered_share_test

import data.authgate.builtin.sspr_registered_share as ctl
import data.authgate.fixtures as f

test_all_registered_passes if {
	count(ctl.violation) == 0 with input as f.tenant({})
}

test_exactly_at_threshold_passes if {
	count(ctl.violation) == 0 with input as f.scope("all", {"users": 100, "ssprEnabled": 50, "ssprCapable": 45, "ssprRegistered": 80})
}

test_below_threshold_fails if {
	vs := ctl.violation with input as f.scope("all", {"users": 100, "ssprEnabled": 50, "ssprCapable": 44, "ssprRegistered": 90})
	vs == {{
		"message": "88.0% of SSPR-enabled users are registered for SSPR (44 of 50), below the minimum of 90.0%.",
		"value": 0.88,
		"threshold": 0.9,
	}}
}

test_registered_but_not_enabled_users_do_not_count if {
	# 80 registered, but only 10 of the 50 enabled ones
	count(ctl.violation) == 1 with input as f.scope("all", {"users": 100, "ssprEnabled": 50, "ssprCapable": 10, "ssprRegistered": 80})
}

test_nobody_enabled_skips if {
	inp := f.scope("all", {"users": 100, "ssprEnabled": 0, "ssprCapable": 0, "ssprRegistered": 30})
	ctl.skip == {"no user is enabled for self-service password reset"} with input as inp
	count(ctl.violation) == 0 with input as inp
}
