package graphfake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/authgate/authgate/internal/tenantgen"
)

// Endpoints of the directory roles (fetch --include roles).
const (
	EndpointRoleDefinitions Endpoint = "roleDefinitions"
	EndpointRoleAssignments Endpoint = "roleAssignments"
	EndpointRoleEligibility Endpoint = "roleEligibilityScheduleInstances"
	EndpointGroup           Endpoint = "groups/{id}"
	// EndpointGroupEligibility is PIM for Groups' eligibilityScheduleInstances.
	EndpointGroupEligibility Endpoint = "groupEligibilityScheduleInstances"
)

// Role permissions: a token needs RolesPermission (or both schedule read
// permissions) for the role endpoints and GroupMemberPermission for the
// group members, as real Graph does.
const (
	RolesPermission       = "RoleManagement.Read.Directory"
	GroupMemberPermission = "GroupMember.Read.All"
)

// CodeLicenseRequired is what Graph answers a tenant without Microsoft
// Entra ID P2 (or ID Governance) on roleEligibilityScheduleInstances.
const (
	CodeLicenseRequired = "AadPremiumLicenseRequired"
	MsgLicenseRequired  = "The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license."
)

// RolesOptions configure the directory-role endpoints.
type RolesOptions struct {
	// NoP2 answers roleEligibilityScheduleInstances as a tenant without
	// Entra ID P2 does: 400 AadPremiumLicenseRequired.
	NoP2 bool
	// CheckPermissions makes the role endpoints demand RolesPermission and
	// GroupMemberPermission in the token; by default the emulator's tokens
	// are taken to carry them.
	CheckPermissions bool
	// PageSize is the page size of the role collections (default 50).
	PageSize int
}

// rolePaging reads the $skiptoken of a role collection request: the
// position of the page's first row, so faults can match by page.
func (s *Server) rolePaging(c *graphCall) bool {
	c.size = s.opts.Roles.PageSize
	if c.size <= 0 {
		c.size = 50
	}
	if st := c.r.URL.Query().Get("$skiptoken"); st != "" {
		pos, err := strconv.Atoi(st)
		if err != nil || pos < 0 {
			s.graphError(c.w, c.r, http.StatusBadRequest, CodeBadRequest, "The $skiptoken is invalid or has expired. Start the request again without it.")
			return false
		}
		c.offset = pos
	}
	c.page = c.offset/c.size + 1
	return true
}

// rolePermission is the permission a role endpoint needs when
// RolesOptions.CheckPermissions is set.
func rolePermission(ep Endpoint) string {
	if ep == EndpointGroupMembers || ep == EndpointGroup {
		return GroupMemberPermission
	}
	return RolesPermission
}

