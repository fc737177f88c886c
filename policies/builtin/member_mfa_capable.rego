# METADATA
# scope: package
# title: Members must be MFA-capable
# description: >-
#   Every member user (userType member, in any case) must be MFA-capable (isMfaCapable, a null counting as not):
#   registered for a strong method that the authentication methods policy
#   allows. One violation per member who is not.
# custom:
#   id: AM-USR-02
#   severity: medium
#   scope: user
#   remediation: >-
#     Ask each listed member to register Microsoft Authenticator or a passkey at
#     https://aka.ms/mysecurityinfo (issue a Temporary Access Pass to users who
#     cannot sign in to register), make sure those methods are enabled for all
#     users in the Authentication methods policy, run a registration campaign for
#     Microsoft Authenticator, and require MFA for all users with a Conditional
#     Access policy so that the remaining users must register at their next
#     sign-in.
#   references:
#     - id: CIS-M365-5.2.3.4
#       description: >-
#         CIS Microsoft 365 Foundations v4.0.0, 5.2.3.4: Ensure all member users
#         are 'MFA capable'
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
#     - id: MS-ENTRA-REGISTRATION-CAMPAIGN
#       description: Run a registration campaign to set up Microsoft Authenticator
#       url: https://learn.microsoft.com/entra/identity/authentication/how-to-mfa-registration-campaign
package authgate.builtin.member_mfa_capable

import data.authgate.lib

violation contains v if {
	some u in input.userRegistrationDetails
	not u.isMfaCapable # first: most users are capable, and lib.is_member calls lower()
	lib.is_member(u)
	v := {
		"message": sprintf("Member %s is not MFA-capable: no strong method allowed by the authentication methods policy is registered.", [lib.name(u)]),
		"subject": lib.subject(u),
	}
}
