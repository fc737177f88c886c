# METADATA
# scope: package
# title: Passkeys (FIDO2) must be enabled with attestation and key restrictions
# description: >-
#   The Passkey (FIDO2) configuration must be enabled and enforce
#   attestation (isAttestationEnforced), so that only genuine authenticators
#   register. When allowed_fido2_aaguids lists the authenticator models
#   (AAGUIDs) the organisation issues, key restrictions must also be enforced
#   as an allow list of those models only. One violation per failing setting.
# custom:
#   id: AM-POL-05
#   severity: high
#   scope: tenant
#   anchor: authenticationMethodsPolicy
#   remediation: >-
#     Enable Passkey (FIDO2) for all users; in its Configure tab set Enforce
#     attestation to Yes and, if the organisation issues specific security keys,
#     Enforce key restrictions to Yes with Restrict specific keys set to Allow
#     and the AAGUIDs of those keys.
#   references:
#     - id: EIDSCA.AF01
#       description: Maester EIDSCA.AF01, Authentication Method - FIDO2 security key - State
#       url: https://maester.dev/docs/tests/EIDSCA.AF01
#     - id: EIDSCA.AF03
#       description: Maester EIDSCA.AF03, Authentication Method - FIDO2 security key - Enforce attestation
#       url: https://maester.dev/docs/tests/EIDSCA.AF03
#     - id: EIDSCA.AF04
#       description: Maester EIDSCA.AF04, Authentication Method - FIDO2 security key - Enforce key restrictions
#       url: https://maester.dev/docs/tests/EIDSCA.AF04
#     - id: EIDSCA.AF05
#       description: Maester EIDSCA.AF05, Authentication Method - FIDO2 security key - Restricted
#       url: https://maester.dev/docs/tests/EIDSCA.AF05
#     - id: EIDSCA.AF06
#       description: Maester EIDSCA.AF06, Authentication Method - FIDO2 security key - Restrict specific keys
#       url: https://maester.dev/docs/tests/EIDSCA.AF06
#     - id: MS.AAD.3.1v1
#       description: >-
#         CISA SCuBA Microsoft Entra ID baseline MS.AAD.3.1v1: phishing-resistant
#         MFA SHALL be enforced for all users
#       url: https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md
#   params:
#     allowed_fido2_aaguids: []
package authgate.builtin.policy_passkeys

import data.authgate.lib

skip contains lib.policy_skip

fido2 := lib.config("Fido2")

allowed := {lower(a) | some a in data.authgate.params.allowed_fido2_aaguids; is_string(a)}

violation contains v if {
	not lib.policy_skip
	not lib.config_enabled(fido2)
	v := {"message": "Passkey (FIDO2) is not enabled in the authentication methods policy: nobody can register a phishing-resistant passkey."}
}

violation contains v if {
	lib.config_enabled(fido2)
	object.get(fido2, "isAttestationEnforced", null) != true
	v := {"message": sprintf("Passkey (FIDO2) does not enforce attestation (isAttestationEnforced is %v).", [object.get(fido2, "isAttestationEnforced", null)])}
}

restrictions := lib.get(fido2, "keyRestrictions", {})

listed := {lower(a) | some a in lib.get(restrictions, "aaGuids", []); is_string(a)}

violation contains v if {
	lib.config_enabled(fido2)
	count(allowed) > 0
	not restricted_to_allowed
	v := {"message": sprintf("Passkey (FIDO2) key restrictions are not enforced as an allow list of allowed_fido2_aaguids (isEnforced %v, enforcementType %v, aaGuids %s).", [
		lib.get(restrictions, "isEnforced", null), lib.get(restrictions, "enforcementType", null), concat(", ", sort(listed)),
	])}
}

restricted_to_allowed if {
	restrictions.isEnforced == true
	lib.lc(restrictions.enforcementType) == "allow"
	count(listed) > 0
	count(listed - allowed) == 0
}
