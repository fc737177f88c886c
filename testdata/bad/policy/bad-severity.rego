# METADATA
# scope: package
# title: Bad severity
# description: A policy from the bad input corpus.
# custom:
#   id: BAD-SEV-01
#   severity: apocalyptic
#   scope: user
#   remediation: Nothing, this policy is broken on purpose.
#   references:
#     - id: BAD
#       description: the bad input corpus
package authgate.bad.severity

violation contains v if {
	some u in input.userRegistrationDetails
	v := {"message": u.id}
}
