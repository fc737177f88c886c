# METADATA
# scope: package
# title: Contractors must have a phishing-resistant method
# description: >-
#   Every contractor account (a userPrincipalName ending in the
#   contractor_upn_suffix parameter, compared case-insensitively) must have
#   registered a phishing-resistant method: contractors sign in from devices
#   Acme does not manage. One violation per contractor without one.
# custom:
#   id: ACME-CON-01
#   severity: high
#   scope: user
#   remediation: >-
#     Issue each listed contractor a FIDO2 security key (or have them register a
#     device-bound passkey) using a Temporary Access Pass, then require the
#     "Phishing-resistant MFA" authentication strength for the contractors group.
#   references:
#     - id: ACME-SEC-STD-7
#       description: Acme security standard 7, external workforce access
#     - id: NIST-800-53-IA-2(1)
#       description: NIST SP 800-53 Rev. 5 IA-2(1), multi-factor authentication
#       url: https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final
#   params:
#     contractor_upn_suffix: "@contractors.acme.example"
package authgate.acme.contractors

import data.authgate.lib

# contractor(u) is true when u's UPN ends in the configured suffix.
contractor(u) if endswith(lower(u.userPrincipalName), lower(data.authgate.params.contractor_upn_suffix))

violation contains v if {
	some u in input.userRegistrationDetails
	contractor(u)
	not lib.phishing_resistant(u)
	v := {
		"message": sprintf("Contractor %s has no phishing-resistant method registered.", [lib.name(u)]),
		"subject": lib.subject(u),
	}
}
