// Package scope holds the exclusions declared in authgate.yaml: accounts
// (shared and room mailboxes, service accounts, break-glass accounts) that
// must not count toward some controls. Unlike a waiver, which accepts a
// finding for a time, an exclusion takes users out of a control's scope:
// no findings, and out of the numerator and the denominator of its shares.
// Exclusions do not expire, but a passed review_by date and an entry that
// matches nobody are reported.
//
// The package only models and matches; it does not link OPA.
package scope

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
)

// All stands for every control in Exclusion.Controls.
const All = "all"

// Exclusion is one entry of authgate.yaml's exclusions.
type Exclusion struct {
	// Subjects are object ids, UPNs or UPN glob patterns (path.Match
	// syntax: *, ?, [a-z]), compared case-insensitively.
	Subjects []string `yaml:"subjects" json:"subjects,omitempty"`
	// Groups are group object ids; their transitive user members are
	// fetched with the snapshot (fetch --config authgate.yaml).
	Groups []string `yaml:"groups" json:"groups,omitempty"`
	// Controls are control ids, or "all".
	Controls []string `yaml:"controls" json:"controls"`
	Reason   string   `yaml:"reason" json:"reason"`
	Owner    string   `yaml:"owner" json:"owner"`
	// ReviewBy is an optional YYYY-MM-DD date by which the entry must be
	// reviewed; past it, the entry still applies and is reported overdue.
	ReviewBy string `yaml:"review_by" json:"reviewBy,omitempty"`
	// IncludeAdmins lets the entry remove administrators from the AM-ADM
	// and AM-BG controls, which it otherwise leaves them in.
	IncludeAdmins bool `yaml:"include_admins" json:"includeAdmins,omitempty"`
}

// Set is a validated list of exclusions.
type Set struct {
	// Source names where the entries were declared, for messages.
	Source  string
	Entries []Exclusion
	c       []compiled
}

type compiled struct {
	ids, upns map[string]bool
	patterns  []string
	groups    []string
	all       bool
	controls  map[string]bool
}

// User is what matching needs to know of a user.
type User struct {
	ID                string
	UserPrincipalName string
	// Admin is true when the user is in the administrator set.
	Admin bool
}

// GroupMembers answers whether a user (by id) is a transitive member of a
// group (by id), from the snapshot's groups.
type GroupMembers func(groupID, userID string) bool

// New validates entries. isControl reports whether an id names a loaded
// control; nil accepts any.
func New(source string, entries []Exclusion, isControl func(string) bool) (*Set, error) {
	s := &Set{Source: source, Entries: entries}
	for i, e := range entries {
		at := fmt.Sprintf("%s: exclusions[%d]", source, i)
		if len(e.Subjects) == 0 && len(e.Groups) == 0 {
			return nil, fmt.Errorf("%s: names no subjects and no groups", at)
		}
		if len(e.Controls) == 0 {
			return nil, fmt.Errorf("%s: controls: want control ids or %q", at, All)
		}
		if strings.TrimSpace(e.Reason) == "" {
			return nil, fmt.Errorf("%s: reason is required", at)
		}
		if strings.TrimSpace(e.Owner) == "" {
			return nil, fmt.Errorf("%s: owner is required", at)
		}
		if e.ReviewBy != "" {
			if _, err := time.Parse(time.DateOnly, e.ReviewBy); err != nil {
				return nil, fmt.Errorf("%s: review_by %q: want a YYYY-MM-DD date", at, e.ReviewBy)
			}
		}
		c := compiled{ids: map[string]bool{}, upns: map[string]bool{}, controls: map[string]bool{}}
		for _, id := range e.Controls {
			switch {
			case id == All:
				c.all = true
			case isControl != nil && !isControl(id):
				return nil, fmt.Errorf("%s: controls: %q is not a loaded control", at, id)
			default:
				c.controls[id] = true
			}
		}
		for j, sub := range e.Subjects {
			v := strings.ToLower(strings.TrimSpace(sub))
			switch {
			case v == "":
				return nil, fmt.Errorf("%s: subjects[%d] is empty", at, j)
			case IsPattern(v):
				if _, err := path.Match(v, ""); err != nil {
					return nil, fmt.Errorf("%s: subjects[%d] %q: not a valid pattern: %v", at, j, sub, err)
				}
				c.patterns = append(c.patterns, v)
			default:
				// An exact subject matches an id or a UPN, whichever it is
				// (a pseudonymised evaluation passes their tokens).
				c.ids[v], c.upns[v] = true, true
			}
		}
		for j, g := range e.Groups {
			if strings.TrimSpace(g) == "" {
				return nil, fmt.Errorf("%s: groups[%d] is empty", at, j)
			}
			c.groups = append(c.groups, strings.ToLower(strings.TrimSpace(g)))
		}
		s.c = append(s.c, c)
	}
	return s, nil
}

