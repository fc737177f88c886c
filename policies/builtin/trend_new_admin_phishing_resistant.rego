# METADATA
# scope: package
# title: New administrators must have a phishing-resistant method
# description: >-
#   Compared with the baseline snapshot (check --baseline), every user who is
#   an administrator now but was not one in the baseline (a new account or a
#   new role assignment) must have registered a phishing-resistant method (the
#   taxonomy's phishingResistant class). One violation per new admin without
#   one. Skipped without a baseline or when the baseline is of another tenant.
# custom:
#   id: AM-TRD-03
#   severity: high
#   scope: user
#   remediation: >-
#     Before or right after assigning an Entra role, have the new administrator
#     register a FIDO2 security key, a device-bound passkey or Windows Hello for
#     Business (issue a Temporary Access Pass to bootstrap it), and make role
#     assignment conditional on it: require the "Phishing-resistant MFA"
#     authentication strength for directory roles in Conditional Access and for
#     PIM activation.
#   references:
#     - id: CIS-M365-5.2.2.5
#       description: >-
#         CIS Microsoft 365 Foundations v4.0.0, 5.2.2.5: Ensure 'Phishing-resistant
#         MFA strength' is required for Administrators
#       url: https://www.cisecurity.org/benchmark/microsoft_365
#     - id: CISA-SCuBA-MS.AAD.3.6v1
#       description: >-
#         CISA SCuBA Microsoft Entra ID baseline MS.AAD.3.6v1: phishing-resistant
#         MFA SHALL be required for highly privileged roles
#       url: https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md
#     - id: NIST-800-53-AC-2
#       description: >-
#         NIST SP 800-53 Rev. 5 AC-2: account management, including the
#         conditions for role membership
#       url: https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final
package authgate.builtin.trend_new_admin_phishing_resistant

import data.authgate.lib

skip contains "no baseline snapshot was given (check --baseline FILE)" if not data.authgate.baseline

skip contains sprintf("the baseline is a snapshot of tenant %s, not %s", [b.manifest.tenantId, input.manifest.tenantId]) if {
	b := data.authgate.baseline
	b.manifest.tenantId != input.manifest.tenantId
}

violation contains v if {
	b := data.authgate.baseline
	some u in lib.admins
	not b.admins[u.id]
	not lib.phishing_resistant(u)
	v := {
		"message": sprintf("Administrator %s is new since the baseline of %s and has no phishing-resistant method registered.", [lib.name(u), b.manifest.fetchedAt]),
		"subject": lib.subject(u),
	}
}
