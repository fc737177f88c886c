package authgate.builtin.policy_passkeys_test

import data.authgate.builtin.policy_passkeys as ctl
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

test_attestation_off_fails if {
	ctl.violation == {{"message": "Passkey (FIDO2) does not enforce attestation (isAttestationEnforced is false)."}} with input as f.with_policy(f.bend("Fido2", {"isAttestationEnforced": false}))
}

test_disabled_fails if {
	count(ctl.violation) == 1 with input as f.with_policy(f.bend("Fido2", {"state": "disabled"}))
}

test_key_restrictions_only_with_a_parameter if {
	p := f.bend("Fido2", {"keyRestrictions": {"isEnforced": false, "enforcementType": "allow", "aaGuids": []}})
	count(ctl.violation) == 0 with input as f.with_policy(p)
	count(ctl.violation) == 1 with input as f.with_policy(p) with data.authgate.params.allowed_fido2_aaguids as ["AAGUID-1"]
}

test_allow_list_must_hold_only_allowed_models if {
	ok := f.with_policy(f.hardened_policy)
	count(ctl.violation) == 0 with input as ok with data.authgate.params.allowed_fido2_aaguids as ["AAGUID-1", "aaguid-2"]
	extra := f.with_policy(f.bend("Fido2", {"keyRestrictions": {"isEnforced": true, "enforcementType": "allow", "aaGuids": ["aaguid-1", "aaguid-x"]}}))
	count(ctl.violation) == 1 with input as extra with data.authgate.params.allowed_fido2_aaguids as ["aaguid-1"]
	block := f.with_policy(f.bend("Fido2", {"keyRestrictions": {"isEnforced": true, "enforcementType": "block", "aaGuids": ["aaguid-1"]}}))
	count(ctl.violation) == 1 with input as block with data.authgate.params.allowed_fido2_aaguids as ["aaguid-1"]
	nulls := f.with_policy(f.bend("Fido2", {"keyRestrictions": null}))
	count(ctl.violation) == 1 with input as nulls with data.authgate.params.allowed_fido2_aaguids as ["aaguid-1"]
}
