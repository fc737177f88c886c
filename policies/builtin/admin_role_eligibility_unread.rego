# METADATA
# scope: package
# title: PIM-eligible role assignments must be readable
# description: >-
#   With a roles section, the administrator set includes users eligible for a
#   role through Privileged Identity Management. When Graph refused to list the
#   eligible assignments (a tenant without Microsoft Entra ID P2 or ID
#   Governance, or a permission missing), the set holds the active role
#   holders only (likewise when the users eligible to join a role-assignable
#   group through PIM for Groups could not be read): this control says so,
#   with Graph's answer, so that no
#   output reads as if eligible administrators had been judged. Skipped when
#   the snapshot has no roles section or the eligibility was read.
# custom:
#   id: AM-ADM-06
#   severity: low
#   scope: tenant
#   anchor: roles
#   remediation: >-
#     Nothing to fix when the tenant has no Entra ID P2 (there can be no
#     PIM-eligible assignment without it). Otherwise grant the fetching
#     principal RoleEligibilitySchedule.Read.Directory (or
#     RoleManagement.Read.Directory) and fetch again with --include roles.
#   references:
#     - id: MS-GRAPH-ROLE-ELIGIBILITY
#       description: List roleEligibilityScheduleInstances (Microsoft Graph)
#       url: https://learn.microsoft.com/graph/api/rbacapplication-list-roleeligibilityscheduleinstances
package authgate.builtin.admin_role_eligibility_unread

skip contains "the snapshot has no roles section (fetch --include roles)" if not is_object(object.get(input, "roles", null))

skip contains "the PIM-eligible assignments were read" if {
	input.roles.eligibility == "graph"
	object.get(input.roles, "groupEligibilityReason", "") == ""
}

violation contains v if {
	input.roles.eligibility != "graph"
	v := {"message": sprintf("PIM-eligible role assignments could not be read, so administrators eligible for a role were not judged: %s.", [object.get(input.roles, "eligibilityReason", "no reason recorded")])}
}

violation contains v if {
	is_object(input.roles)
	reason := object.get(input.roles, "groupEligibilityReason", "")
	reason != ""
	v := {"message": sprintf("Users eligible to join role-assignable groups (PIM for Groups) could not be read, so they were not judged as administrators: %s.", [reason])}
}
