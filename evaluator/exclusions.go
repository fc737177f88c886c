package evaluator

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/authgate/authgate/result"
	"github.com/authgate/authgate/scope"
	"github.com/authgate/authgate/snapshot"
)

// WithExclusions takes the users the set names out of its controls' scope:
// their findings are dropped and, for tenant controls evaluated on the
// aggregates, they leave the counts the shares are computed from.
func WithExclusions(s *scope.Set) Option { return func(c *config) { c.exclusions = s } }

// WithExclusions returns a copy of e that evaluates with the exclusion set
// s instead of the one it was built with (nil: none): a pseudonymised
// evaluation resolves its exclusions against the snapshot it reads. The
// compiled controls are shared.
func (e *Engine) WithExclusions(s *scope.Set) *Engine {
	c := *e
	c.cfg.exclusions = s
	return &c
}

// exclState is one worker's view of the exclusions while it counts users.
type exclState struct {
	set     *scope.Set
	members scope.GroupMembers
	covered []string // the controls some entry covers
	tenant  []string // those of them that are tenant-scoped
	// newAgg makes an aggregator for the excluded users of one key.
	newAgg func() *result.Aggregator

	matched  []int64                       // users matched per entry
	removed  []map[string]int64            // entry -> control -> users removed (tenant controls)
	children map[string]*result.Aggregator // excluded tenant controls (joined) -> their users' counts
	admin    map[string]bool               // lower-cased id and UPN of matched users -> in the admin set
}

// newExcl prepares a worker's exclusion state, or nil without exclusions.
func (e *Engine) newExcl(groups []snapshot.RoleGroup) *exclState {
	s := e.cfg.exclusions
	if s.Len() == 0 {
		return nil
	}
	x := &exclState{set: s, children: map[string]*result.Aggregator{}, admin: map[string]bool{}}
	x.members = groupMembers(groups)
	for _, c := range e.controls {
		for i := range s.Len() {
			if s.Covers(i, c.ID) {
				x.covered = append(x.covered, c.ID)
				if c.Scope == result.ScopeTenant {
					x.tenant = append(x.tenant, c.ID)
				}
				break
			}
		}
	}
	x.matched = make([]int64, s.Len())
	x.removed = make([]map[string]int64, s.Len())
	for i := range x.removed {
		x.removed[i] = map[string]int64{}
	}
	x.newAgg = func() *result.Aggregator { return result.NewAggregator(e.taxonomy.classOf, e.taxonomy.classes, nil) }
	return x
}

// groupMembers indexes the exclusion groups' members by lower-cased ids.
func groupMembers(groups []snapshot.RoleGroup) scope.GroupMembers {
	m := map[string]map[string]bool{}
	for _, g := range groups {
		us := m[strings.ToLower(g.ID)]
		if us == nil {
			us = map[string]bool{}
		}
		for _, raw := range g.Members {
			var p struct {
				ID string `json:"id"`
			}
			if err := jsonv2.Unmarshal(raw, &p); err == nil && p.ID != "" {
				us[strings.ToLower(p.ID)] = true
			}
		}
		m[strings.ToLower(g.ID)] = us
	}
	return func(groupID, userID string) bool { return m[strings.ToLower(groupID)][strings.ToLower(userID)] }
}

// see counts u (as the admin scope counts it) against the exclusions.
func (x *exclState) see(u *snapshot.UserRegistrationDetails, mark []bool) {
	su := scope.User{ID: u.ID, UserPrincipalName: u.UserPrincipalName, Admin: u.IsAdmin}
	any := false
	for i := range x.set.Len() {
		if x.set.MatchesUser(i, su, x.members) {
			x.matched[i]++
			any = true
		}
	}
	if !any {
		return
	}
	x.admin[strings.ToLower(u.ID)] = u.IsAdmin
	if u.UserPrincipalName != "" {
		x.admin[strings.ToLower(u.UserPrincipalName)] = u.IsAdmin
	}
	var key []string
	for _, c := range x.covered {
		i := x.set.Excludes(c, su, x.members)
		if i < 0 {
			continue
		}
		x.removed[i][c]++
		if slices.Contains(x.tenant, c) {
			key = append(key, c)
		}
	}
	if len(key) == 0 {
		return
	}
	k := strings.Join(key, ",")
	child := x.children[k]
	if child == nil {
		child = x.newAgg()
		x.children[k] = child
	}
	child.Add(u, mark)
}

