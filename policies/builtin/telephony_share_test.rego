package authgate.builtin.telephony_share_test

import data.authgate.builtin.telephony_share as ctl
import data.authgate.fixtures as f

test_no_telephony_passes if {
	count(ctl.violation) == 0 with input as f.tenant({})
}

test_exactly_at_threshold_passes if {
	count(ctl.violation) == 0 with input as f.scope("all", {"users": 100, "classes": {"telephony": 50}})
}

test_above_threshold_fails if {
	vs := ctl.violation with input as f.scope("all", {"users": 100, "classes": {"telephony": 51, "weak": 60}})
	vs == {{
		"message": "51.0% of users have a phone method registered (51 of 100), above the maximum of 50.0%.",
		"value": 0.51,
		"threshold": 0.5,
	}}
}

test_everyone_on_the_phone_fails if {
	vs := ctl.violation with input as f.scope("all", {"users": 7, "classes": {"telephony": 7}})
	some v in vs
	v.value == 1
	v.message == "100.0% of users have a phone method registered (7 of 7), above the maximum of 50.0%."
}

test_member_scope_is_ignored if {
	count(ctl.violation) == 0 with input as f.scope("member", {"users": 100, "classes": {"telephony": 100}})
}

test_no_users_skips if {
	inp := f.scope("all", {"users": 0})
	ctl.skip == {"the per-user report has no users"} with input as inp
	count(ctl.violation) == 0 with input as inp
}
