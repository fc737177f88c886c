# METADATA
# scope: package
# title: The methods policy must not weaken since the baseline
# description: >-
#   Compared with the baseline snapshot's authentication methods policy, no
#   phishing-resistant method configuration (Passkey (FIDO2),
#   certificate-based authentication) enabled then may be disabled now (or
#   gone, or in an unknown state), and no SMS, Voice call or Email OTP
#   configuration disabled then may be anything but disabled now. One
#   violation per configuration. Skipped without a baseline, when the
#   baseline is another tenant's, or when either side has no policy section.
# custom:
#   id: AM-TRD-04
#   severity: high
#   scope: tenant
#   anchor: authenticationMethodsPolicy
#   remediation: >-
#     Find who changed the configuration in the Entra audit log (category
#     Policy, activity "Authentication Methods Policy Update"), and restore it
#     unless the change was approved; then re-baseline.
#   references:
#     - id: MS.AAD.3.5v1
#       description: >-
#         CISA SCuBA Microsoft Entra ID baseline MS.AAD.3.5v1: the authentication
#         methods SMS, Voice Call, and Email One-Time Passcode (OTP) SHALL be disabled
#       url: https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md
#     - id: EIDSCA.AF01
#       description: Maester EIDSCA.AF01, Authentication Method - FIDO2 security key - State
#       url: https://maester.dev/docs/tests/EIDSCA.AF01
#     - id: NIST-800-53-CM-3
#       description: NIST SP 800-53 Rev. 5 CM-3, configuration change control
#       url: https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final
package authgate.builtin.trend_policy_weakened

import data.authgate.lib

baseline := data.authgate.baseline

base_section := lib.get(baseline, "authenticationMethodsPolicy", null)

skip contains "no baseline snapshot was given (check --baseline FILE)" if not data.authgate.baseline

skip contains sprintf("the baseline is a snapshot of tenant %s, not %s", [baseline.manifest.tenantId, input.manifest.tenantId]) if {
	baseline.manifest.tenantId != input.manifest.tenantId
}

skip contains "the baseline snapshot has no authentication methods policy (fetch --include policy)" if {
	baseline
	lib.get(base_section, "source", "") != "graph"
}

skip contains lib.policy_skip if baseline

base_config(id) := cs[0] if {
	cs := [c | some c in lib.get(base_section.policy, "authenticationMethodConfigurations", []); is_object(c); lib.lc(c.id) == lower(id)]
	count(cs) > 0
}

current_state(id) := lib.config_state(lib.config(id)) if lib.config(id)

else := "absent"

violation contains v if {
	not lib.policy_skip
	some id in ["Fido2", "X509Certificate"]
	lib.config_state(base_config(id)) == "enabled"
	current_state(id) != "enabled"
	v := {"message": sprintf("%s was enabled at the baseline of %s and is %s now: a phishing-resistant method was taken away.", [lib.config_name(id), baseline.manifest.fetchedAt, current_state(id)])}
}

violation contains v if {
	not lib.policy_skip
	some id in ["Sms", "Voice", "Email"]
	lib.config_state(base_config(id)) == "disabled"
	current_state(id) != "disabled"
	v := {"message": sprintf("%s was disabled at the baseline of %s and is %s now: a retired weak method came back.", [lib.config_name(id), baseline.manifest.fetchedAt, current_state(id)])}
}
