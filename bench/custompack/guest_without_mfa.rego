# METADATA
# scope: package
# title: Guests have MFA registered
# description: >-
#   A guest account without a registered MFA method signs in to the tenant
#   with a password alone. One of the two user controls of the benchmark's
#   custom pack (bench/run.sh), written to the convention of
#   docs/policies.md.
# custom:
#   id: BENCH-USR-02
#   severity: high
#   scope: user
#   remediation: >-
#     Require guests to register MFA, or remove the guests who cannot.
#   references:
#     - id: CIS-M365-5.2.2.1
#       description: CIS Microsoft 365 Foundations, MFA for all users
package authgate.benchpack.guest_without_mfa

import data.authgate.lib

violation contains v if {
	some u in input.userRegistrationDetails
	u.userType == "guest"
	not u.isMfaRegistered
	v := {
		"message": sprintf("Guest %s has no MFA method registered: %s.", [lib.name(u), concat(", ", u.methodsRegistered)]),
		"subject": lib.subject(u),
	}
}