func (x *exclState) merge(o *exclState) {
	if o == nil {
		return
	}
	for i, n := range o.matched {
		x.matched[i] += n
		for c, r := range o.removed[i] {
			x.removed[i][c] += r
		}
	}
	for k, child := range o.children {
		if mine := x.children[k]; mine != nil {
			mine.Merge(child)
		} else {
			x.children[k] = child
		}
	}
	maps.Copy(x.admin, o.admin)
}

// minus returns the aggregates of control id: base less the users the
// exclusions take out of its scope.
func (x *exclState) minus(id string, base *result.Aggregates, lastUpdated *snapshot.TimeRange) *result.Aggregates {
	out := *base
	out.Scopes = map[string]*result.ScopeCounts{}
	for name, sc := range base.Scopes {
		c := *sc
		c.Methods = maps.Clone(sc.Methods)
		c.Classes = maps.Clone(sc.Classes)
		out.Scopes[name] = &c
	}
	for k, child := range x.children {
		if !slices.Contains(strings.Split(k, ","), id) {
			continue
		}
		ex := child.Finish(lastUpdated, nil)
		out.Users -= ex.Users
		for name, sc := range ex.Scopes {
			o := out.Scopes[name]
			o.Users -= sc.Users
			o.MfaCapable -= sc.MfaCapable
			o.MfaRegistered -= sc.MfaRegistered
			o.PasswordlessCapable -= sc.PasswordlessCapable
			o.SsprCapable -= sc.SsprCapable
			o.SsprEnabled -= sc.SsprEnabled
			o.SsprRegistered -= sc.SsprRegistered
			o.SystemPreferredEnabled -= sc.SystemPreferredEnabled
			o.NoMethods -= sc.NoMethods
			for m, n := range sc.Methods {
				if o.Methods[m] -= n; o.Methods[m] <= 0 {
					delete(o.Methods, m)
				}
			}
			for c, n := range sc.Classes {
				o.Classes[c] -= n
			}
		}
	}
	return &out
}

// applyExclusions re-evaluates the tenant controls some exclusion covers on
// their own aggregates, then drops every finding whose subject an
// exclusion takes out of its control's scope. It returns the entries'
// statuses.
func (e *Engine) applyExclusions(ctx context.Context, x *exclState, info *snapshot.Info, base *result.Aggregates, roles *roleSet, found [][]result.Violation, now time.Time) ([]scope.Status, error) {
	if x == nil {
		return nil, nil
	}
	if e.cfg.mode != ModeDocument {
		for _, id := range x.tenant {
			idx := slices.IndexFunc(e.controls, func(c *controlDef) bool { return c.ID == id })
			agg := x.minus(id, base, info.LastUpdated)
			in, err := tenantInput(info, agg)
			if err != nil {
				return nil, err
			}
			found[idx] = nil
			if err := e.evalInto(ctx, e.tenantQuery, in, now, func(i int) bool { return i == idx }, found, nil, nil); err != nil {
				return nil, err
			}
		}
	}
	st := make([]scope.Status, x.set.Len())
	for i := range st {
		st[i] = scope.Status{Exclusion: x.set.Entries[i], Index: i, Users: x.matched[i], Removed: maps.Clone(x.removed[i]), ReviewOverdue: x.set.Overdue(i, now)}
	}
	for idx, c := range e.controls {
		if len(found[idx]) == 0 {
			continue
		}
		seen := map[string]int{} // subject -> entry, for counting users once
		kept := found[idx][:0]
		for _, v := range found[idx] {
			if v.Subject == nil {
				kept = append(kept, v)
				continue
			}
			u := scope.User{ID: v.Subject.ID, UserPrincipalName: v.Subject.UserPrincipalName}
			u.Admin = x.admin[strings.ToLower(u.ID)] || x.admin[strings.ToLower(u.UserPrincipalName)]
			if roles != nil {
				_, held := roles.holders[u.ID]
				u.Admin = u.Admin || held
			}
			i := x.set.Excludes(c.ID, u, x.members)
			if i < 0 {
				kept = append(kept, v)
				continue
			}
			// Users of the report were counted as they were read; a subject
			// outside it (a role holder without a row, a missing break-glass
			// account) is counted here, once.
			key := strings.ToLower(u.ID + "|" + u.UserPrincipalName)
			_, inReport := x.admin[strings.ToLower(u.ID)]
			if _, ok := seen[key]; !ok && !inReport {
				seen[key] = i
				st[i].Removed[c.ID]++
			}
		}
		found[idx] = kept
	}
	return st, nil
}
