# METADATA
# scope: package
# title: Members who can reset their password have MFA registered
# description: >-
#   A member registered for self-service password reset but not for MFA can
#   recover the account with the reset methods alone. One of the two user
#   controls of the benchmark's custom pack (bench/run.sh), written to the
#   convention of docs/policies.md.
# custom:
#   id: BENCH-USR-01
#   severity: medium
#   scope: user
#   remediation: >-
#     Require MFA registration for every member registered for password reset.
#   references:
#     - id: NIST-800-63B-6.1.2.3
#       description: NIST SP 800-63B, replacement of lost authenticators
package authgate.benchpack.member_sspr_without_mfa

import data.authgate.lib

violation contains v if {
	some u in input.userRegistrationDetails
	u.userType == "member"
	u.isSsprRegistered
	not u.isMfaRegistered
	v := {
		"message": sprintf("Member %s can reset the password but has no MFA registered.", [lib.name(u)]),
		"subject": lib.subject(u),
	}
}
