package pseudonym

import (
	"cmp"
	"maps"
	"slices"
	"strings"

	"github.com/authgate/authgate/result"
)

// Result replaces, in place, every user id, UPN and display name of r with
// tokens: violation subjects, the subject's names wherever a message repeats
// them, UPN- and GUID-shaped words in messages, skip reasons, parameters and
// waivers (the tenant id is kept), and the watched accounts of r.Aggregates.
// Call it after waivers are applied and before rendering: outputs then
// compute fingerprints from the tokens, which are stable for one key.
//
// A display name is replaced in a tenant-level message only when it belongs
// to a subject of r or to a watched account; built-in controls name users by
// UPN or id.
func (p *Pseudonymizer) Result(r *result.Result) {
	keep := map[string]bool{}
	if r.Snapshot.TenantID != "" {
		keep[strings.ToLower(r.Snapshot.TenantID)] = true
	}
	// Display names known from subjects and accounts, longest first so that
	// "Ana Lima-Smith" goes before "Ana Lima".
	nameSet := map[string]bool{}
	for ci := range r.Controls {
		for _, v := range r.Controls[ci].Violations {
			if v.Subject != nil && v.Subject.DisplayName != "" {
				nameSet[v.Subject.DisplayName] = true
			}
		}
	}
	if r.Aggregates != nil {
		for _, row := range r.Aggregates.Accounts {
			if row != nil && row.UserDisplayName != "" {
				nameSet[row.UserDisplayName] = true
			}
		}
	}
	names := slices.Collect(maps.Keys(nameSet))
	slices.SortFunc(names, func(a, b string) int { return cmp.Or(cmp.Compare(len(b), len(a)), cmp.Compare(a, b)) })

	waiver := func(w *result.Waiver) {
		if w != nil {
			w.Subject = p.Text(w.Subject, nil, keep)
		}
	}
	for ci := range r.Controls {
		c := &r.Controls[ci]
		c.SkipReason = p.Text(c.SkipReason, names, keep)
		for pi := range c.Params {
			c.Params[pi].Default = p.Value(c.Params[pi].Default, keep)
			c.Params[pi].Value = p.Value(c.Params[pi].Value, keep)
		}
		for vi := range c.Violations {
			v := &c.Violations[vi]
			if s := v.Subject; s != nil {
				msg := v.Message
				if s.DisplayName != "" {
					msg = strings.ReplaceAll(msg, s.DisplayName, p.Name(s.DisplayName))
				}
				for _, id := range []string{s.UserPrincipalName, s.ID} {
					if len(id) >= 6 { // Entra ids are GUIDs; short test ids would hit words
						msg = strings.ReplaceAll(msg, id, p.ID(id))
					}
				}
				v.Message = msg
				// Roles name directory roles and groups, not people.
				v.Subject = &result.Subject{ID: p.ID(s.ID), UserPrincipalName: p.ID(s.UserPrincipalName), DisplayName: p.Name(s.DisplayName), Roles: s.Roles}
			}
			v.Message = p.Text(v.Message, names, keep)
			if v.Waiver != nil {
				w := *v.Waiver
				waiver(&w)
				v.Waiver = &w
			}
		}
	}
	for i := range r.Waivers {
		waiver(&r.Waivers[i].Waiver)
	}
	// An exclusion's subjects (ids, UPNs, patterns) become tokens: an exact
	// id or UPN gets the token its findings would carry. Group ids stay.
	for i := range r.Exclusions {
		subs := make([]string, len(r.Exclusions[i].Subjects))
		for j, s := range r.Exclusions[i].Subjects {
			subs[j] = p.ID(s)
		}
		r.Exclusions[i].Subjects = subs
	}
	p.policySummary(r.MethodsPolicy, keep)
	if a := r.Aggregates; a != nil && len(a.Accounts) > 0 {
		accounts := make(map[string]*result.AccountRow, len(a.Accounts))
		for k, row := range a.Accounts {
			if row != nil {
				row = &result.AccountRow{
					ID: p.ID(row.ID), UserPrincipalName: p.ID(row.UserPrincipalName), UserDisplayName: p.Name(row.UserDisplayName),
					MethodsRegistered: row.MethodsRegistered, Offset: row.Offset,
				}
			}
			accounts[p.Text(k, nil, keep)] = row
		}
		a.Accounts = accounts
	}
}
