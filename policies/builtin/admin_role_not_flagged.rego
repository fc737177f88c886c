# METADATA
# scope: package
# title: Directory role holders must be flagged as administrators
# description: >-
#   Every user who holds or is eligible for a Microsoft Entra directory role
#   (the snapshot's roles section: active assignments, PIM-eligible ones and
#   role-assignable groups' members) but whose row in the per-user report says
#   isAdmin false. Such users are the blind spot of isAdmin; authgate judges
#   them as administrators anyway, and this control names each one with each
#   role, so that the gap is seen rather than silently closed. One violation
#   per user and role. admin_roles_privileged_only narrows the roles to those
#   Microsoft labels privileged. Skipped when the snapshot has no roles section
#   (fetch --include roles).
# custom:
#   id: AM-ADM-04
#   severity: high
#   scope: user
#   remediation: >-
#     Treat every listed user as an administrator: require a phishing-resistant
#     authentication strength for them in Conditional Access (target the
#     directory roles, which covers eligible and group-held assignments once
#     activated), register a passkey or FIDO2 key for them, and review in
#     Privileged Identity Management whether each eligible or group-held role
#     is still needed.
#   references:
#     - id: CISA-SCuBA-MS.AAD.7.1v1
#       description: >-
#         CISA SCuBA Microsoft Entra ID baseline MS.AAD.7: privileged users and
#         PIM-eligible assignments SHALL be inventoried and limited
#       url: https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md
#     - id: NIST-800-53-AC-6(7)
#       description: >-
#         NIST SP 800-53 Rev. 5 AC-6(7): review of user privileges
#       url: https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final
#     - id: MS-ENTRA-PIM
#       description: What is Microsoft Entra Privileged Identity Management?
#       url: https://learn.microsoft.com/entra/id-governance/privileged-identity-management/pim-configure
#   params:
#     admin_roles_privileged_only: false
package authgate.builtin.admin_role_not_flagged

import data.authgate.lib

skip contains "the snapshot has no roles section (fetch --include roles)" if not is_object(object.get(input, "roles", null))

violation contains v if {
	some u in lib.admins
	u.isAdmin != true
	some r in object.get(u, "directoryRoles", [])
	v := {
		"message": sprintf("User %s holds %s but the per-user report does not flag them isAdmin.", [lib.name(u), r.description]),
		"subject": lib.admin_subject(u),
	}
}
