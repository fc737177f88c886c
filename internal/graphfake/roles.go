package graphfake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Endpoints of the directory roles (fetch --include roles).
const (
	EndpointRoleDefinitions Endpoint = "roleDefinitions"
	EndpointRoleAssignments Endpoint = "roleAssignments"
	EndpointRoleEligibility Endpoint = "roleEligibilityScheduleInstances"
	EndpointGroupMembers    Endpoint = "transitiveMembers"
	EndpointGroup           Endpoint = "groups/{id}"
	// EndpointGroupEligibility is PIM for Groups' eligibilityScheduleInstances.
	EndpointGroupEligibility Endpoint = "groupEligibilityScheduleInstances"
)

// ServiceAccountsGroup is a group of the emulated tenant that holds no role:
// a few member accounts a demo exclusion names (shared mailboxes and
// service accounts), see RoleFixture.ServiceAccounts.
const (
	ServiceAccountsGroup     = "5e2f1a3b-7c4d-4e5f-8a6b-9c0d1e2f3a4b"
	serviceAccountsGroupName = "Shared-and-Service-Accounts"
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

// Built-in role template ids the emulator assigns (Microsoft's).
const (
	RoleGlobalAdmin          = "62e90394-69f5-4237-9190-012177145e10"
	RolePrivilegedRoleAdmin  = "e8611ab8-c189-46e8-94e1-60213ab1f814"
	RoleSecurityAdmin        = "194ae4cb-b126-40b2-bd5b-6091b380977d"
	RoleUserAdmin            = "fe930be7-5e62-47db-91af-98c3a49a38b1"
	RoleHelpdeskAdmin        = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
	RoleExchangeAdmin        = "29232cdf-9323-42fd-ade2-1d097af3e4de"
	RoleReportsReader        = "4a5d8f65-41da-4de4-8968-e035b65339cf"
	RoleCustomAuditorID      = "3f5a6c1e-0b7d-4e2a-9c8f-1d2e3f4a5b6c"
	RoleGroupPIMAdmins       = "7c1f0e2a-5b3d-4a6e-8f9c-0d1e2f3a4b5c"
	RoleGroupHelpdesk        = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
	RoleOrphanPrincipal      = "d4c3b2a1-0f9e-4d8c-b7a6-958473625140"
	RoleServicePrincipal     = "aa11bb22-cc33-4d44-8e55-ff6600778899"
	RoleOrphanPrincipalUPN   = "former.admin@" + Domain
	roleGroupPIMAdminsName   = "PIM-Admins"
	roleGroupHelpdeskName    = "Helpdesk-Operators"
	roleCustomAuditorName    = "Tenant Auditor (custom)"
	roleFixtureScan          = 5000
	roleFixtureBlindSpotWant = 3
)

var builtinRoles = []struct {
	id, name   string
	privileged bool
}{
	{RoleGlobalAdmin, "Global Administrator", true},
	{RolePrivilegedRoleAdmin, "Privileged Role Administrator", true},
	{RoleSecurityAdmin, "Security Administrator", true},
	{RoleUserAdmin, "User Administrator", true},
	{RoleHelpdeskAdmin, "Helpdesk Administrator", true},
	{RoleExchangeAdmin, "Exchange Administrator", false},
	{RoleReportsReader, "Reports Reader", false},
}

// RoleGrant is one assignment the emulator serves: a user (or group, or
// service principal) holding or eligible for a role.
type RoleGrant struct {
	ID             string
	PrincipalID    string
	PrincipalType  string // user, group, servicePrincipal
	PrincipalName  string // UPN of a user, displayName otherwise
	RoleTemplateID string
	Eligible       bool
}

// RoleFixture is what the emulator serves for a tenant's roles.
type RoleFixture struct {
	Grants []RoleGrant
	// Groups maps a group id to its name and its members' indexes (or -1
	// for none).
	Groups map[string]RoleFixtureGroup
	// BlindSpot are the UPNs of report users who hold or are eligible for a
	// role although their row says isAdmin false.
	BlindSpot []string
	// GroupHeld are the UPNs of users who hold a role only through a group.
	GroupHeld []string
	// EligibleOnly are the UPNs of users whose only role is eligible.
	EligibleOnly []string
	// EligibleGlobalAdmin is the UPN of the member isAdmin misses who is
	// eligible for Global Administrator directly.
	EligibleGlobalAdmin string
	// GroupEligible are the UPNs of users eligible to become members of a
	// role-assignable group (PIM for Groups).
	GroupEligible []string
	// ServiceAccounts are the UPNs of ServiceAccountsGroup's members.
	ServiceAccounts []string
}

// RoleFixtureGroup is a role-assignable group of the fixture.
type RoleFixtureGroup struct {
	Name    string
	Members []int // user indexes
	// Eligible are the users eligible to become members (PIM for Groups).
	Eligible []int
	// NoRole marks a group that holds no role.
	NoRole bool
}

// Roles returns the tenant's directory roles, consistent with its users:
// each isAdmin user of the first users holds an active role (every third
// one only an eligible one); three members whom isAdmin misses are eligible
// for Global Administrator directly or hold a role through a group; a
// former administrator absent from the report and a service principal hold
// active roles; a custom, non-privileged role is assigned to one more
// member.
func (t Tenant) Roles() RoleFixture {
	f := RoleFixture{Groups: map[string]RoleFixtureGroup{}}
	var admins, plain []int
	for i := range min(t.Users, roleFixtureScan) {
		u := GenerateUser(t.Seed, i, t.Now)
		switch {
		case u.IsAdmin:
			admins = append(admins, i)
		case u.UserType == "member" && len(plain) < 10:
			plain = append(plain, i)
		}
	}
	upn := func(i int) string { return GenerateUser(t.Seed, i, t.Now).UserPrincipalName }
	n := 0
	grant := func(pid, ptype, pname, role string, eligible bool) {
		n++
		f.Grants = append(f.Grants, RoleGrant{
			ID: guid(mix(uint64(t.Seed)^0x201e), uint64(n)), PrincipalID: pid, PrincipalType: ptype,
			PrincipalName: pname, RoleTemplateID: role, Eligible: eligible,
		})
	}
	cycle := []string{RoleGlobalAdmin, RoleUserAdmin, RoleSecurityAdmin, RoleHelpdeskAdmin, RoleExchangeAdmin}
	for k, i := range admins {
		grant(userID(t.Seed, i), "user", upn(i), cycle[k%len(cycle)], k%3 == 2)
		if k%3 == 2 {
			f.EligibleOnly = append(f.EligibleOnly, upn(i))
		}
	}
	if len(plain) >= 4 {
		// The blind spot: eligible directly, eligible through a group,
		// active through a group.
		grant(userID(t.Seed, plain[0]), "user", upn(plain[0]), RoleGlobalAdmin, true)
		f.EligibleOnly = append(f.EligibleOnly, upn(plain[0]))
		pim := RoleFixtureGroup{Name: roleGroupPIMAdminsName, Members: []int{plain[1]}}
		if len(plain) >= 9 {
			pim.Eligible = []int{plain[8]} // PIM for Groups: eligible to become a member
		}
		if len(admins) > 0 {
			pim.Members = append(pim.Members, admins[0])
		}
		f.Groups[RoleGroupPIMAdmins] = pim
		grant(RoleGroupPIMAdmins, "group", roleGroupPIMAdminsName, RolePrivilegedRoleAdmin, true)
		f.Groups[RoleGroupHelpdesk] = RoleFixtureGroup{Name: roleGroupHelpdeskName, Members: []int{plain[2]}}
		grant(RoleGroupHelpdesk, "group", roleGroupHelpdeskName, RoleHelpdeskAdmin, false)
		f.BlindSpot = []string{upn(plain[0]), upn(plain[1]), upn(plain[2])}
		f.GroupHeld = []string{upn(plain[1]), upn(plain[2])}
		f.EligibleGlobalAdmin = upn(plain[0])
		for _, i := range pim.Eligible {
			f.BlindSpot = append(f.BlindSpot, upn(i))
			f.GroupHeld = append(f.GroupHeld, upn(i))
			f.EligibleOnly = append(f.EligibleOnly, upn(i))
			f.GroupEligible = append(f.GroupEligible, upn(i))
		}
		grant(userID(t.Seed, plain[3]), "user", upn(plain[3]), RoleCustomAuditorID, false)
		f.BlindSpot = append(f.BlindSpot, upn(plain[3]))
	}
	if len(plain) >= 8 {
		f.Groups[ServiceAccountsGroup] = RoleFixtureGroup{Name: serviceAccountsGroupName, Members: plain[5:8], NoRole: true}
		for _, i := range plain[5:8] {
			f.ServiceAccounts = append(f.ServiceAccounts, upn(i))
		}
	}
	grant(RoleOrphanPrincipal, "user", RoleOrphanPrincipalUPN, RoleExchangeAdmin, false)
	grant(RoleServicePrincipal, "servicePrincipal", "Provisioning Connector", RoleUserAdmin, false)
	slices.Sort(f.BlindSpot)
	return f
}

// rolesEndpoint maps a request path (after the version) to a role endpoint.
func rolesEndpoint(rest string) (Endpoint, string, bool) {
	switch {
	case rest == "roleManagement/directory/roleDefinitions":
		return EndpointRoleDefinitions, "", true
	case rest == "roleManagement/directory/roleAssignments":
		return EndpointRoleAssignments, "", true
	case rest == "roleManagement/directory/roleEligibilityScheduleInstances":
		return EndpointRoleEligibility, "", true
	case strings.HasPrefix(rest, "groups/") && strings.HasSuffix(rest, "/transitiveMembers/microsoft.graph.user"):
		return EndpointGroupMembers, strings.TrimSuffix(strings.TrimPrefix(rest, "groups/"), "/transitiveMembers/microsoft.graph.user"), true
	case rest == "identityGovernance/privilegedAccess/group/eligibilityScheduleInstances":
		return EndpointGroupEligibility, "", true
	case strings.HasPrefix(rest, "groups/") && !strings.Contains(strings.TrimPrefix(rest, "groups/"), "/"):
		return EndpointGroup, strings.TrimPrefix(rest, "groups/"), true
	}
	return "", "", false
}

// serveRoles answers the directory-role endpoints; it returns false for
// any other path, which handleGraph then serves.
func (s *Server) serveRoles(w http.ResponseWriter, r *http.Request) bool {
	version, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if version != "v1.0" && version != "beta" {
		return false
	}
	ep, arg, ok := rolesEndpoint(rest)
	if !ok {
		return false
	}
	w.Header().Set("request-id", newRequestID())
	s.count(ep, 0)
	s.mu.Lock()
	s.stats.APIVersions[version]++
	s.mu.Unlock()
	if r.Method != http.MethodGet {
		s.graphError(w, r, http.StatusMethodNotAllowed, CodeBadRequest, "The HTTP method '"+r.Method+"' is not allowed for this resource.")
		return true
	}
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	claims, err := s.verify(strings.TrimSpace(tok), time.Now())
	if err != nil {
		s.graphError(w, r, http.StatusUnauthorized, CodeInvalidToken, err.Error())
		return true
	}
	q := r.URL.Query()
	pos := 0
	if st := q.Get("$skiptoken"); st != "" {
		if pos, err = strconv.Atoi(st); err != nil || pos < 0 {
			s.graphError(w, r, http.StatusBadRequest, CodeBadRequest, "The $skiptoken is invalid or has expired. Start the request again without it.")
			return true
		}
	}
	size := s.opts.Roles.PageSize
	if size <= 0 {
		size = 50
	}
	f := s.takeFault(ep, pos/size+1)
	if f != nil && s.applyErrorFault(w, r, f) {
		return true
	}
	if s.opts.Roles.CheckPermissions {
		need := RolesPermission
		if ep == EndpointGroupMembers || ep == EndpointGroup {
			need = GroupMemberPermission
		}
		if !slicesContains(claims.permissions(), need) {
			s.graphError(w, r, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
			return true
		}
	}
	if (ep == EndpointRoleEligibility || ep == EndpointGroupEligibility) && s.opts.Roles.NoP2 {
		s.graphError(w, r, http.StatusBadRequest, CodeLicenseRequired, MsgLicenseRequired)
		return true
	}
	fx := s.opts.Tenant.Roles()
	base := s.graph + "/" + version
	var rows []map[string]any
	var ctx string
	switch ep {
	case EndpointRoleDefinitions:
		ctx = base + "/$metadata#roleManagement/directory/roleDefinitions"
		for _, d := range builtinRoles {
			rows = append(rows, roleDefinition(d.id, d.name, true, d.privileged, version == "beta"))
		}
		rows = append(rows, roleDefinition(RoleCustomAuditorID, roleCustomAuditorName, false, false, version == "beta"))
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
				row["startDateTime"] = s.opts.Tenant.Now.AddDate(0, -2, 0).Format(time.RFC3339)
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
			return true
		}
		for k, i := range fx.Groups[id].Eligible {
			u := GenerateUser(s.opts.Tenant.Seed, i, s.opts.Tenant.Now)
			rows = append(rows, map[string]any{
				"id": guid(mix(uint64(s.opts.Tenant.Seed)^0x9e11), uint64(k+1)), "groupId": id, "principalId": u.ID, "accessId": "member",
				"memberType": "direct", "startDateTime": s.opts.Tenant.Now.AddDate(0, -1, 0).Format(time.RFC3339), "endDateTime": nil,
				"principal": map[string]any{"@odata.type": "#microsoft.graph.user", "id": u.ID, "userPrincipalName": u.UserPrincipalName, "displayName": u.UserDisplayName},
			})
		}
	case EndpointGroup:
		id, _ := url.PathUnescape(arg)
		g, ok := fx.Groups[id]
		if !ok {
			s.graphError(w, r, http.StatusNotFound, "Request_ResourceNotFound", "Resource '"+id+"' does not exist or one of its queried reference-property objects are not present.")
			return true
		}
		b, _ := json.Marshal(map[string]any{"@odata.context": base + "/$metadata#groups(id,displayName)/$entity", "id": id, "displayName": g.Name})
		w.Header().Set("Content-Type", "application/json; odata.metadata=minimal; charset=utf-8")
		s.writeBody(w, r, http.StatusOK, b, f)
		s.recordStatus(http.StatusOK)
		return true
	case EndpointGroupMembers:
		id, _ := url.PathUnescape(arg)
		g, ok := fx.Groups[id]
		if !ok {
			s.graphError(w, r, http.StatusNotFound, "Request_ResourceNotFound", "Resource '"+id+"' does not exist or one of its queried reference-property objects are not present.")
			return true
		}
		ctx = base + "/$metadata#users(id,userPrincipalName,displayName)"
		for _, i := range g.Members {
			u := GenerateUser(s.opts.Tenant.Seed, i, s.opts.Tenant.Now)
			rows = append(rows, map[string]any{"@odata.type": "#microsoft.graph.user", "id": u.ID, "userPrincipalName": u.UserPrincipalName, "displayName": u.UserDisplayName})
		}
	}
	end := min(pos+size, len(rows))
	next := ""
	if end < len(rows) {
		v := url.Values{}
		for k, vs := range q {
			if k != "$skiptoken" {
				v[k] = vs
			}
		}
		v.Set("$skiptoken", strconv.Itoa(end))
		next = base + "/" + rest + "?" + v.Encode()
	}
	if f != nil && f.Kind == FaultForeignNextLink {
		if next == "" {
			next = base + "/" + rest + "?$skiptoken=" + strconv.Itoa(len(rows))
		}
		next = s.foreign + strings.TrimPrefix(next, s.graph)
	}
	page := []map[string]any{}
	if pos < len(rows) {
		page = rows[pos:end]
	}
	b := appendCollection(nil, ctx, next, page)
	w.Header().Set("Content-Type", "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8")
	s.writeBody(w, r, http.StatusOK, b, f)
	s.recordStatus(http.StatusOK)
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
