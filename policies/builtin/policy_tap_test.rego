package authgate.builtin.policy_tap_test

import data.authgate.builtin.policy_tap as ctl
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

test_reusable_fails if {
	ctl.violation == {{"message": "Temporary Access Pass is not one-time (isUsableOnce is false)."}} with input as f.with_policy(f.bend("TemporaryAccessPass", {"isUsableOnce": false}))
}

test_disabled_fails if {
	ctl.violation == {{"message": "Temporary Access Pass is not enabled in the authentication methods policy."}} with input as f.with_policy(f.bend("TemporaryAccessPass", {"state": "disabled"}))
}
