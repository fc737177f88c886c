package result

import (
	"maps"
	"slices"
	"strings"

	"github.com/authgate/authgate/snapshot"
)

// Aggregates are the tenant figures the evaluator computes in the same pass
// that streams the users; tenant-scoped controls read them as
// input.aggregates (docs/policies.md describes the shape).
type Aggregates struct {
	Users       int64
	Scopes      map[string]*ScopeCounts // all, member, guest, admin
	LastUpdated *snapshot.TimeRange
	// Accounts maps each entry of the break_glass_accounts parameter, as
	// given, to its row in the report, or nil when absent.
	Accounts map[string]*AccountRow
	// Roles is input.roles, the administrator set of the roles section;
	// nil without a roles section.
	Roles *RolesInput
}

// ScopeCounts are the users of one scope by capability, method and method class.
type ScopeCounts struct {
	snapshot.Counts
	// Classes counts users with at least one method of each taxonomy class.
	Classes map[string]int64
	// NoMethods counts users with no registered method.
	NoMethods int64
}

// AccountRow is the part of a watched account's row that controls read.
type AccountRow struct {
	ID                string
	UserPrincipalName string
	UserDisplayName   string
	MethodsRegistered []string
	// Offset is the row's byte offset in the snapshot.
	Offset int64
}

// scopeNames maps aggregate scope names to the Graph summary scopes.
var scopeNames = map[string]snapshot.Scope{
	"all":    {UserTypes: "all", UserRoles: "all"},
	"member": {UserTypes: "member", UserRoles: "all"},
	"guest":  {UserTypes: "guest", UserRoles: "all"},
	"admin":  {UserTypes: "all", UserRoles: "admin"},
}

// Aggregator accumulates Aggregates over chunks; each worker has its own and
// they are merged at the end.
type Aggregator struct {
	tally   snapshot.Tally
	classes map[string]*classCounts // scope name -> per-class counts
	// classOf maps a method name to the indexes of its taxonomy classes.
	classOf    map[string][]int
	classNames []string
	watch      map[string][]string // lower-cased id or UPN -> entries as given
	accounts   map[string]*AccountRow
}

type classCounts struct {
	perClass  []int64
	noMethods int64
}

// NewAggregator counts users into the taxonomy classes classNames (classOf
// maps a method to its class indexes) and watches the accounts of watch
// (WatchList).
func NewAggregator(classOf map[string][]int, classNames []string, watch map[string][]string) *Aggregator {
	a := &Aggregator{classOf: classOf, classNames: classNames, watch: watch, classes: map[string]*classCounts{}, accounts: map[string]*AccountRow{}}
	for name := range scopeNames {
		a.classes[name] = &classCounts{perClass: make([]int64, len(classNames))}
	}
	return a
}

// Add counts one user; mark is scratch space of one bool per class.
func (a *Aggregator) Add(u *snapshot.UserRegistrationDetails, mark []bool) {
	a.tally.Add(u)
	clear(mark)
	for _, m := range u.MethodsRegistered {
		for _, c := range a.classOf[m] {
			mark[c] = true
		}
	}
	a.addClasses("all", u, mark)
	// The scopes as snapshot.Tally places users: userType in any case, a
	// null isAdmin in no admin scope.
	switch {
	case snapshot.IsMember(u.UserType):
		a.addClasses("member", u, mark)
	case snapshot.IsGuest(u.UserType):
		a.addClasses("guest", u, mark)
	}
	if u.IsAdmin && u.AdminKnown() {
		a.addClasses("admin", u, mark)
	}
	if len(a.watch) > 0 {
		a.watchUser(u)
	}
}

func (a *Aggregator) addClasses(scope string, u *snapshot.UserRegistrationDetails, mark []bool) {
	cc := a.classes[scope]
	for i, on := range mark {
		if on {
			cc.perClass[i]++
		}
	}
	if len(u.MethodsRegistered) == 0 {
		cc.noMethods++
	}
}

func (a *Aggregator) watchUser(u *snapshot.UserRegistrationDetails) {
	for _, key := range []string{strings.ToLower(u.ID), strings.ToLower(u.UserPrincipalName)} {
		for _, entry := range a.watch[key] {
			a.accounts[entry] = &AccountRow{ID: u.ID, UserPrincipalName: u.UserPrincipalName, UserDisplayName: u.UserDisplayName, MethodsRegistered: u.MethodsRegistered, Offset: u.Offset}
		}
	}
}

// Merge adds the counts of o, another worker's aggregator.
func (a *Aggregator) Merge(o *Aggregator) {
	a.tally.Merge(&o.tally)
	for name, cc := range o.classes {
		mine := a.classes[name]
		for i, n := range cc.perClass {
			mine.perClass[i] += n
		}
		mine.noMethods += cc.noMethods
	}
	maps.Copy(a.accounts, o.accounts)
}

// Finish builds the Aggregates; entries lists the watched accounts as given.
func (a *Aggregator) Finish(lastUpdated *snapshot.TimeRange, entries []string) *Aggregates {
	out := &Aggregates{Users: a.tally.All.Users, Scopes: map[string]*ScopeCounts{}, LastUpdated: lastUpdated, Accounts: map[string]*AccountRow{}}
	for name, scope := range scopeNames {
		sc := &ScopeCounts{Counts: *a.tally.Counts(scope), Classes: map[string]int64{}}
		if sc.Methods == nil {
			sc.Methods = map[string]int64{}
		}
		cc := a.classes[name]
		for i, n := range cc.perClass {
			sc.Classes[a.classNames[i]] = n
		}
		sc.NoMethods = cc.noMethods
		out.Scopes[name] = sc
	}
	for _, e := range entries {
		out.Accounts[e] = a.accounts[e]
	}
	return out
}

// WatchList indexes break-glass entries by their lower-cased form.
func WatchList(entries []string) map[string][]string {
	w := map[string][]string{}
	for _, e := range slices.Compact(slices.Sorted(slices.Values(entries))) {
		k := strings.ToLower(e)
		w[k] = append(w[k], e)
	}
	return w
}

// JSON returns the aggregates in the documented shape of input.aggregates
// (docs/policies.md), as tenant-scoped controls see them.
func (a *Aggregates) JSON() map[string]any {
	scopes := map[string]any{}
	for name, s := range a.Scopes {
		scopes[name] = map[string]any{
			"users":                  s.Users,
			"mfaCapable":             s.MfaCapable,
			"mfaRegistered":          s.MfaRegistered,
			"passwordlessCapable":    s.PasswordlessCapable,
			"ssprCapable":            s.SsprCapable,
			"ssprEnabled":            s.SsprEnabled,
			"ssprRegistered":         s.SsprRegistered,
			"systemPreferredEnabled": s.SystemPreferredEnabled,
			"methods":                s.Methods,
			"classes":                s.Classes,
			"noMethods":              s.NoMethods,
			"unknown":                s.Unknown,
		}
	}
	accounts := map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(a.Accounts)) {
		row := a.Accounts[k]
		if row == nil {
			accounts[k] = nil
			continue
		}
		accounts[k] = map[string]any{
			"id": row.ID, "userPrincipalName": row.UserPrincipalName,
			"userDisplayName": row.UserDisplayName, "methodsRegistered": nonNilStrings(row.MethodsRegistered),
		}
	}
	var lu any
	if a.LastUpdated != nil {
		lu = map[string]any{"min": a.LastUpdated.Min, "max": a.LastUpdated.Max}
	}
	return map[string]any{"users": a.Users, "scopes": scopes, "lastUpdatedDateTime": lu, "accounts": accounts}
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
