package pseudonym

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/authgate/authgate/snapshot"
)

// methodsPolicy returns a copy of a policy section whose user identities
// are tokens: the members of the target groups, and the ids of the targets
// whose targetType is "user", with the same tokens as the users' rows, so
// that the copy allows and excludes the same (pseudonymised) users. Group
// ids and settings are not personal and stay.
func (p *Pseudonymizer) methodsPolicy(mp *snapshot.MethodsPolicy, keep map[string]bool) (*snapshot.MethodsPolicy, error) {
	out := *mp
	out.Reason = p.Text(mp.Reason, nil, keep)
	out.Groups = make([]snapshot.PolicyGroup, len(mp.Groups))
	for i, g := range mp.Groups {
		g.Reason = p.Text(g.Reason, nil, keep)
		g.Members = slices.Clone(g.Members)
		for j, m := range g.Members {
			g.Members[j].ID = p.ID(m.ID)
			if m.UserPrincipalName != "" {
				g.Members[j].UserPrincipalName = p.UPN(m.UserPrincipalName)
			}
		}
		slices.SortFunc(g.Members, func(a, b snapshot.GroupMember) int { return strings.Compare(a.ID, b.ID) })
		out.Groups[i] = g
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(mp.Policy))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("pseudonymize snapshot: authenticationMethodsPolicy.policy: %w", err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if tt, _ := x["targetType"].(string); strings.EqualFold(tt, "user") {
				if id, ok := x["id"].(string); ok && id != "" {
					x["id"] = p.ID(id)
				}
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(doc)
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("pseudonymize snapshot: %w", err)
	}
	out.Policy = b
	return &out, nil
}
