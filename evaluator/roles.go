package evaluator

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"github.com/authgate/authgate/result"
	"github.com/authgate/authgate/snapshot"
	"github.com/open-policy-agent/opa/v1/ast"
)

// privilegedRolesPath is where the built-in pack keeps the list of
// privileged built-in role template ids, used when a role definition does
// not carry Graph beta's isPrivileged.
const privilegedRolesPath = "data/privileged-roles.json"

// ParamPrivilegedOnly narrows the administrator set to holders of
// privileged roles.
const ParamPrivilegedOnly = "admin_roles_privileged_only"

// roleSet is the administrator set a roles section gives, by user id.
type roleSet struct {
	holders map[string]*result.RoleHolder
	in      result.RolesInput
}

// privilegedList is the shipped list of privileged built-in roles.
type privilegedList struct {
	Version string `json:"version"`
	Roles   []struct {
		TemplateID string `json:"templateId"`
	} `json:"roles"`
}

func loadPrivileged(fsys fs.FS) (map[string]bool, string, error) {
	out := map[string]bool{}
	if fsys == nil {
		return out, "", nil
	}
	b, err := fs.ReadFile(fsys, privilegedRolesPath)
	if err != nil {
		return nil, "", fmt.Errorf("load %s: %w", privilegedRolesPath, err)
	}
	var l privilegedList
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, "", fmt.Errorf("load %s: %w", privilegedRolesPath, err)
	}
	for _, r := range l.Roles {
		out[strings.ToLower(r.TemplateID)] = true
	}
	return out, l.Version, nil
}

// rolesFor takes the roles and exclusionGroups sections read ahead and
// builds the administrator set (nil when the snapshot has no roles section)
// and the groups exclusions can name (the role-assignable groups and the
// exclusion groups, with their members).
// With rw (a pseudonymised view), both are read as rw rewrites them, so
// that holders and members carry the tokens of their rows.
func (e *Engine) rolesFor(path string, sec *snapshot.Sections, rw snapshot.Rewriter) (*roleSet, []snapshot.RoleGroup, error) {
	r, groups := sec.Roles, sec.ExclusionGroups
	if rw != nil && (r != nil || groups != nil) {
		in := &snapshot.Info{Path: path, Roles: r, ExclusionGroups: groups}
		if err := rw.Info(in); err != nil {
			return nil, nil, err
		}
		r, groups = in.Roles, in.ExclusionGroups
	}
	if r == nil {
		return nil, groups, nil
	}
	ix, p, _ := r.Index()
	if p != "" {
		return nil, nil, nil // refused by the scan, at the same path
	}
	list, version, err := loadPrivileged(e.cfg.builtinFS)
	if err != nil {
		return nil, nil, err
	}
	only, _ := e.params[ParamPrivilegedOnly].(bool)
	return buildRoleSet(r, ix, list, version, only), slices.Concat(r.Groups, groups), nil
}

func buildRoleSet(r *snapshot.Roles, ix *snapshot.RoleIndex, list map[string]bool, version string, only bool) *roleSet {
	rs := &roleSet{holders: map[string]*result.RoleHolder{}}
	usedGraph, usedList := false, false
	held := func(g snapshot.RoleGrant, assignment, groupID, groupName string) result.HeldRole {
		h := result.HeldRole{RoleDefinitionID: g.RoleDefinitionID, TemplateID: g.RoleDefinitionID, RoleName: g.RoleDefinitionID, Assignment: assignment, ViaGroupID: groupID, ViaGroup: groupName}
		d, ok := ix.Definitions[g.RoleDefinitionID]
		if ok {
			h.RoleName = cmpOr(d.DisplayName, g.RoleDefinitionID)
			h.TemplateID = cmpOr(d.TemplateID, d.ID)
		}
		if ok && d.IsPrivileged != nil {
			h.Privileged, usedGraph = *d.IsPrivileged, true
		} else {
			h.Privileged, usedList = list[strings.ToLower(h.TemplateID)], true
		}
		h.Description = describeRole(h)
		return h
	}
	add := func(id, upn, name string, h result.HeldRole) {
		if only && !h.Privileged {
			return
		}
		u := rs.holders[id]
		if u == nil {
			u = &result.RoleHolder{ID: id, UserPrincipalName: upn, DisplayName: name}
			rs.holders[id] = u
		}
		if u.UserPrincipalName == "" {
			u.UserPrincipalName, u.DisplayName = upn, cmpOr(u.DisplayName, name)
		}
		if !slices.Contains(u.Roles, h) {
			u.Roles = append(u.Roles, h)
		}
	}
	for _, set := range []struct {
		grants     []snapshot.RoleGrant
		assignment string
	}{{ix.Active, result.AssignmentActive}, {ix.Eligible, result.AssignmentEligible}} {
		for _, g := range set.grants {
			kind := ""
			if g.Principal != nil {
				kind = g.Principal.Kind()
			}
			if grp, ok := ix.Groups[g.PrincipalID]; ok && (kind == "" || kind == "group") {
				name := cmpOr(grp.DisplayName, g.PrincipalID)
				for _, m := range grp.Users {
					add(m.ID, m.UserPrincipalName, m.DisplayName, held(g, set.assignment, g.PrincipalID, name))
				}
				for _, m := range grp.Eligible { // PIM for Groups: one activation from membership
					add(m.ID, m.UserPrincipalName, m.DisplayName, held(g, result.AssignmentEligible, g.PrincipalID, name))
				}
				continue
			}
			if kind != "" && kind != "user" {
				continue // service principals and groups without members
			}
			upn, name := "", ""
			if g.Principal != nil {
				upn, name = g.Principal.UserPrincipalName, g.Principal.DisplayName
			}
			add(g.PrincipalID, upn, name, held(g, set.assignment, "", ""))
		}
	}
	for _, u := range rs.holders {
		slices.SortFunc(u.Roles, func(a, b result.HeldRole) int { return strings.Compare(a.Description, b.Description) })
	}
	rs.in = result.RolesInput{Eligibility: r.Eligibility, EligibilityReason: r.EligibilityReason, GroupEligibilityReason: r.GroupEligibilityReason, PrivilegedOnly: only}
	switch {
	case usedGraph && usedList:
		rs.in.PrivilegedSource = "Graph beta isPrivileged, else authgate's privileged-roles list " + version
	case usedList:
		rs.in.PrivilegedSource = "authgate's privileged-roles list " + version
	default:
		rs.in.PrivilegedSource = "Graph beta isPrivileged"
	}
	return rs
}

