# METADATA
# scope: package
# title: Few sign-ins should be single-factor
# description: >-
#   Over the period of the snapshot's usage section, the single-factor
#   sign-ins (the sum of userMfaSignInSummary's singleFactorSignIns) must not
#   exceed single_factor_signin_max of all sign-ins (the sum of totalSignIns).
#   Registration says who could use MFA; this says who does. Skipped when the
#   snapshot has no usage section (fetch --include usage) or no sign-ins in
#   the period. Days that contradict themselves (AM-DQ-04) count in neither
#   sum.
# custom:
#   id: AM-USE-02
#   severity: high
#   scope: tenant
#   anchor: usage
#   remediation: >-
#     Require multifactor authentication for every user with Conditional
#     Access (or security defaults), close the exclusions that let users sign
#     in with a password alone, and review the single-factor sign-ins in the
#     sign-in logs (authenticationRequirement singleFactorAuthentication) to
#     find the applications and users concerned.
#   references:
#     - id: CIS-M365-5.2.2.2
#       description: >-
#         CIS Microsoft 365 Foundations v4.0.0, 5.2.2.2: Ensure multifactor
#         authentication is enabled for all users
#       url: https://www.cisecurity.org/benchmark/microsoft_365
#     - id: CISA-SCuBA-MS.AAD.3.2v1
#       description: >-
#         CISA SCuBA Microsoft Entra ID baseline MS.AAD.3.2v1: if phishing-resistant
#         MFA has not been enforced, an alternative MFA method SHALL be enforced for all users
#       url: https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md
#     - id: NIST-800-53-IA-2(1)
#       description: NIST SP 800-53 Rev. 5 IA-2(1), multi-factor authentication to privileged and non-privileged accounts
#       url: https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final
#     - id: MS-GRAPH-USER-MFA-SIGNIN-SUMMARY
#       description: Microsoft Graph (beta) authenticationMethodsRoot userMfaSignInSummary
#       url: https://learn.microsoft.com/graph/api/authenticationmethodsroot-list-usermfasigninsummary?view=graph-rest-beta
#   params:
#     single_factor_signin_max: 0.05
#   param_schema:
#     single_factor_signin_max: {minimum: 0, maximum: 1}
package authgate.builtin.usage_single_factor_signins

import data.authgate.lib

has_usage if is_object(object.get(input, "usage", null))

# days are the userMfaSignInSummary rows that do not contradict
# themselves ([] when absent or null): AM-DQ-04 reports the others.
days := [d | some d in all_days; lib.usage_day_consistent(d)]

all_days := d if {
	d := input.usage.userMfaSignInSummary
	is_array(d)
} else := []

total := sum([d.totalSignIns | some d in days])

single := sum([d.singleFactorSignIns | some d in days])

skip contains "the snapshot has no usage section (fetch --include usage)" if not has_usage

skip contains "the usage section has no sign-ins in its period" if {
	has_usage
	total == 0
}

violation contains v if {
	value := lib.share(single, total)
	threshold := data.authgate.params.single_factor_signin_max
	value > threshold
	v := {
		"message": sprintf("%s of sign-ins were single-factor (%d of %d over %s), above the maximum of %s.", [lib.pct(value), single, total, input.usage.period, lib.pct(threshold)]),
		"value": value,
		"threshold": threshold,
	}
}
