package authgate.builtin.policy_migration_complete_test

import data.authgate.builtin.policy_migration_complete as ctl
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

test_in_progress_fails if {
	vs := ctl.violation with input as f.with_policy(object.union(f.hardened_policy, {"policyMigrationState": "migrationInProgress"}))
	vs == {{"message": "The authentication methods policy's migration state is migrationInProgress, not migrationComplete: the legacy MFA and SSPR method settings still apply beside it."}}
}

test_null_state_fails if {
	count(ctl.violation) == 1 with input as f.with_policy(object.union(f.hardened_policy, {"policyMigrationState": null}))
}