// describeRole is what a finding prints for a held role.
func describeRole(h result.HeldRole) string {
	parts := []string{h.Assignment}
	if h.ViaGroup != "" {
		parts = append(parts, "via group "+h.ViaGroup)
	}
	return h.RoleName + " (" + strings.Join(parts, ", ") + ")"
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// isAdmin reports whether u is in the administrator set: isAdmin, or a
// role holder.
func (rs *roleSet) isAdmin(u *snapshot.UserRegistrationDetails) bool {
	if u.IsAdmin {
		return true
	}
	if rs == nil {
		return false
	}
	_, ok := rs.holders[u.ID]
	return ok
}

var kDirectoryRoles = ast.StringTerm("directoryRoles")

// withDirectoryRoles adds to every role holder of users (t, as usersTerm
// built it) a "directoryRoles" array of the roles held (see
// result.HeldRole). The streamed users get the same from userBuilder.
func withDirectoryRoles(t *ast.Term, users []snapshot.UserRegistrationDetails, roles *roleSet) *ast.Term {
	if roles == nil {
		return t
	}
	arr := t.Value.(*ast.Array)
	for i := range users {
		if v := roles.term(users[i].ID); v != nil {
			arr.Elem(i).Value.(ast.Object).Insert(kDirectoryRoles, v)
		}
	}
	return t
}

// term is the directoryRoles value of the user with id: nil when the user
// holds no role.
func (rs *roleSet) term(id string) *ast.Term {
	h, ok := rs.holders[id]
	if !ok {
		return nil
	}
	v, err := ast.InterfaceToValue(heldJSON(h.Roles))
	if err != nil {
		return nil
	}
	return ast.NewTerm(v)
}

func heldJSON(roles []result.HeldRole) []any {
	out := make([]any, len(roles))
	for i, h := range roles {
		out[i] = map[string]any{
			"roleDefinitionId": h.RoleDefinitionID, "templateId": h.TemplateID, "roleName": h.RoleName,
			"privileged": h.Privileged, "assignment": h.Assignment, "viaGroupId": h.ViaGroupID,
			"viaGroup": h.ViaGroup, "description": h.Description,
		}
	}
	return out
}

// seeHolder records a role holder's row.
func (w *worker) seeHolder(u *snapshot.UserRegistrationDetails) {
	if _, ok := w.roles.holders[u.ID]; ok {
		if w.seen == nil {
			w.seen = map[string]bool{}
		}
		w.seen[u.ID] = u.IsAdmin
	}
}

// mergeScope adds another worker's role rows and exclusion counts.
func (w *worker) mergeScope(o *worker) {
	if len(o.seen) > 0 && w.seen == nil {
		w.seen = map[string]bool{}
	}
	maps.Copy(w.seen, o.seen)
	if w.ex != nil {
		w.ex.merge(o.ex)
	}
}

// rolesJSON is input.roles: null without a roles section.
func rolesJSON(a *result.Aggregates) any {
	if a.Roles == nil {
		return nil
	}
	b, _ := json.Marshal(a.Roles)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// rolesResult fills the holders' report status from the rows the workers
// saw (seen); nil without a roles section.
func rolesResult(roles *roleSet, seen map[string]bool) *result.RolesInput {
	if roles == nil {
		return nil
	}
	in := roles.in
	in.Holders = make([]result.RoleHolder, 0, len(roles.holders))
	for _, id := range slices.Sorted(maps.Keys(roles.holders)) {
		h := *roles.holders[id]
		h.IsAdmin, h.InReport = seen[id]
		in.Holders = append(in.Holders, h)
	}
	return &in
}

// withRoles records u's row when u holds a role and returns u as the admin
// scope counts it: a role holder whose row says isAdmin false counts as an
// administrator (a copy, the chunk is left as read).
func (w *worker) withRoles(u *snapshot.UserRegistrationDetails) *snapshot.UserRegistrationDetails {
	if w.roles == nil {
		return u
	}
	w.seeHolder(u)
	if !u.IsAdmin && w.roles.isAdmin(u) {
		c := *u
		c.IsAdmin = true
		return &c
	}
	return u
}