// IsPattern reports whether a subject is a UPN glob pattern rather than an
// exact id or UPN.
func IsPattern(subject string) bool { return strings.ContainsAny(subject, "*?[") }

// Groups returns the group ids the entries name, sorted, for fetch to
// resolve.
func (s *Set) Groups() []string {
	if s == nil {
		return nil
	}
	var out []string
	for _, c := range s.c {
		out = append(out, c.groups...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Len is the number of entries.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.c)
}

// adminControl reports whether removing an administrator from control id
// needs include_admins.
func adminControl(id string) bool {
	return strings.HasPrefix(id, "AM-ADM-") || strings.HasPrefix(id, "AM-BG-")
}

// Covers reports whether entry i names control id (directly or by "all").
func (s *Set) Covers(i int, id string) bool {
	return s.c[i].all || s.c[i].controls[id]
}

// MatchesUser reports whether entry i names u, by id, UPN, pattern or
// group, whatever the control.
func (s *Set) MatchesUser(i int, u User, members GroupMembers) bool {
	c := &s.c[i]
	id, upn := strings.ToLower(u.ID), strings.ToLower(u.UserPrincipalName)
	if id != "" && c.ids[id] || upn != "" && c.upns[upn] {
		return true
	}
	if upn != "" {
		for _, p := range c.patterns {
			if ok, _ := path.Match(p, upn); ok {
				return true
			}
		}
	}
	if members != nil && id != "" {
		for _, g := range c.groups {
			if members(g, id) {
				return true
			}
		}
	}
	return false
}

// Excludes returns the index of the first entry that takes u out of
// control id's scope, or -1. An administrator stays in the AM-ADM and
// AM-BG controls unless the entry says include_admins.
func (s *Set) Excludes(id string, u User, members GroupMembers) int {
	if s == nil {
		return -1
	}
	for i := range s.c {
		if !s.Covers(i, id) {
			continue
		}
		if u.Admin && adminControl(id) && !s.Entries[i].IncludeAdmins {
			continue
		}
		if s.MatchesUser(i, u, members) {
			return i
		}
	}
	return -1
}

// Status is what became of one entry in an evaluation.
type Status struct {
	Exclusion
	// Index is the entry's position in the declaration.
	Index int `json:"index"`
	// Users is how many users of the report the entry matched (whatever
	// the control).
	Users int64 `json:"users"`
	// Removed maps each control id to how many users the entry took out of
	// its scope: users of the report the control no longer judges or counts
	// (whether or not they had a finding), plus subjects outside the report
	// whose findings it dropped. A user matched by several entries counts
	// for the first.
	Removed map[string]int64 `json:"removed"`
	// ReviewOverdue is true when review_by is before the evaluation date.
	ReviewOverdue bool `json:"reviewOverdue,omitempty"`
}

// Describe names entry i in a message.
func (s *Set) Describe(i int) string {
	e := s.Entries[i]
	who := slices.Concat(e.Subjects, prefixed("group ", e.Groups))
	return fmt.Sprintf("%s: exclusions[%d] (%s: %s)", s.Source, i, strings.Join(e.Controls, ","), strings.Join(who, ", "))
}

func prefixed(p string, ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = p + s
	}
	return out
}

// Warnings returns one line per entry whose review_by date is before now,
// and per entry that matched no user, in declaration order.
func (s *Set) Warnings(st []Status, now time.Time) []string {
	var out []string
	for _, x := range st {
		if x.ReviewOverdue {
			out = append(out, fmt.Sprintf("exclusion %s was due for review on %s: review it and set a new review_by (it still applies)", s.Describe(x.Index), x.ReviewBy))
		}
		if x.Users == 0 {
			out = append(out, fmt.Sprintf("exclusion %s matched no user of the report: remove it or fix its subjects", s.Describe(x.Index)))
		}
	}
	return out
}

// Overdue reports whether entry i's review_by is before now (UTC dates).
func (s *Set) Overdue(i int, now time.Time) bool {
	rb := s.Entries[i].ReviewBy
	if rb == "" {
		return false
	}
	d, err := time.Parse(time.DateOnly, rb)
	if err != nil {
		return false
	}
	return now.UTC().Truncate(24 * time.Hour).After(d)
}
