# METADATA
# scope: package
# title: Users must not rely on weak methods only
# description: >-
#   A user who registered at least one authentication method must have at least
#   one that is not weak (the taxonomy's weak class: mobilePhone,
#   alternateMobilePhone, officePhone, email, securityQuestion). One violation
#   per user whose registered methods are all weak; users with no registered
#   method are not judged here (AM-USR-02 and AM-ADM-01 cover them).
# custom:
#   id: AM-WEAK-01
#   severity: medium
#   scope: user
#   remediation: >-
#     Have each listed user register Microsoft Authenticator or a passkey (target
#     them with a registration campaign), then remove their phone and email
#     methods or disable SMS, Voice call and Email OTP in the Authentication
#     methods policy once stronger methods are in place; retire security
#     questions, which only the legacy SSPR policy offers.
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
#     - id: NIST-800-53-IA-2(2)
#       description: >-
#         NIST SP 800-53 Rev. 5 IA-2(2): multi-factor authentication to
#         non-privileged accounts
#       url: https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final
#     - id: MS-ENTRA-AUTH-METHODS-MANAGE
#       description: Manage authentication methods for Microsoft Entra ID
#       url: https://learn.microsoft.com/entra/identity/authentication/concept-authentication-methods-manage
package authgate.builtin.weak_methods_only

import data.authgate.lib

# This control walks every user of the tenant, so its tests are written for
# speed: the weak set is read once, before the walk, and a weak first method
# is a one-lookup test every weak-only user passes (and one with no methods
# fails), so most users stop there.
violation contains v if {
	weak := lib.weak_methods
	some u in input.userRegistrationDetails
	weak[u.methodsRegistered[0]]
	every m in u.methodsRegistered { weak[m] }
	v := {
		"message": sprintf("User %s has only weak methods registered: %s.", [lib.name(u), concat(", ", u.methodsRegistered)]),
		"subject": lib.subject(u),
	}
}
