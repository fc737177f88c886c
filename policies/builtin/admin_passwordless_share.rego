# METADATA
# scope: package
# title: Administrators must be passwordless-capable
# description: >-
#   The share of administrators (isAdmin, any userType) who are
#   passwordless-capable (isPasswordlessCapable) must be at least
#   admin_passwordless_min. With a roles section, the administrators also
#   include every user in the report who holds or is eligible for a directory
#   role, directly or through a group. Skipped when the report has no
#   administrators.
# custom:
#   id: AM-PWL-02
#   severity: high
#   scope: tenant
#   remediation: >-
#     Register a passkey (FIDO2 security key or device-bound passkey in Microsoft
#     Authenticator) or Windows Hello for Business for every administrator, using
#     a Temporary Access Pass to bootstrap; enable those methods for admins in
#     the Authentication methods policy and require the "Phishing-resistant MFA"
#     authentication strength for directory roles in Conditional Access.
#   references:
#     - id: CIS-M365-5.2.2.5
#       description: >-
#         CIS Microsoft 365 Foundations v4.0.0, 5.2.2.5: Ensure 'Phishing-resistant
#         MFA strength' is required for Administrators
#       url: https://www.cisecurity.org/benchmark/microsoft_365
#     - id: CISA-SCuBA-MS.AAD.3.6v1
#       description: >-
#         CISA SCuBA Microsoft Entra ID baseline MS.AAD.3.6v1: phishing-resistant
#         MFA SHALL be required for highly privileged roles
#       url: https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md
#     - id: NIST-800-53-IA-2(1)
#       description: >-
#         NIST SP 800-53 Rev. 5 IA-2(1): multi-factor authentication to
#         privileged accounts
#       url: https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final
#     - id: MS-ENTRA-PASSWORDLESS
#       description: Passwordless authentication options for Microsoft Entra ID
#       url: https://learn.microsoft.com/entra/identity/authentication/concept-authentication-passwordless
#   params:
#     admin_passwordless_min: 0.8
#   param_schema:
#     admin_passwordless_min: {minimum: 0, maximum: 1}
package authgate.builtin.admin_passwordless_share

import data.authgate.lib

skip contains "the per-user report has no administrators" if input.aggregates.scopes.admin.users == 0

violation contains v if {
	c := input.aggregates.scopes.admin
	value := lib.share(c.passwordlessCapable, c.users)
	threshold := data.authgate.params.admin_passwordless_min
	value < threshold
	v := {
		"message": sprintf("%s of administrators are passwordless-capable (%d of %d%s), below the minimum of %s.", [lib.pct(value), c.passwordlessCapable, c.users, lib.unknown_note(c), lib.pct(threshold)]),
		"value": value,
		"threshold": threshold,
	}
}
