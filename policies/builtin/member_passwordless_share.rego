# METADATA
# scope: package
# title: Members should be passwordless-capable
# description: >-
#   The share of member users (userType member) who are passwordless-capable
#   (isPasswordlessCapable: a passkey, Windows Hello for Business or Microsoft
#   Authenticator passwordless sign-in registered and allowed) must be at least
#   passwordless_min. Skipped when the report has no members.
# custom:
#   id: AM-PWL-01
#   severity: medium
#   scope: tenant
#   remediation: >-
#     Enable Passkey (FIDO2) including passkeys in Microsoft Authenticator, and
#     Microsoft Authenticator passwordless sign-in, for members in the
#     Authentication methods policy; deploy Windows Hello for Business on managed
#     Windows devices; roll out by group with a registration campaign and
#     Temporary Access Passes for onboarding, and track progress in the
#     Authentication methods activity report.
#   references:
#     - id: CISA-SCuBA-MS.AAD.3.1v1
#       description: >-
#         CISA SCuBA Microsoft Entra ID baseline MS.AAD.3.1v1: phishing-resistant
#         MFA SHALL be enforced for all users
#       url: https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md
#     - id: NIST-800-53-IA-2(2)
#       description: >-
#         NIST SP 800-53 Rev. 5 IA-2(2): multi-factor authentication to
#         non-privileged accounts
#       url: https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final
#     - id: MS-ENTRA-PASSWORDLESS
#       description: Passwordless authentication options for Microsoft Entra ID
#       url: https://learn.microsoft.com/entra/identity/authentication/concept-authentication-passwordless
#   params:
#     passwordless_min: 0.25
#   param_schema:
#     passwordless_min: {minimum: 0, maximum: 1}
package authgate.builtin.member_passwordless_share

import data.authgate.lib

skip contains "the per-user report has no member users" if input.aggregates.scopes.member.users == 0

violation contains v if {
	c := input.aggregates.scopes.member
	value := lib.share(c.passwordlessCapable, c.users)
	threshold := data.authgate.params.passwordless_min
	value < threshold
	v := {
		"message": sprintf("%s of members are passwordless-capable (%d of %d%s), below the minimum of %s.", [lib.pct(value), c.passwordlessCapable, c.users, lib.unknown_note(c), lib.pct(threshold)]),
		"value": value,
		"threshold": threshold,
	}
}
