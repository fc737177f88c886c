package authgate.builtin.member_mfa_capable_share_test

import data.authgate.builtin.member_mfa_capable_share as ctl
import data.authgate.fixtures as f

test_all_capable_passes if {
	count(ctl.violation) == 0 with input as f.tenant({})
	count(ctl.skip) == 0 with input as f.tenant({})
}

test_exactly_at_threshold_passes if {
	count(ctl.violation) == 0 with input as f.scope("member", {"users": 100, "mfaCapable": 95})
}

test_below_threshold_fails if {
	vs := ctl.violation with input as f.scope("member", {"users": 1000, "mfaCapable": 949})
	vs == {{
		"message": "94.9% of members are MFA-capable (949 of 1000), below the minimum of 95.0%.",
		"value": 0.949,
		"threshold": 0.95,
	}}
}

test_value_is_exact if {
	vs := ctl.violation with input as f.scope("member", {"users": 3, "mfaCapable": 2})
	some v in vs
	v.value == 2 / 3
	v.message == "66.7% of members are MFA-capable (2 of 3), below the minimum of 95.0%."
}

test_guests_and_other_scopes_are_ignored if {
	count(ctl.violation) == 0 with input as f.tenant({"aggregates": {"scopes": {
		"all": f.counts({"users": 200, "mfaCapable": 100}),
		"guest": f.counts({"users": 100, "mfaCapable": 0}),
	}}})
}

test_no_members_skips if {
	inp := f.scope("member", {"users": 0, "mfaCapable": 0})
	count(ctl.violation) == 0 with input as inp
	ctl.skip == {"the per-user report has no member users"} with input as inp
}

test_param_changes_threshold if {
	vs := ctl.violation with input as f.scope("member", {"users": 100, "mfaCapable": 99})
		with data.authgate.params.mfa_capable_min as 1
	some v in vs
	v.message == "99.0% of members are MFA-capable (99 of 100), below the minimum of 100.0%."
}

test_zero_capable_fails if {
	vs := ctl.violation with input as f.scope("member", {"users": 10, "mfaCapable": 0})
	some v in vs
	v.value == 0
	v.message == "0.0% of members are MFA-capable (0 of 10), below the minimum of 95.0%."
}
