# METADATA
# scope: package
# title: System-preferred MFA should be enabled for all users
# description: >-
#   The authentication methods policy's systemCredentialPreferences (a beta
#   setting) should be enabled for all users, so that sign-in asks for the
#   strongest method each user registered rather than the one they prefer.
#   Skipped when the policy was fetched from v1.0, which lacks the setting
#   (fetch --api beta --include policy).
# custom:
#   id: AM-POL-08
#   severity: medium
#   scope: tenant
#   anchor: authenticationMethodsPolicy
#   remediation: >-
#     In Authentication methods > Settings, set System-preferred multifactor
#     authentication to Enabled for all users.
#   references:
#     - id: MS-ENTRA-SYSTEM-PREFERRED-MFA
#       description: Microsoft Entra, system-preferred multifactor authentication
#       url: https://learn.microsoft.com/entra/identity/authentication/concept-system-preferred-multifactor-authentication
#     - id: MS-GRAPH-BETA-AUTH-METHODS-POLICY
#       description: Microsoft Graph (beta) authenticationMethodsPolicy, systemCredentialPreferences
#       url: https://learn.microsoft.com/graph/api/resources/authenticationmethodspolicy?view=graph-rest-beta
package authgate.builtin.policy_system_preferred

import data.authgate.lib

beta if lib.policy_section.apiVersion == "beta"

skip contains lib.policy_skip

skip contains "the policy was fetched from Graph v1.0, which lacks systemCredentialPreferences (fetch --api beta --include policy)" if {
	not lib.policy_skip
	not beta
}

prefs := lib.get(lib.methods_policy, "systemCredentialPreferences", null)

violation contains v if {
	beta
	not lib.policy_skip
	not on
	v := {"message": sprintf("System-preferred MFA is %v for %s, not enabled for all users.", [lib.get(prefs, "state", null), lib.describe_targets(lib.targets(prefs, "includeTargets"))])}
}

on if {
	lib.lc(prefs.state) == "enabled"
	some t in lib.targets(prefs, "includeTargets")
	lib.is_all_users(t)
}
