# METADATA
# scope: package
# title: Every method name must be in the taxonomy
# description: >-
#   Lists, one violation each, the method names found in the per-user report's
#   methodsRegistered or in Graph's usersRegisteredByMethod summaries that the
#   method taxonomy does not class, so the taxonomy can be updated. Controls
#   treat an unknown name as neither phishing-resistant nor weak.
# custom:
#   id: AM-TAX-01
#   severity: info
#   scope: tenant
#   remediation: >-
#     Look the names up in Microsoft's authentication methods documentation and
#     add each to the right classes of the method taxonomy (a newer authgate
#     release, or report them to the authgate project); until then AM-ADM-02,
#     AM-BG-01 and AM-WEAK-01 cannot credit or blame them.
#   references:
#     - id: MS-GRAPH-USER-REGISTRATION-DETAILS
#       description: Microsoft Graph userRegistrationDetails resource type (methodsRegistered)
#       url: https://learn.microsoft.com/graph/api/resources/userregistrationdetails
#     - id: MS-ENTRA-AUTH-METHODS
#       description: Microsoft Entra authentication methods
#       url: https://learn.microsoft.com/entra/identity/authentication/concept-authentication-methods
#     - id: NIST-800-53-IA-2
#       description: NIST SP 800-53 Rev. 5 IA-2, identification and authentication (organizational users)
#       url: https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final
package authgate.builtin.unknown_methods

import data.authgate.lib

# names are the method names of the per-user report and the method summaries.
names contains m if some m, _ in input.aggregates.scopes.all.methods

names contains c.authenticationMethod if {
	some s in object.get(input, "usersRegisteredByMethod", [])
	some c in s.userRegistrationMethodCounts
}

violation contains v if {
	some m in names
	not lib.known_methods[m]
	v := {"message": sprintf("Method name %q is not in the method taxonomy (version %s).", [m, lib.taxonomy.version])}
}
