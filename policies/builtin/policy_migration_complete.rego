# METADATA
# scope: package
# title: The authentication methods policy migration must be complete
# description: >-
#   The authentication methods policy's policyMigrationState must be
#   migrationComplete: until then the legacy MFA and SSPR method settings
#   still apply beside the policy, so a method disabled in the policy may
#   remain usable. Skipped when the snapshot has no policy section (fetch
#   --include policy) or the policy could not be read.
# custom:
#   id: AM-POL-01
#   severity: high
#   scope: tenant
#   anchor: authenticationMethodsPolicy
#   remediation: >-
#     Move every method still enabled in the legacy multifactor authentication
#     and SSPR settings into the Authentication methods policy, disable them in
#     the legacy pages, then set Manage migration to Migration Complete
#     (Entra admin center > Protection > Authentication methods > Policies).
#   references:
#     - id: MS.AAD.3.4v1
#       description: >-
#         CISA SCuBA Microsoft Entra ID baseline MS.AAD.3.4v1: the Authentication
#         Methods Manage Migration feature SHALL be set to Migration Complete
#       url: https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md
#     - id: EIDSCA.AG01
#       description: Maester EIDSCA.AG01, Authentication Method - General Settings - Manage migration
#       url: https://maester.dev/docs/tests/EIDSCA.AG01
#     - id: MS-ENTRA-AUTH-METHODS-MIGRATION
#       description: Microsoft Entra, how to migrate MFA and SSPR policy settings to the Authentication methods policy
#       url: https://learn.microsoft.com/entra/identity/authentication/how-to-authentication-methods-manage
package authgate.builtin.policy_migration_complete

import data.authgate.lib

skip contains lib.policy_skip

violation contains v if {
	not lib.policy_skip
	state := object.get(lib.methods_policy, "policyMigrationState", null)
	state != "migrationComplete"
	v := {"message": sprintf("The authentication methods policy's migration state is %v, not migrationComplete: the legacy MFA and SSPR method settings still apply beside it.", [state])}
}
