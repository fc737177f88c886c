# METADATA
# scope: package
# title: Undefined
# custom:
#   id: BAD-REF-01
#   severity: high
#   scope: user
package authgate.bad.undefined

violation contains v if {
	some u in input.userRegistrationDetails
	not_a_function(u)
	v := {"message": u.id}
}
