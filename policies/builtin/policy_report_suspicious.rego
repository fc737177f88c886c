# METADATA
# scope: package
# title: Users should be able to report suspicious MFA prompts
# description: >-
#   The authentication methods policy's reportSuspiciousActivitySettings (a
#   beta setting) should be enabled for all users, so that a user who receives
#   an MFA prompt they did not ask for can report it, which marks them high
#   risk. Skipped when the policy was fetched from v1.0, which lacks the
#   setting (fetch --api beta --include policy).
# custom:
#   id: AM-POL-09
#   severity: medium
#   scope: tenant
#   anchor: authenticationMethodsPolicy
#   remediation: >-
#     In Authentication methods > Settings, set Report suspicious activity to
#     Enabled for all users.
#   references:
#     - id: EIDSCA.AG02
#       description: Maester EIDSCA.AG02, Authentication Method - General Settings - Report suspicious activity - State
#       url: https://maester.dev/docs/tests/EIDSCA.AG02
#     - id: EIDSCA.AG03
#       description: Maester EIDSCA.AG03, Authentication Method - General Settings - Report suspicious activity - Included users/groups
#       url: https://maester.dev/docs/tests/EIDSCA.AG03
package authgate.builtin.policy_report_suspicious

import data.authgate.lib

beta if lib.policy_section.apiVersion == "beta"

skip contains lib.policy_skip

skip contains "the policy was fetched from Graph v1.0, which lacks reportSuspiciousActivitySettings (fetch --api beta --include policy)" if {
	not lib.policy_skip
	not beta
}

settings := lib.get(lib.methods_policy, "reportSuspiciousActivitySettings", null)

violation contains v if {
	beta
	not lib.policy_skip
	not on
	v := {"message": sprintf("Report suspicious activity is %v for %s, not enabled for all users.", [lib.get(settings, "state", null), lib.describe_target(lib.get(settings, "includeTarget", {}))])}
}

on if {
	lib.lc(settings.state) == "enabled"
	lib.is_all_users(settings.includeTarget)
}
