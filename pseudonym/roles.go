package pseudonym

import (
	"encoding/json"
	"fmt"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/authgate/authgate/snapshot"
)

// roles returns a copy of r whose users (the principals of assignments and
// eligibilities, the groups' members and PIM for Groups eligibilities) carry
// the tokens of their id, UPN and display name: the same tokens as their
// rows in the per-user report, so role holders still join it and the admin
// controls judge the copy as they judge the original. A user principal keeps
// only its type, id, UPN and display name, so no other property of a person
// (mail, job title) passes through. Role definitions, groups and service
// principals name no person and are kept.
func (p *Pseudonymizer) roles(r *snapshot.Roles) (*snapshot.Roles, error) {
	if r == nil {
		return nil, nil
	}
	out := *r
	groups := map[string]bool{}
	for _, g := range r.Groups {
		groups[g.ID] = true
	}
	var err error
	if out.RoleAssignments, err = p.grants(r.RoleAssignments, groups, "roles.roleAssignments"); err != nil {
		return nil, err
	}
	if out.RoleEligibilityScheduleInstances, err = p.grants(r.RoleEligibilityScheduleInstances, groups, "roles.roleEligibilityScheduleInstances"); err != nil {
		return nil, err
	}
	if out.Groups, err = p.groups(r.Groups, "roles.groups"); err != nil {
		return nil, err
	}
	return &out, nil
}

// groups returns a copy of gs with their members' identifiers tokenised.
func (p *Pseudonymizer) groups(gs []snapshot.RoleGroup, at string) ([]snapshot.RoleGroup, error) {
	if gs == nil {
		return nil, nil
	}
	out := make([]snapshot.RoleGroup, len(gs))
	for i, g := range gs {
		out[i] = g
		out[i].Members = make([]jsontext.Value, len(g.Members))
		for j, raw := range g.Members {
			var u snapshot.RolePrincipal
			if err := json.Unmarshal(raw, &u); err != nil {
				return nil, fmt.Errorf("pseudonymize snapshot: %s[%d].members[%d]: %w", at, i, j, err)
			}
			b, err := json.Marshal(p.principal(u))
			if err != nil {
				return nil, err
			}
			out[i].Members[j] = b
		}
		if g.EligibleMembers != nil {
			var err error
			if out[i].EligibleMembers, err = p.grants(g.EligibleMembers, nil, fmt.Sprintf("%s[%d].eligibleMembers", at, i)); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// grants tokenises the user principals of assignment-shaped rows: their
// principalId and expanded principal. A principal that is a group (by its
// type, or by being one of groups) or another non-user object is kept.
func (p *Pseudonymizer) grants(rows []jsontext.Value, groups map[string]bool, at string) ([]jsontext.Value, error) {
	if rows == nil {
		return nil, nil
	}
	out := make([]jsontext.Value, len(rows))
	for i, raw := range rows {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("pseudonymize snapshot: %s[%d]: %w", at, i, err)
		}
		var id string
		_ = json.Unmarshal(m["principalId"], &id)
		var pr *snapshot.RolePrincipal
		if len(m["principal"]) > 0 && string(m["principal"]) != "null" {
			pr = new(snapshot.RolePrincipal)
			if err := json.Unmarshal(m["principal"], pr); err != nil {
				return nil, fmt.Errorf("pseudonymize snapshot: %s[%d].principal: %w", at, i, err)
			}
		}
		kind := ""
		if pr != nil {
			kind = pr.Kind()
		}
		if kind == "user" || kind == "" && !groups[id] {
			if id != "" {
				m["principalId"], _ = json.Marshal(p.ID(id))
			}
			if pr != nil {
				m["principal"], _ = json.Marshal(p.principal(*pr))
			}
		}
		b, err := json.Marshal(m)
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

// tokenPrincipal is a user as a pseudonymised roles section writes it.
type tokenPrincipal struct {
	ODataType         string `json:"@odata.type,omitempty"`
	ID                string `json:"id"`
	UserPrincipalName string `json:"userPrincipalName,omitempty"`
	DisplayName       string `json:"displayName,omitempty"`
}

func (p *Pseudonymizer) principal(u snapshot.RolePrincipal) tokenPrincipal {
	return tokenPrincipal{ODataType: u.ODataType, ID: p.ID(u.ID), UserPrincipalName: p.UPN(u.UserPrincipalName), DisplayName: p.Name(u.DisplayName)}
}

// rolePeople calls fn with the id, UPN and display name of every user the
// roles section and the exclusion groups name, for Reveal: a role holder
// without a row in the per-user report is named only there.
func rolePeople(r *snapshot.Roles, groups []snapshot.RoleGroup, fn func(id, upn, name string)) {
	var all []snapshot.RoleGroup
	all = append(all, groups...)
	if r != nil {
		all = append(all, r.Groups...)
		if ix, path, _ := r.Index(); path == "" {
			for _, g := range append(ix.Active, ix.Eligible...) {
				if g.Principal != nil && g.Principal.Kind() == "user" {
					fn(g.PrincipalID, g.Principal.UserPrincipalName, g.Principal.DisplayName)
				}
			}
			for _, gm := range ix.Groups {
				for _, u := range gm.Eligible {
					fn(u.ID, u.UserPrincipalName, u.DisplayName)
				}
			}
		}
	}
	for _, g := range all {
		for _, raw := range g.Members {
			var u snapshot.RolePrincipal
			if json.Unmarshal(raw, &u) == nil {
				fn(u.ID, u.UserPrincipalName, u.DisplayName)
			}
		}
	}
}
