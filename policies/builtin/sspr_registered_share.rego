# METADATA
# scope: package
# title: SSPR-enabled users should be registered for SSPR
# description: >-
#   Among all users enabled for self-service password reset (isSsprEnabled),
#   the share who registered for it must be at least sspr_registered_min. A user
#   counts as registered when isSsprCapable is true, which Graph defines as
#   registered and enabled. Skipped when no user is enabled for SSPR.
# custom:
#   id: AM-SSPR-01
#   severity: low
#   scope: tenant
#   remediation: >-
#     In the Password reset registration settings set "Require users to register
#     when signing in" to Yes and choose the number of days before users are
#     asked to reconfirm their information; make sure the methods SSPR accepts
#     include ones users have (Microsoft Authenticator notification or code),
#     and use the combined security info registration so users register for MFA
#     and SSPR together.
#   references:
#     - id: CIS-M365-5.2.4.1
#       description: >-
#         CIS Microsoft 365 Foundations v4.0.0, 5.2.4.1: Ensure 'Self service
#         password reset enabled' is set to 'All'
#       url: https://www.cisecurity.org/benchmark/microsoft_365
#     - id: NIST-800-53-IA-5
#       description: NIST SP 800-53 Rev. 5 IA-5, authenticator management
#       url: https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final
#     - id: MS-ENTRA-SSPR-TUTORIAL
#       description: Enable Microsoft Entra self-service password reset
#       url: https://learn.microsoft.com/entra/identity/authentication/tutorial-enable-sspr
#   params:
#     sspr_registered_min: 0.9
#   param_schema:
#     sspr_registered_min: {minimum: 0, maximum: 1}
package authgate.builtin.sspr_registered_share

import data.authgate.lib

skip contains "no user is enabled for self-service password reset" if input.aggregates.scopes.all.ssprEnabled == 0

violation contains v if {
	c := input.aggregates.scopes.all
	value := lib.share(c.ssprCapable, c.ssprEnabled)
	threshold := data.authgate.params.sspr_registered_min
	value < threshold
	v := {
		"message": sprintf("%s of SSPR-enabled users are registered for SSPR (%d of %d%s), below the minimum of %s.", [lib.pct(value), c.ssprCapable, c.ssprEnabled, lib.unknown_note(c), lib.pct(threshold)]),
		"value": value,
		"threshold": threshold,
	}
}
