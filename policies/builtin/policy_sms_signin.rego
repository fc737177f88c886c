# METADATA
# scope: package
# title: SMS must not be usable as a sign-in identifier
# description: >-
#   No include target of the SMS configuration may have isUsableForSignIn
#   true (or unknown): SMS-based sign-in replaces the password with a code
#   sent to a phone number. Passes when SMS is disabled.
# custom:
#   id: AM-POL-03
#   severity: high
#   scope: tenant
#   anchor: authenticationMethodsPolicy
#   remediation: >-
#     In the SMS settings of the Authentication methods policy, turn off "Use
#     for sign-in" for every target (or disable SMS).
#   references:
#     - id: EIDSCA.AS04
#       description: Maester EIDSCA.AS04, Authentication Method - SMS - Use for sign-in
#       url: https://maester.dev/docs/tests/EIDSCA.AS04
#     - id: MS-GRAPH-SMS-TARGET
#       description: Microsoft Graph smsAuthenticationMethodTarget, isUsableForSignIn
#       url: https://learn.microsoft.com/graph/api/resources/smsauthenticationmethodtarget
package authgate.builtin.policy_sms_signin

import data.authgate.lib

skip contains lib.policy_skip

violation contains v if {
	not lib.policy_skip
	c := lib.config("Sms")
	not lib.config_disabled(c)
	ts := [t | some t in lib.targets(c, "includeTargets"); lib.get(t, "isUsableForSignIn", null) != false]
	count(ts) > 0
	v := {"message": sprintf("SMS is usable for sign-in for %s.", [lib.describe_targets(ts)])}
}
