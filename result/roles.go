package result

// Role assignment kinds.
const (
	AssignmentActive   = "active"
	AssignmentEligible = "eligible"
)

// HeldRole is one directory role a user holds or may activate, directly or
// through a role-assignable group.
type HeldRole struct {
	RoleDefinitionID string `json:"roleDefinitionId"`
	TemplateID       string `json:"templateId"`
	RoleName         string `json:"roleName"`
	Privileged       bool   `json:"privileged"`
	// Assignment is "active" (permanent or PIM-activated) or "eligible".
	Assignment string `json:"assignment"`
	// ViaGroupID and ViaGroup name the group the role is held through;
	// empty for a direct assignment.
	ViaGroupID string `json:"viaGroupId"`
	ViaGroup   string `json:"viaGroup"`
	// Description is what findings print: "Global Administrator (eligible,
	// via group PIM-Admins)".
	Description string `json:"description"`
}

// RoleHolder is a user who holds or may activate a role, as tenant controls
// see it in input.roles.holders.
type RoleHolder struct {
	ID                string     `json:"id"`
	UserPrincipalName string     `json:"userPrincipalName"`
	DisplayName       string     `json:"displayName"`
	Roles             []HeldRole `json:"roles"`
	// InReport is true when the per-user report has a row for the user;
	// IsAdmin is that row's isAdmin.
	InReport bool `json:"inReport"`
	IsAdmin  bool `json:"isAdmin"`
}

// RolesInput is input.roles: the roles section as the controls read it.
type RolesInput struct {
	Eligibility       string `json:"eligibility"`
	EligibilityReason string `json:"eligibilityReason"`
	// GroupEligibilityReason says why PIM for Groups eligibilities could
	// not be read; "" when they were.
	GroupEligibilityReason string `json:"groupEligibilityReason"`
	PrivilegedOnly         bool   `json:"privilegedOnly"`
	// PrivilegedSource says where "privileged" came from.
	PrivilegedSource string       `json:"privilegedSource"`
	Holders          []RoleHolder `json:"holders"`
}
