# METADATA
# scope: package
# title: Administrators must not use SMS or voice as second factor
# description: >-
#   An administrator's effective second factor must not be SMS or a voice call
#   (the taxonomy's telephonySecondFactors: sms, voiceMobile,
#   voiceAlternateMobile, voiceOffice; compared case-insensitively). The
#   effective second factor is systemPreferredAuthenticationMethods when
#   isSystemPreferredAuthenticationMethodEnabled is true (any SMS or voice value
#   there counts), else userPreferredMethodForSecondaryAuthentication. One
#   violation per admin.
#   With a roles section, the admins also include every user who holds or is
#   eligible for a directory role, directly or through a group, and each
#   finding names those roles.
# custom:
#   id: AM-ADM-03
#   severity: high
#   scope: user
#   remediation: >-
#     Move the listed administrators off SMS and voice: have them register a
#     phishing-resistant method or at least Microsoft Authenticator, delete their
#     phone methods, and keep system-preferred multifactor authentication enabled
#     so Entra prompts for the strongest registered method. Exclude an
#     administrators group from the SMS and Voice call methods in the
#     Authentication methods policy, and require the "Phishing-resistant MFA"
#     authentication strength for directory roles in Conditional Access.
#   references:
#     - id: CIS-M365-5.2.3.5
#       description: >-
#         CIS Microsoft 365 Foundations v4.0.0, 5.2.3.5: Ensure weak
#         authentication methods are disabled
#       url: https://www.cisecurity.org/benchmark/microsoft_365
#     - id: CISA-SCuBA-MS.AAD.3.5v1
#       description: >-
#         CISA SCuBA Microsoft Entra ID baseline MS.AAD.3.5v1: the authentication
#         methods SMS, Voice Call and Email One-Time Passcode SHALL be disabled
#       url: https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md
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
#     - id: MS-ENTRA-SYSTEM-PREFERRED-MFA
#       description: System-preferred multifactor authentication
#       url: https://learn.microsoft.com/entra/identity/authentication/concept-system-preferred-multifactor-authentication
package authgate.builtin.admin_telephony_second_factor

import data.authgate.lib

violation contains v if {
	some u in lib.admins
	factor := telephony_second_factor(u)
	v := {
		"message": sprintf("Administrator %s uses %s as second factor.", [lib.admin_name(u), factor]),
		"subject": lib.admin_subject(u),
	}
}

# telephony_second_factor(u) describes u's effective SMS or voice second
# factor; it is undefined when the effective second factor is neither.
telephony_second_factor(u) := sprintf("%s (system-preferred)", [concat(", ", ms)]) if {
	u.isSystemPreferredAuthenticationMethodEnabled == true
	ms := [m | some m in u.systemPreferredAuthenticationMethods; lib.is_telephony_second_factor(m)]
	count(ms) > 0
}

telephony_second_factor(u) := sprintf("%s (user-preferred)", [m]) if {
	not u.isSystemPreferredAuthenticationMethodEnabled
	m := object.get(u, "userPreferredMethodForSecondaryAuthentication", "")
	lib.is_telephony_second_factor(m)
}
