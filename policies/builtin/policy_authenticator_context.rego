# METADATA
# scope: package
# title: Microsoft Authenticator must be enabled and show the sign-in context
# description: >-
#   The Microsoft Authenticator configuration must be enabled, and its
#   displayAppInformationRequiredState and
#   displayLocationInformationRequiredState feature settings must be enabled
#   for all users with nobody excluded, so that a push notification names the
#   application and the location asking, which defeats MFA fatigue attacks.
#   "default" (Microsoft-managed) does not count as enabled. One violation
#   per failing setting.
# custom:
#   id: AM-POL-04
#   severity: high
#   scope: tenant
#   anchor: authenticationMethodsPolicy
#   remediation: >-
#     Enable Microsoft Authenticator for all users and, in its Configure tab,
#     set "Show application name in push and passwordless notifications" and
#     "Show geographic location in push and passwordless notifications" to
#     Enabled for all users, with no exclusion.
#   references:
#     - id: MS.AAD.3.3v1
#       description: >-
#         CISA SCuBA Microsoft Entra ID baseline MS.AAD.3.3v1: if Microsoft
#         Authenticator is enabled, it SHALL be configured to show login context information
#       url: https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md
#     - id: EIDSCA.AM01
#       description: Maester EIDSCA.AM01, Authentication Method - Microsoft Authenticator - State
#       url: https://maester.dev/docs/tests/EIDSCA.AM01
#     - id: EIDSCA.AM06
#       description: Maester EIDSCA.AM06, Microsoft Authenticator - Show application name in push and passwordless notifications
#       url: https://maester.dev/docs/tests/EIDSCA.AM06
#     - id: EIDSCA.AM07
#       description: Maester EIDSCA.AM07, Microsoft Authenticator - Included users/groups to show application name
#       url: https://maester.dev/docs/tests/EIDSCA.AM07
#     - id: EIDSCA.AM09
#       description: Maester EIDSCA.AM09, Microsoft Authenticator - Show geographic location in push and passwordless notifications
#       url: https://maester.dev/docs/tests/EIDSCA.AM09
#     - id: EIDSCA.AM10
#       description: Maester EIDSCA.AM10, Microsoft Authenticator - Included users/groups to show geographic location
#       url: https://maester.dev/docs/tests/EIDSCA.AM10
package authgate.builtin.policy_authenticator_context

import data.authgate.lib

skip contains lib.policy_skip

features := {
	"displayAppInformationRequiredState": "the application name",
	"displayLocationInformationRequiredState": "the geographic location",
}

authenticator := lib.config("MicrosoftAuthenticator")

violation contains v if {
	not lib.policy_skip
	authenticator
	not lib.config_enabled(authenticator)
	v := {"message": "Microsoft Authenticator is not enabled in the authentication methods policy."}
}

violation contains v if {
	not lib.policy_skip
	not authenticator
	v := {"message": "The authentication methods policy has no Microsoft Authenticator configuration."}
}

# shown(f) is true when feature setting f is enabled for all users, nobody excluded.
shown(f) if {
	lib.lc(f.state) == "enabled"
	lib.is_all_users(f.includeTarget)
	not excludes_someone(f)
}

excludes_someone(f) if {
	id := lib.get(lib.get(f, "excludeTarget", {}), "id", null)
	is_string(id)
	not id in {"", lib.no_group_id}
}

violation contains v if {
	not lib.policy_skip
	lib.config_enabled(authenticator)
	some key, what in features
	f := lib.get(lib.get(authenticator, "featureSettings", {}), key, null)
	not shown(f)
	v := {"message": sprintf("Microsoft Authenticator notifications do not show %s to all users: %s is %s.", [what, key, describe(f)])}
}

describe(f) := "not set" if not is_object(f)

describe(f) := sprintf("%v for %s", [object.get(f, "state", null), lib.describe_target(object.get(f, "includeTarget", {}))]) if {
	is_object(f)
	not excludes_someone(f)
}

describe(f) := sprintf("%v for %s, excluding %s", [object.get(f, "state", null), lib.describe_target(object.get(f, "includeTarget", {})), lib.describe_target(f.excludeTarget)]) if {
	is_object(f)
	excludes_someone(f)
}
