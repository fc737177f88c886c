# METADATA
# scope: package
# title: System-preferred MFA must be enabled for every user
# description: >-
#   Every user must have system-preferred multifactor authentication enabled
#   (isSystemPreferredAuthenticationMethodEnabled), so that Entra asks for the
#   strongest method a user registered. One tenant-level violation whose value
#   is the number of users with it disabled (threshold 0).
# custom:
#   id: AM-SPM-01
#   severity: low
#   scope: tenant
#   remediation: >-
#     In the Authentication methods policy settings set System-preferred
#     multifactor authentication to Enabled for all users (the Microsoft managed
#     state also enables it) and remove any excluded groups; the users counted
#     here are excluded or their state was set to disabled.
#   references:
#     - id: CIS-M365-5.2.3.6
#       description: >-
#         CIS Microsoft 365 Foundations v4.0.0, 5.2.3.6: Ensure system-preferred
#         multifactor authentication is enabled
#       url: https://www.cisecurity.org/benchmark/microsoft_365
#     - id: NIST-800-53-IA-2
#       description: NIST SP 800-53 Rev. 5 IA-2, identification and authentication (organizational users)
#       url: https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final
#     - id: MS-ENTRA-SYSTEM-PREFERRED-MFA
#       description: System-preferred multifactor authentication
#       url: https://learn.microsoft.com/entra/identity/authentication/concept-system-preferred-multifactor-authentication
package authgate.builtin.system_preferred_mfa

violation contains v if {
	c := input.aggregates.scopes.all
	n := c.users - c.systemPreferredEnabled
	n > 0
	v := {
		"message": sprintf("%d of %d users have system-preferred multifactor authentication disabled.", [n, c.users]),
		"value": n,
		"threshold": 0,
	}
}
