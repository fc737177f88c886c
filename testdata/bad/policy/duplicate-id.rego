# METADATA
# scope: package
# title: Duplicate of a built-in id
# description: A policy from the bad input corpus.
# custom:
#   id: AM-ADM-01
#   severity: high
#   scope: user
#   remediation: Nothing, this policy is broken on purpose.
#   references:
#     - id: BAD
#       description: the bad input corpus
package authgate.bad.dup

violation contains v if {
	some u in input.userRegistrationDetails
	v := {"message": u.id}
}
