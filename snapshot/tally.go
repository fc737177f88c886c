package snapshot

import (
	"maps"
	"slices"
)

// Scopes of the Graph summary reports that can be derived from the per-user
// list. privilegedAdmin cannot: the per-user report says only isAdmin.
var DerivableScopes = []Scope{
	{UserTypes: "all", UserRoles: "all"},
	{UserTypes: "member", UserRoles: "all"},
	{UserTypes: "guest", UserRoles: "all"},
	{UserTypes: "all", UserRoles: "admin"},
}

// SummaryScopes are the scopes authgate asks Graph for.
var SummaryScopes = append(slices.Clone(DerivableScopes), Scope{UserTypes: "all", UserRoles: "privilegedAdmin"})

// Scope is the (includedUserTypes, includedUserRoles) pair of a summary.
type Scope struct {
	UserTypes string
	UserRoles string
}

// Counts are the users of one scope by capability and by registered method.
type Counts struct {
	Users                  int64
	MfaCapable             int64
	MfaRegistered          int64
	PasswordlessCapable    int64
	SsprCapable            int64
	SsprEnabled            int64
	SsprRegistered         int64
	SystemPreferredEnabled int64
	// Methods counts users per name in methodsRegistered.
	Methods map[string]int64
	// Unknown counts the users a share over this scope could not place or
	// judge: users of the scope whose row leaves a value the controls need
	// unknown (a null flag counts as not capable), plus the users who might
	// belong to it but cannot be placed (a null or unknown userType for
	// member and guest, a null isAdmin for admin). Users counts neither kind
	// of the latter.
	Unknown int64
}

func (c *Counts) add(u *UserRegistrationDetails) {
	c.Users++
	c.MfaCapable += b2i(u.IsMfaCapable)
	c.MfaRegistered += b2i(u.IsMfaRegistered)
	c.PasswordlessCapable += b2i(u.IsPasswordlessCapable)
	c.SsprCapable += b2i(u.IsSsprCapable)
	c.SsprEnabled += b2i(u.IsSsprEnabled)
	c.SsprRegistered += b2i(u.IsSsprRegistered)
	c.SystemPreferredEnabled += b2i(u.IsSystemPreferredAuthenticationMethodEnabled)
	if c.Methods == nil {
		c.Methods = make(map[string]int64)
	}
	for i, m := range u.MethodsRegistered {
		if !slices.Contains(u.MethodsRegistered[:i], m) { // a user counts once per method
			c.Methods[m]++
		}
	}
}

// Merge adds the counts of o to c.
func (c *Counts) Merge(o *Counts) {
	c.Users += o.Users
	c.MfaCapable += o.MfaCapable
	c.MfaRegistered += o.MfaRegistered
	c.PasswordlessCapable += o.PasswordlessCapable
	c.SsprCapable += o.SsprCapable
	c.SsprEnabled += o.SsprEnabled
	c.SsprRegistered += o.SsprRegistered
	c.SystemPreferredEnabled += o.SystemPreferredEnabled
	c.Unknown += o.Unknown
	if len(o.Methods) > 0 && c.Methods == nil {
		c.Methods = make(map[string]int64, len(o.Methods))
	}
	for k, v := range o.Methods {
		c.Methods[k] += v
	}
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// Tally counts users per derivable summary scope. The zero value is ready to use.
type Tally struct {
	All, Member, Guest, Admin Counts
}

// Add counts one user in every scope it belongs to. userType is compared
// case-insensitively; other values (unknownFutureValue, "", null) count in
// "all" only, and as unknown in member and guest. A null isAdmin keeps the
// user out of admin and counts as unknown there.
func (t *Tally) Add(u *UserRegistrationDetails) {
	unknown := b2i(u.Nulls&unknownMask != 0 || !u.UserTypeKnown())
	t.All.add(u)
	t.All.Unknown += unknown
	switch {
	case IsMember(u.UserType):
		t.Member.add(u)
		t.Member.Unknown += unknown
	case IsGuest(u.UserType):
		t.Guest.add(u)
		t.Guest.Unknown += unknown
	default:
		t.Member.Unknown++
		t.Guest.Unknown++
	}
	switch {
	case !u.AdminKnown():
		t.Admin.Unknown++
	case u.IsAdmin:
		t.Admin.add(u)
		t.Admin.Unknown += unknown
	}
}

// Merge adds the counts of o to t.
func (t *Tally) Merge(o *Tally) {
	t.All.Merge(&o.All)
	t.Member.Merge(&o.Member)
	t.Guest.Merge(&o.Guest)
	t.Admin.Merge(&o.Admin)
}

// Counts returns the counts of a derivable scope, or nil for another scope.
func (t *Tally) Counts(s Scope) *Counts {
	switch s {
	case Scope{"all", "all"}:
		return &t.All
	case Scope{"member", "all"}:
		return &t.Member
	case Scope{"guest", "all"}:
		return &t.Guest
	case Scope{"all", "admin"}:
		return &t.Admin
	}
	return nil
}

// FeatureSummary derives Graph's usersRegisteredByFeature for a derivable
// scope from the per-user counts. It returns false for other scopes.
// Graph's ssprEnabled, ssprCapable, ssprRegistered, passwordlessCapable and
// mfaCapable features map one to one onto the per-user flags.
func (t *Tally) FeatureSummary(s Scope) (FeatureSummary, bool) {
	c := t.Counts(s)
	if c == nil {
		return FeatureSummary{}, false
	}
	return FeatureSummary{
		TotalUserCount: c.Users,
		UserTypes:      s.UserTypes,
		UserRoles:      s.UserRoles,
		UserRegistrationFeatureCounts: []FeatureCount{
			{Feature: "ssprRegistered", UserCount: c.SsprRegistered},
			{Feature: "ssprEnabled", UserCount: c.SsprEnabled},
			{Feature: "ssprCapable", UserCount: c.SsprCapable},
			{Feature: "passwordlessCapable", UserCount: c.PasswordlessCapable},
			{Feature: "mfaCapable", UserCount: c.MfaCapable},
		},
		Offset: -1,
	}, true
}

// MethodSummary derives Graph's usersRegisteredByMethod for a derivable
// scope, methods sorted by name. Graph also counts "password", which the
// per-user report does not list, so a derived summary lacks it.
func (t *Tally) MethodSummary(s Scope) (MethodSummary, bool) {
	c := t.Counts(s)
	if c == nil {
		return MethodSummary{}, false
	}
	counts := make([]MethodCount, 0, len(c.Methods))
	for _, m := range slices.Sorted(maps.Keys(c.Methods)) {
		counts = append(counts, MethodCount{AuthenticationMethod: m, UserCount: c.Methods[m]})
	}
	return MethodSummary{
		TotalUserCount:               c.Users,
		UserTypes:                    s.UserTypes,
		UserRoles:                    s.UserRoles,
		UserRegistrationMethodCounts: counts,
		Offset:                       -1,
	}, true
}
