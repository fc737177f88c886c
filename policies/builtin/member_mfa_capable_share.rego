# METADATA
# scope: package
# title: Most members must be MFA-capable
# description: >-
#   The share of member users (userType member) who are MFA-capable
#   (isMfaCapable) must be at least mfa_capable_min. Skipped when the report
#   has no members.
# custom:
#   id: AM-USR-01
#   severity: high
#   scope: tenant
#   remediation: >-
#     Run an Authentication methods registration campaign for Microsoft
#     Authenticator, make sure the methods you want used are enabled for all
#     users in the Authentication methods policy, and require MFA for all users
#     with a Conditional Access policy so that unregistered users must register
#     at their next sign-in; follow up with the users AM-USR-02 lists and track
#     progress in the Authentication methods activity report.
#   references:
#     - id: CIS-M365-5.2.3.4
#       description: >-
#         CIS Microsoft 365 Foundations v4.0.0, 5.2.3.4: Ensure all member users
#         are 'MFA capable'
#       url: https://www.cisecurity.org/benchmark/microsoft_365
#     - id: CIS-M365-5.2.2.2
#       description: >-
#         CIS Microsoft 365 Foundations v4.0.0, 5.2.2.2: Ensure multifactor
#         authentication is enabled for all users
#       url: https://www.cisecurity.org/benchmark/microsoft_365
#     - id: CISA-SCuBA-MS.AAD.3.2v1
#       description: >-
#         CISA SCuBA Microsoft Entra ID baseline MS.AAD.3.2v1: if phishing-resistant
#         MFA has not been enforced, an alternative MFA method SHALL be enforced for
#         all users
#       url: https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md
#     - id: NIST-800-53-IA-2(2)
#       description: >-
#         NIST SP 800-53 Rev. 5 IA-2(2): multi-factor authentication to
#         non-privileged accounts
#       url: https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final
#     - id: MS-ENTRA-AUTH-METHODS-ACTIVITY
#       description: Authentication methods activity report
#       url: https://learn.microsoft.com/entra/identity/authentication/howto-authentication-methods-activity
#   params:
#     mfa_capable_min: 0.95
#   param_schema:
#     mfa_capable_min: {minimum: 0, maximum: 1}
package authgate.builtin.member_mfa_capable_share

import data.authgate.lib

skip contains "the per-user report has no member users" if input.aggregates.scopes.member.users == 0

violation contains v if {
	c := input.aggregates.scopes.member
	value := lib.share(c.mfaCapable, c.users)
	threshold := data.authgate.params.mfa_capable_min
	value < threshold
	v := {
		"message": sprintf("%s of members are MFA-capable (%d of %d%s), below the minimum of %s.", [lib.pct(value), c.mfaCapable, c.users, lib.unknown_note(c), lib.pct(threshold)]),
		"value": value,
		"threshold": threshold,
	}
}
