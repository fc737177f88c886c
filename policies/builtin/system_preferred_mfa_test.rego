package authgate.builtin.system_preferred_mfa_test

import data.authgate.builtin.system_preferred_mfa as ctl
import data.authgate.fixtures as f

test_all_enabled_passes if {
	count(ctl.violation) == 0 with input as f.tenant({})
}

test_empty_report_passes if {
	count(ctl.violation) == 0 with input as f.scope("all", {"users": 0, "systemPreferredEnabled": 0})
}

test_one_disabled_fails if {
	vs := ctl.violation with input as f.scope("all", {"users": 100, "systemPreferredEnabled": 99})
	vs == {{
		"message": "1 of 100 users have system-preferred multifactor authentication disabled.",
		"value": 1,
		"threshold": 0,
	}}
}

test_admin_scope_is_ignored if {
	count(ctl.violation) == 0 with input as f.scope("admin", {"users": 3, "systemPreferredEnabled": 0})
}
