# METADATA
# scope: package
# title: SMS, voice call and email OTP must be disabled
# description: >-
#   The SMS, Voice call and Email OTP configurations of the authentication
#   methods policy must be disabled, or enabled only for the groups named in
#   telephony_exception_groups (their object ids), for people who cannot yet
#   use anything else. A configuration whose state is neither enabled nor
#   disabled, or that the policy lacks, counts as enabled. Judged whatever
#   the migration state: a method the policy enables is enabled. One
#   violation per configuration.
# custom:
#   id: AM-POL-02
#   severity: high
#   scope: tenant
#   anchor: authenticationMethodsPolicy
#   remediation: >-
#     First move the users AM-POL-11 lists to Microsoft Authenticator or a
#     passkey (a registration campaign helps), then disable SMS, Voice call and
#     Email OTP in the Authentication methods policy, or limit them to an
#     exception group named in telephony_exception_groups.
#   references:
#     - id: MS.AAD.3.5v1
#       description: >-
#         CISA SCuBA Microsoft Entra ID baseline MS.AAD.3.5v1: the authentication
#         methods SMS, Voice Call, and Email One-Time Passcode (OTP) SHALL be disabled
#       url: https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md
#     - id: EIDSCA.AV01
#       description: Maester EIDSCA.AV01, Authentication Method - Voice call - State
#       url: https://maester.dev/docs/tests/EIDSCA.AV01
#     - id: NIST-800-63B-5.1.3.3
#       description: NIST SP 800-63B 5.1.3.3, authentication using the public switched telephone network is restricted
#       url: https://pages.nist.gov/800-63-3/sp800-63b.html
#   params:
#     telephony_exception_groups: []
package authgate.builtin.policy_weak_methods_disabled

import data.authgate.lib

skip contains lib.policy_skip

exceptions := {lower(g) | some g in data.authgate.params.telephony_exception_groups; is_string(g)}

# limited(c) is true when c includes only exception groups.
limited(c) if {
	count(exceptions) > 0
	ts := lib.targets(c, "includeTargets")
	count(ts) > 0
	every t in ts {
		lib.target_type(t) == "group"
		lib.lc(lib.get(t, "id", "")) in exceptions
	}
}

violation contains v if {
	not lib.policy_skip
	some id in ["Sms", "Voice", "Email"]
	not lib.config(id)
	v := {"message": sprintf("The authentication methods policy has no %s configuration: its state is unknown.", [lib.config_name(id)])}
}

violation contains v if {
	not lib.policy_skip
	some id in ["Sms", "Voice", "Email"]
	c := lib.config(id)
	not lib.config_disabled(c)
	not limited(c)
	v := {"message": sprintf("%s is %s in the authentication methods policy for %s.", [lib.config_name(id), lib.config_state(c), lib.describe_targets(lib.targets(c, "includeTargets"))])}
}
