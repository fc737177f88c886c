# METADATA
# scope: package
# title: Few sign-ins should use SMS or voice
# description: >-
#   Over the period of the snapshot's usage section, the successful sign-ins
#   with an SMS or voice method must not exceed telephony_signin_max of all
#   successful sign-ins (userSignInsByAuthMethodSummary). The SMS and voice
#   methods are the usage reports' sms, smsSignIn, mobileSMS, mobileCall,
#   alternateMobileCall, officePhone, mobilePhone and alternateMobilePhone.
#   Graph gives these counts to delegated callers only: skipped when the
#   snapshot has no usage section or was fetched app-only.
# custom:
#   id: AM-USE-03
#   severity: medium
#   scope: tenant
#   anchor: usage
#   remediation: >-
#     Move the users who sign in with SMS or voice to Microsoft Authenticator
#     or passkeys: run a registration campaign, keep system-preferred
#     multifactor authentication enabled so the strongest registered method is
#     asked first, then limit SMS and Voice call in the Authentication methods
#     policy to an exception group.
#   references:
#     - id: CISA-SCuBA-MS.AAD.3.5v1
#       description: >-
#         CISA SCuBA Microsoft Entra ID baseline MS.AAD.3.5v1: the authentication
#         methods SMS, Voice Call and Email One-Time Passcode SHALL be disabled
#       url: https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md
#     - id: NIST-800-63B-5.1.3.3
#       description: NIST SP 800-63B 5.1.3.3, authentication using the public switched telephone network is restricted
#       url: https://pages.nist.gov/800-63-3/sp800-63b.html
#     - id: MS-GRAPH-USER-SIGNINS-BY-AUTH-METHOD
#       description: Microsoft Graph (beta) authenticationMethodsRoot userSignInsByAuthMethodSummary
#       url: https://learn.microsoft.com/graph/api/authenticationmethodsroot-usersigninsbyauthmethodsummary?view=graph-rest-beta
#   params:
#     telephony_signin_max: 0.2
#   param_schema:
#     telephony_signin_max: {minimum: 0, maximum: 1}
package authgate.builtin.usage_telephony_signins

import data.authgate.lib

has_usage if is_object(object.get(input, "usage", null))

delegated if input.usage.signInsSource == "graph"

rows := r if {
	r := input.usage.userSignInsByAuthMethodSummary
	is_array(r)
} else := []

total := sum([r.successActivityCount | some r in rows])

phone := sum([r.successActivityCount | some r in rows; lib.is_telephony_usage(r.authenticationMethod)])

skip contains "the snapshot has no usage section (fetch --include usage)" if not has_usage

skip contains "the snapshot has no sign-ins per method: Graph gives them to delegated fetches only" if {
	has_usage
	not delegated
}

skip contains "the usage section has no successful sign-ins in its period" if {
	delegated
	total == 0
}

violation contains v if {
	delegated
	value := lib.share(phone, total)
	threshold := data.authgate.params.telephony_signin_max
	value > threshold
	v := {
		"message": sprintf("%s of successful sign-ins used SMS or voice (%d of %d over %s), above the maximum of %s.", [lib.pct(value), phone, total, input.usage.period, lib.pct(threshold)]),
		"value": value,
		"threshold": threshold,
	}
}
