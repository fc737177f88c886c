# METADATA
# scope: package
# title: Administrators must have a phishing-resistant method
# description: >-
#   Every user holding an Entra admin role (isAdmin) must have registered at
#   least one phishing-resistant method (the taxonomy's phishingResistant class:
#   FIDO2 security key, device-bound passkey, Windows Hello for Business,
#   platform credential for macOS) in methodsRegistered. One violation per
#   admin without one.
#   With a roles section, the admins also include every user who holds or is
#   eligible for a directory role, directly or through a group, and each
#   finding names those roles.
# custom:
#   id: AM-ADM-02
#   severity: high
#   scope: user
#   remediation: >-
#     Register a phishing-resistant method for each listed administrator (a FIDO2
#     security key, a device-bound passkey in Microsoft Authenticator, Windows
#     Hello for Business or platform credential for macOS), bootstrapping with a
#     Temporary Access Pass; enable the Passkey (FIDO2) method for admins in the
#     Authentication methods policy. Then require the built-in "Phishing-resistant
#     MFA" authentication strength for all directory roles in a Conditional Access
#     policy.
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
#     - id: MS-ENTRA-AUTH-STRENGTHS
#       description: Microsoft Entra Conditional Access authentication strengths
#       url: https://learn.microsoft.com/entra/identity/authentication/concept-authentication-strengths
package authgate.builtin.admin_phishing_resistant

import data.authgate.lib

violation contains v if {
	some u in lib.admins
	not lib.phishing_resistant(u)
	v := {
		"message": sprintf("Administrator %s has no phishing-resistant method registered.", [lib.admin_name(u)]),
		"subject": lib.admin_subject(u),
	}
}
