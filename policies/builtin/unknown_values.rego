# METADATA
# scope: package
# title: Every user's row must let the controls judge it
# description: >-
#   One violation per user whose row in the per-user report leaves a value the
#   controls need unknown: isAdmin, userType or a capability flag
#   (isMfaCapable, isMfaRegistered, isPasswordlessCapable, isSspr*,
#   isSystemPreferredAuthenticationMethodEnabled) or methodsRegistered null,
#   or a userType other than member and guest (unknownFutureValue, a value
#   added after this release). Graph's schema allows several of these nulls,
#   so the fetch keeps such rows, and the other controls judge them
#   conservatively: a null capability counts as not capable, a user of
#   unknown admin status is in no admin control and no admin share, a user of
#   unknown type in no member or guest share; the aggregates count these
#   users as unknown per scope. This control names them and the fields.
# custom:
#   id: AM-DQ-03
#   severity: high
#   scope: user
#   remediation: >-
#     Look each listed user up in the Entra admin center (roles, user type,
#     authentication methods) and fetch again: Graph fills most of these values
#     at its next refresh of the report. A userType the taxonomy does not know
#     needs a newer authgate release. Until the values are known, the admin and
#     coverage controls cannot vouch for these users.
#   references:
#     - id: MS-GRAPH-USER-REGISTRATION-DETAILS
#       description: Microsoft Graph userRegistrationDetails resource type (nullable properties, evolvable enums)
#       url: https://learn.microsoft.com/graph/api/resources/userregistrationdetails
#     - id: NIST-800-53-SI-10
#       description: NIST SP 800-53 Rev. 5 SI-10, information input validation
#       url: https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final
package authgate.builtin.unknown_values

import data.authgate.lib

# The evaluator adds the member "@authgate.unknown" to a row with unknown
# values. The direct reference, with the key written out rather than held in
# a rule, is undefined for complete rows, so they cost one lookup each: this
# control runs over every user of the tenant.
violation contains v if {
	some u in input.userRegistrationDetails
	fields := u["@authgate.unknown"]
	count(fields) > 0
	v := {
		"message": sprintf("User %s: the per-user report leaves %s unknown, so the other controls cannot vouch for this user.", [lib.name(u), concat(", ", [describe(u, f) | some f in fields])]),
		"subject": lib.subject(u),
	}
}

# describe(u, f) names the unknown field f of user u, with the raw value of
# a userType the controls cannot place.
describe(u, "userType") := sprintf("userType %q", [u.userType]) if object.get(u, "userType", "") != ""

describe(u, "userType") := "userType (null or empty)" if object.get(u, "userType", "") == ""

describe(_, f) := sprintf("%s (null)", [f]) if f != "userType"
