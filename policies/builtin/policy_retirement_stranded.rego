# METADATA
# scope: package
# title: Retiring SMS, voice and email OTP must not strand users
# description: >-
#   The MFA-capable users whose only MFA methods are telephony (SMS or voice
#   to a mobile, alternate or office phone, with or without email) would lose
#   MFA the day SMS, voice and email OTP are disabled as MS.AAD.3.5v1
#   requires. One tenant finding counts them and lists them (the first
#   hundred by userPrincipalName), so that the retirement can be planned.
#   Skipped without a policy section (fetch --include policy).
# custom:
#   id: AM-POL-11
#   severity: medium
#   scope: tenant
#   anchor: authenticationMethodsPolicy
#   remediation: >-
#     Before disabling SMS, Voice call and Email OTP, have each listed user
#     register Microsoft Authenticator or a passkey: enable a registration
#     campaign for them, or issue Temporary Access Passes. Then retire the
#     phone methods.
#   references:
#     - id: MS.AAD.3.5v1
#       description: >-
#         CISA SCuBA Microsoft Entra ID baseline MS.AAD.3.5v1: the authentication
#         methods SMS, Voice Call, and Email One-Time Passcode (OTP) SHALL be disabled
#       url: https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md
#     - id: MS-ENTRA-REGISTRATION-CAMPAIGN
#       description: Microsoft Entra, run a registration campaign to set up Microsoft Authenticator
#       url: https://learn.microsoft.com/entra/identity/authentication/how-to-mfa-registration-campaign
package authgate.builtin.policy_retirement_stranded

import data.authgate.lib

skip contains "the snapshot has no authentication methods policy (fetch --include policy)" if not is_object(lib.policy_section)

retirement := lib.get(lib.policy_section, "retirement", null)

violation contains v if {
	n := retirement.count
	n > 0
	users := [sprintf("%s (%s)", [lib.name(u), concat(", ", u.methodsRegistered)]) | some u in retirement.users]
	more := n - count(users)
	v := {
		"message": sprintf("%d MFA-capable users have only SMS or voice for MFA: disabling SMS, voice and email OTP would leave them without MFA. %s%s.", [n, concat("; ", users), tail(more)]),
		"value": n,
	}
}

tail(more) := "" if more <= 0

tail(more) := sprintf("; and %d more", [more]) if more > 0
