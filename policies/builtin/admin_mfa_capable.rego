# METADATA
# scope: package
# title: Administrators must be MFA-capable
# description: >-
#   Every user holding an Entra admin role (isAdmin) must be MFA-capable
#   (isMfaCapable): registered for a strong authentication method that the
#   authentication methods policy allows. One violation per admin who is not.
#   With a roles section, the admins also include every user who holds or is
#   eligible for a directory role, directly or through a group, and each
#   finding names those roles.
# custom:
#   id: AM-ADM-01
#   severity: critical
#   scope: user
#   remediation: >-
#     Have each listed administrator register a strong method (a FIDO2 security
#     key or a passkey in Microsoft Authenticator; the Authenticator app at least)
#     at https://aka.ms/mysecurityinfo, issuing a Temporary Access Pass where they
#     cannot sign in to register. Make sure the method is enabled for them in the
#     Authentication methods policy, since a registered but disabled method does
#     not make a user MFA-capable. Then enforce MFA for every directory role with
#     a Conditional Access policy whose grant control requires an authentication
#     strength.
#   references:
#     - id: CIS-M365-5.2.2.1
#       description: >-
#         CIS Microsoft 365 Foundations v4.0.0, 5.2.2.1: Ensure multifactor
#         authentication is enabled for all users in administrative roles
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
#     - id: MS-ENTRA-AUTH-METHODS
#       description: Microsoft Entra authentication methods
#       url: https://learn.microsoft.com/entra/identity/authentication/concept-authentication-methods
package authgate.builtin.admin_mfa_capable

import data.authgate.lib

violation contains v if {
	some u in lib.admins
	not u.isMfaCapable
	v := {
		"message": sprintf("Administrator %s is not MFA-capable: no strong method allowed by the authentication methods policy is registered.", [lib.admin_name(u)]),
		"subject": lib.admin_subject(u),
	}
}
