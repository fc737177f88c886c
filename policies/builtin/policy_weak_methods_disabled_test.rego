package authgate.builtin.policy_weak_methods_disabled_test

import data.authgate.builtin.policy_weak_methods_disabled as ctl
import data.authgate.fixtures as f

test_hardened_passes if {
	count(ctl.violation) == 0 with input as f.with_beta_policy(f.hardened_policy)
	count(ctl.skip) == 0 with input as f.with_beta_policy(f.hardened_policy)
}

test_no_section_skips if {
	ctl.skip == {"the snapshot has no authentication methods policy (fetch --include policy)"} with input as f.no_section
}

test_forbidden_skips_with_the_reason if {
	ctl.skip == {"the authentication methods policy was not fetched: Graph answered 403 Authorization_RequestDenied"} with input as f.forbidden
}

test_sms_enabled_fails if {
	vs := ctl.violation with input as f.with_policy(f.bend("Sms", {"state": "enabled"}))
	vs == {{"message": "SMS is enabled in the authentication methods policy for all users."}}
}

test_unknown_state_counts_as_enabled if {
	count(ctl.violation) == 1 with input as f.with_policy(f.bend("Email", {"state": "unknownFutureValue"}))
	count(ctl.violation) == 1 with input as f.with_policy(f.bend("Voice", {"state": null}))
}

test_missing_configuration_fails if {
	vs := ctl.violation with input as f.with_policy(f.without("Voice"))
	vs == {{"message": "The authentication methods policy has no Voice call configuration: its state is unknown."}}
}

test_exception_group_passes if {
	p := f.bend("Sms", {"state": "enabled", "includeTargets": [{"targetType": "group", "id": "G-EXC"}]})
	count(ctl.violation) == 0 with input as f.with_policy(p) with data.authgate.params.telephony_exception_groups as ["g-exc"]
	count(ctl.violation) == 1 with input as f.with_policy(p) with data.authgate.params.telephony_exception_groups as ["other"]
	count(ctl.violation) == 1 with input as f.with_policy(p)
}
