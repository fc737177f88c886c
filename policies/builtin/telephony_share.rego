# METADATA
# scope: package
# title: Few users should rely on phone methods
# description: >-
#   The share of all users with at least one telephony method registered (the
#   taxonomy's telephony class: mobilePhone, alternateMobilePhone, officePhone)
#   must not exceed telephony_max. Skipped when the report has no users.
# custom:
#   id: AM-WEAK-02
#   severity: low
#   scope: tenant
#   remediation: >-
#     Reduce reliance on SMS and voice: run a registration campaign for
#     Microsoft Authenticator, keep system-preferred multifactor authentication
#     enabled, and once users have stronger methods disable SMS and Voice call in
#     the Authentication methods policy (or limit them to an exception group)
#     and ask users to delete their phone numbers at https://aka.ms/mysecurityinfo.
#   references:
#     - id: CIS-M365-5.2.3.5
#       description: >-
#         CIS Microsoft 365 Foundations v4.0.0, 5.2.3.5: Ensure weak
#         authentication methods are disabled
#       url: https://www.cisecurity.org/benchmark/microsoft_365
#     - id: CISA-SCuBA-MS.AAD.3.5v1
#       description: >-
#         CISA SCuBA Microsoft Entra ID baseline MS.AAD.3.5v1: the authentication
#         methods SMS, Voice Call and Email One-Time Passcode SHALL be disabled
#       url: https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md
#     - id: NIST-800-53-IA-5
#       description: NIST SP 800-53 Rev. 5 IA-5, authenticator management
#       url: https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final
#     - id: MS-ENTRA-AUTH-METHODS-MANAGE
#       description: Manage authentication methods for Microsoft Entra ID
#       url: https://learn.microsoft.com/entra/identity/authentication/concept-authentication-methods-manage
#   params:
#     telephony_max: 0.5
#   param_schema:
#     telephony_max: {minimum: 0, maximum: 1}
package authgate.builtin.telephony_share

import data.authgate.lib

skip contains "the per-user report has no users" if input.aggregates.scopes.all.users == 0

violation contains v if {
	c := input.aggregates.scopes.all
	n := lib.count_of(object.get(c, "classes", {}), "telephony")
	value := lib.share(n, c.users)
	threshold := data.authgate.params.telephony_max
	value > threshold
	v := {
		"message": sprintf("%s of users have a phone method registered (%d of %d%s), above the maximum of %s.", [lib.pct(value), n, c.users, lib.unknown_note(c), lib.pct(threshold)]),
		"value": value,
		"threshold": threshold,
	}
}
