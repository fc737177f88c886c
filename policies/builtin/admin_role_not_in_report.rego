# METADATA
# scope: package
# title: Directory role holders must appear in the per-user report
# description: >-
#   Every user who holds or is eligible for a directory role (the snapshot's
#   roles section) must have a row in the per-user registration report;
#   otherwise no control can judge how they sign in. A holder without a row is
#   disabled, deleted, or outside the report. One violation per such user,
#   naming the roles. Skipped when the snapshot has no roles section (fetch
#   --include roles).
# custom:
#   id: AM-ADM-05
#   severity: medium
#   scope: tenant
#   anchor: roles
#   remediation: >-
#     Remove the role assignments and eligibilities of disabled or deleted
#     accounts in Privileged Identity Management (or Roles and administrators),
#     and check that every remaining administrator is an enabled user whom the
#     authentication methods registration report covers.
#   references:
#     - id: NIST-800-53-AC-2(3)
#       description: >-
#         NIST SP 800-53 Rev. 5 AC-2(3): disable accounts; review privileged
#         assignments of accounts no longer in use
#       url: https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final
#     - id: MS-ENTRA-PIM
#       description: What is Microsoft Entra Privileged Identity Management?
#       url: https://learn.microsoft.com/entra/id-governance/privileged-identity-management/pim-configure
package authgate.builtin.admin_role_not_in_report


skip contains "the snapshot has no roles section (fetch --include roles)" if not is_object(object.get(input, "roles", null))

violation contains v if {
	some h in input.roles.holders
	h.inReport == false
	roles := concat("; ", sort([r.description | some r in h.roles]))
	v := {
		"message": sprintf("User %s holds %s but has no row in the per-user registration report (disabled, deleted or outside the report), so no control judges how they sign in.", [holder_name(h), roles]),
		"subject": {"id": h.id, "userPrincipalName": h.userPrincipalName, "displayName": h.displayName, "roles": sort([r.description | some r in h.roles])},
	}
}

holder_name(h) := h.userPrincipalName if h.userPrincipalName != ""

holder_name(h) := h.id if h.userPrincipalName == ""
