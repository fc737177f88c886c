package authgate.builtin.policy_system_preferred_test

import data.authgate.builtin.policy_system_preferred as ctl
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

test_v1_skips if {
	ctl.skip == {"the policy was fetched from Graph v1.0, which lacks systemCredentialPreferences (fetch --api beta --include policy)"} with input as f.with_policy(f.hardened_policy)
	count(ctl.violation) == 0 with input as f.with_policy(object.union(f.hardened_policy, {"systemCredentialPreferences": null}))
}

test_disabled_fails if {
	p := object.union(f.hardened_policy, {"systemCredentialPreferences": {"state": "disabled", "includeTargets": []}})
	ctl.violation == {{"message": "System-preferred MFA is disabled for nobody, not enabled for all users."}} with input as f.with_beta_policy(p)
}

test_missing_fails if {
	count(ctl.violation) == 1 with input as f.with_beta_policy(object.remove(f.hardened_policy, ["systemCredentialPreferences"]))
}