// serveRoles answers the directory-role collections: role definitions,
// active and eligible assignments, group members and PIM for Groups
// eligibilities, paged by $skiptoken.
func (s *Server) serveRoles(c *graphCall) bool {
	w, r, ep := c.w, c.r, c.ep
	if (ep == EndpointRoleEligibility || ep == EndpointGroupEligibility) && s.opts.Roles.NoP2 {
		s.graphError(w, r, http.StatusBadRequest, CodeLicenseRequired, MsgLicenseRequired)
		return false
	}
	t := s.opts.Tenant
	fx := t.Roles()
	base := c.base
	q := r.URL.Query()
	var rows []map[string]any
	var ctx string
	switch ep {
	case EndpointRoleDefinitions:
		ctx = base + "/$metadata#roleManagement/directory/roleDefinitions"
		beta := c.version == "beta"
		for _, d := range tenantgen.BuiltinRoles {
			rows = append(rows, roleDefinition(d.ID, d.Name, true, d.Privileged, beta))
		}
		rows = append(rows, roleDefinition(tenantgen.RoleCustomAuditorID, tenantgen.RoleCustomAuditorName, false, false, beta))
	case EndpointRoleAssignments, EndpointRoleEligibility:
		eligible := ep == EndpointRoleEligibility
		ctx = base + "/$metadata#roleManagement/directory/" + string(ep) + "(principal())"
		for _, g := range fx.Grants {
			if g.Eligible != eligible {
				continue
			}
			row := map[string]any{
				"id": g.ID, "principalId": g.PrincipalID, "roleDefinitionId": g.RoleTemplateID,
				"directoryScopeId": "/", "appScopeId": nil,
			}
			if q.Get("$expand") == "principal" {
				p := map[string]any{"@odata.type": "#microsoft.graph." + g.PrincipalType, "id": g.PrincipalID, "displayName": g.PrincipalName}
				if g.PrincipalType == "user" {
					p["userPrincipalName"] = g.PrincipalName
				}
				row["principal"] = p
			}
			if eligible {
				row["memberType"] = "Direct"
				row["startDateTime"] = t.Now.AddDate(0, -2, 0).Format(time.RFC3339)
				row["endDateTime"] = nil
				row["roleEligibilityScheduleId"] = g.ID
			}
			rows = append(rows, row)
		}
	case EndpointGroupEligibility:
		ctx = base + "/$metadata#identityGovernance/privilegedAccess/group/eligibilityScheduleInstances(principal())"
		id, ok := strings.CutPrefix(q.Get("$filter"), "groupId eq '")
		id, ok2 := strings.CutSuffix(id, "'")
		if !ok || !ok2 {
			s.graphError(w, r, http.StatusBadRequest, CodeBadRequest, "The request must filter on groupId: $filter=groupId eq '{id}'.")
			return false
		}
		for k, u := range fx.GroupEligibleUsers(t, id) {
			rows = append(rows, map[string]any{
				"id": tenantgen.GUID(tenantgen.Mix(uint64(t.Seed)^0x9e11), uint64(k+1)), "groupId": id, "principalId": u.ID, "accessId": "member",
				"memberType": "direct", "startDateTime": t.Now.AddDate(0, -1, 0).Format(time.RFC3339), "endDateTime": nil,
				"principal": map[string]any{"@odata.type": "#microsoft.graph.user", "id": u.ID, "userPrincipalName": u.UserPrincipalName, "displayName": u.UserDisplayName},
			})
		}
	case EndpointGroup:
		id, _ := url.PathUnescape(c.arg)
		g, ok := fx.Groups[id]
		if !ok {
			s.graphError(w, r, http.StatusNotFound, "Request_ResourceNotFound", "Resource '"+id+"' does not exist or one of its queried reference-property objects are not present.")
			return false
		}
		b, _ := json.Marshal(map[string]any{"@odata.context": base + "/$metadata#groups(id,displayName)/$entity", "id": id, "displayName": g.Name})
		c.b = append(c.b, b...)
		return true
	case EndpointGroupMembers:
		id, _ := url.PathUnescape(c.arg)
		if _, ok := fx.Groups[id]; !ok {
			s.graphError(w, r, http.StatusNotFound, "Request_ResourceNotFound", "Resource '"+id+"' does not exist or one of its queried reference-property objects are not present.")
			return false
		}
		ctx = base + "/$metadata#users(id,userPrincipalName,displayName)"
		for _, u := range fx.GroupMemberUsers(t, id) {
			rows = append(rows, map[string]any{"@odata.type": "#microsoft.graph.user", "id": u.ID, "userPrincipalName": u.UserPrincipalName, "displayName": u.UserDisplayName})
		}
	}
	pos, size := c.offset, c.size
	end := min(pos+size, len(rows))
	self := strings.TrimPrefix(r.URL.Path, "/"+c.version+"/")
	next := ""
	if end < len(rows) {
		v := url.Values{}
		for k, vs := range q {
			if k != "$skiptoken" {
				v[k] = vs
			}
		}
		v.Set("$skiptoken", strconv.Itoa(end))
		next = base + "/" + self + "?" + v.Encode()
	}
	if c.fault != nil && c.fault.Kind == FaultForeignNextLink {
		if next == "" {
			next = base + "/" + self + "?$skiptoken=" + strconv.Itoa(len(rows))
		}
		next = s.foreign + strings.TrimPrefix(next, s.graph)
	}
	page := []map[string]any{}
	if pos < len(rows) {
		page = rows[pos:end]
	}
	c.b = appendCollection(c.b, ctx, next, page)
	return true
}

func roleDefinition(id, name string, builtIn, privileged, beta bool) map[string]any {
	d := map[string]any{
		"id": id, "displayName": name, "templateId": id, "isBuiltIn": builtIn, "isEnabled": true,
		"description": name + ".", "resourceScopes": []string{"/"}, "version": "1",
		"rolePermissions": []map[string]any{{"allowedResourceActions": []string{"microsoft.directory/users/standard/read"}, "condition": nil}},
	}
	if beta {
		d["isPrivileged"] = privileged
	}
	return d
}
