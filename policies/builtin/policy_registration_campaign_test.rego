package authgate.builtin.policy_registration_campaign_test

import data.authgate.builtin.policy_registration_campaign as ctl
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

campaign(o) := object.union(f.hardened_policy, {"registrationEnforcement": {"authenticationMethodsRegistrationCampaign": o}})

test_microsoft_managed_fails if {
	ctl.violation == {{"message": "The registration campaign is default, not enabled for anyone."}} with input as f.with_policy(campaign({"state": "default"}))
}

test_enabled_for_nobody_fails if {
	count(ctl.violation) == 1 with input as f.with_policy(campaign({"state": "enabled", "includeTargets": []}))
}

test_null_campaign_fails if {
	count(ctl.violation) == 1 with input as f.with_policy(object.union(f.hardened_policy, {"registrationEnforcement": null}))
}
