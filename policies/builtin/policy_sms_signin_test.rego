package authgate.builtin.policy_sms_signin_test

import data.authgate.builtin.policy_sms_signin as ctl
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

test_sign_in_enabled_fails if {
	p := f.bend("Sms", {"state": "enabled", "includeTargets": [{"targetType": "group", "id": "all_users", "isUsableForSignIn": true}]})
	vs := ctl.violation with input as f.with_policy(p)
	vs == {{"message": "SMS is usable for sign-in for all users."}}
}

test_sms_enabled_without_sign_in_passes if {
	count(ctl.violation) == 0 with input as f.with_policy(f.bend("Sms", {"state": "enabled"}))
}

test_disabled_sms_passes_whatever_the_targets_say if {
	p := f.bend("Sms", {"includeTargets": [{"targetType": "group", "id": "all_users", "isUsableForSignIn": true}]})
	count(ctl.violation) == 0 with input as f.with_policy(p)
}

test_null_flag_counts_as_usable if {
	p := f.bend("Sms", {"state": "enabled", "includeTargets": [{"targetType": "group", "id": "g1", "isUsableForSignIn": null}]})
	ctl.violation == {{"message": "SMS is usable for sign-in for group g1."}} with input as f.with_policy(p)
}
