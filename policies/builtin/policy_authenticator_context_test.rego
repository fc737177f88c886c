package authgate.builtin.policy_authenticator_context_test

import data.authgate.builtin.policy_authenticator_context as ctl
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

test_location_disabled_fails if {
	p := f.bend("MicrosoftAuthenticator", {"featureSettings": {"displayAppInformationRequiredState": f.feature_on, "displayLocationInformationRequiredState": object.union(f.feature_on, {"state": "default"})}})
	vs := ctl.violation with input as f.with_policy(p)
	vs == {{"message": "Microsoft Authenticator notifications do not show the geographic location to all users: displayLocationInformationRequiredState is default for all users."}}
}

test_exclusion_fails if {
	p := f.bend("MicrosoftAuthenticator", {"featureSettings": {"displayAppInformationRequiredState": object.union(f.feature_on, {"excludeTarget": {"targetType": "group", "id": "g9"}}), "displayLocationInformationRequiredState": f.feature_on}})
	vs := ctl.violation with input as f.with_policy(p)
	vs == {{"message": "Microsoft Authenticator notifications do not show the application name to all users: displayAppInformationRequiredState is enabled for all users, excluding group g9."}}
}

test_null_feature_settings_fail if {
	count(ctl.violation) == 2 with input as f.with_policy(f.bend("MicrosoftAuthenticator", {"featureSettings": null}))
}

test_disabled_authenticator_fails if {
	ctl.violation == {{"message": "Microsoft Authenticator is not enabled in the authentication methods policy."}} with input as f.with_policy(f.bend("MicrosoftAuthenticator", {"state": "disabled"}))
}
