package authgate.builtin.policy_report_suspicious_test

import data.authgate.builtin.policy_report_suspicious as ctl
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

test_default_fails if {
	p := object.union(f.hardened_policy, {"reportSuspiciousActivitySettings": {"state": "default", "includeTarget": {"targetType": "group", "id": "all_users"}}})
	ctl.violation == {{"message": "Report suspicious activity is default for all users, not enabled for all users."}} with input as f.with_beta_policy(p)
}

test_group_only_fails if {
	p := object.union(f.hardened_policy, {"reportSuspiciousActivitySettings": {"state": "enabled", "includeTarget": {"targetType": "group", "id": "g1"}}})
	count(ctl.violation) == 1 with input as f.with_beta_policy(p)
}

test_v1_skips if {
	count(ctl.skip) == 1 with input as f.with_policy(f.hardened_policy)
}
