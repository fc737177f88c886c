# METADATA
# scope: package
# title: Temporary Access Pass must be enabled and one-time
# description: >-
#   The Temporary Access Pass configuration must be enabled, so that people
#   without a strong method can be onboarded to one without falling back to
#   SMS, and its passes must be usable once only (isUsableOnce).
# custom:
#   id: AM-POL-06
#   severity: high
#   scope: tenant
#   anchor: authenticationMethodsPolicy
#   remediation: >-
#     Enable Temporary Access Pass in the Authentication methods policy and set
#     One-time use to Yes.
#   references:
#     - id: EIDSCA.AT01
#       description: Maester EIDSCA.AT01, Authentication Method - Temporary Access Pass - State
#       url: https://maester.dev/docs/tests/EIDSCA.AT01
#     - id: EIDSCA.AT02
#       description: Maester EIDSCA.AT02, Authentication Method - Temporary Access Pass - One-time
#       url: https://maester.dev/docs/tests/EIDSCA.AT02
package authgate.builtin.policy_tap

import data.authgate.lib

skip contains lib.policy_skip

tap := lib.config("TemporaryAccessPass")

violation contains v if {
	not lib.policy_skip
	not lib.config_enabled(tap)
	v := {"message": "Temporary Access Pass is not enabled in the authentication methods policy."}
}

violation contains v if {
	lib.config_enabled(tap)
	object.get(tap, "isUsableOnce", null) != true
	v := {"message": sprintf("Temporary Access Pass is not one-time (isUsableOnce is %v).", [object.get(tap, "isUsableOnce", null)])}
}
