package evaluator

import (
	"github.com/authgate/authgate/snapshot"
	"github.com/open-policy-agent/opa/v1/ast"
)

// userBuilder turns a chunk of users into the input of the user query,
// converting only the properties the loaded controls can read (fields, nil
// for all). One per worker: its caches of repeated strings (user types,
// method names, report timestamps) and of method lists live as long as the
// worker, and each chunk's terms come from a few large allocations instead
// of one per value.
type userBuilder struct {
	fields userFields
	roles  *roleSet // the roles section's administrator set, or nil
	keep   [nUserKeys]bool
	n      int // properties kept per user, at most
	terms  termCache
	lists  map[string]*ast.Term // a joined method list -> its array term
	key    []byte               // list's lookup key, reused
}

// The properties of a user object, in the order userTerm writes them.
const (
	uID = iota
	uUPN
	uDisplayName
	uUserType
	uIsAdmin
	uIsMfaCapable
	uIsMfaRegistered
	uIsPwlCapable
	uIsSsprCapable
	uIsSsprEnabled
	uIsSsprRegistered
	uIsSysPrefEnabled
	uSysPrefMethods
	uUserPrefMethod
	uMethodsRegistered
	uLastUpdated
	uDefaultMfaMethod
	uUnknown        // only on a row that leaves a needed value unknown
	uDirectoryRoles // only on a role holder, with a roles section
	nUserKeys
)

var userKeys = [nUserKeys]*ast.Term{
	kID, kUPN, kDisplayName, kUserType, kIsAdmin, kIsMfaCapable, kIsMfaRegistered, kIsPwlCapable,
	kIsSsprCapable, kIsSsprEnabled, kIsSsprRegistered, kIsSysPrefEnabled, kSysPrefMethods,
	kUserPrefMethod, kMethodsRegistered, kLastUpdated, kDefaultMfaMethod, kUnknown, kDirectoryRoles,
}

// newUserBuilder converts fields (nil: every property) and gives role
// holders of roles (nil: no roles section) their directoryRoles.
func newUserBuilder(fields userFields, roles *roleSet) *userBuilder {
	b := &userBuilder{fields: fields, roles: roles, terms: termCache{}, lists: map[string]*ast.Term{}}
	for i, k := range userKeys {
		b.keep[i] = fields.has(string(k.Value.(ast.String)))
		if b.keep[i] {
			b.n++
		}
	}
	return b
}

// maxLists bounds the cache of method lists: a tenant has a few hundred
// distinct combinations, an adversarial snapshot could have one per user.
const maxLists = 4096

// list returns the array term of the method names ss, shared by every user
// with the same list. OPA never changes an input value, so sharing is safe.
func (b *userBuilder) list(ss []string) *ast.Term {
	if len(ss) == 0 {
		return ast.ArrayTerm()
	}
	if len(ss) == 1 {
		if t, ok := b.lists[ss[0]]; ok {
			return t
		}
		t := ast.ArrayTerm(b.terms.term(ss[0]))
		if len(b.lists) < maxLists {
			b.lists[ss[0]] = t
		}
		return t
	}
	key := b.key[:0]
	for i, s := range ss {
		if i > 0 {
			key = append(key, 0) // method names hold no NUL
		}
		key = append(key, s...)
	}
	b.key = key
	if t, ok := b.lists[string(key)]; ok {
		return t
	}
	t := b.terms.strings(ss)
	if len(b.lists) < maxLists {
		b.lists[string(key)] = t
	}
	return t
}

// chunk builds {"userRegistrationDetails": [...]} for users: for every
// property it keeps, the same value userTerm and withDirectoryRoles give
// the whole document (isAdmin null when the row left it null, the
// "@authgate.unknown" list, a role holder's directoryRoles).
func (b *userBuilder) chunk(users []snapshot.UserRegistrationDetails) ast.Object {
	items := make([][2]*ast.Term, 0, len(users)*b.n) // every user's pairs, one allocation
	strs := make([]ast.Term, 0, len(users)*3)        // id, UPN, display name
	out := make([]*ast.Term, len(users))
	str := func(s string) *ast.Term {
		strs = append(strs, ast.Term{Value: ast.String(s)})
		return &strs[len(strs)-1]
	}
	for i := range users {
		u := &users[i]
		start := len(items)
		put := func(k int, v *ast.Term) { items = append(items, [2]*ast.Term{userKeys[k], v}) }
		if b.keep[uID] {
			put(uID, str(u.ID))
		}
		if b.keep[uUPN] {
			put(uUPN, str(u.UserPrincipalName))
		}
		if b.keep[uDisplayName] {
			put(uDisplayName, str(u.UserDisplayName))
		}
		if b.keep[uUserType] {
			put(uUserType, b.terms.term(u.UserType))
		}
		if b.keep[uIsAdmin] {
			put(uIsAdmin, adminTerm(u))
		}
		for k, v := range [...]bool{
			uIsMfaCapable: u.IsMfaCapable, uIsMfaRegistered: u.IsMfaRegistered,
			uIsPwlCapable: u.IsPasswordlessCapable, uIsSsprCapable: u.IsSsprCapable, uIsSsprEnabled: u.IsSsprEnabled,
			uIsSsprRegistered: u.IsSsprRegistered, uIsSysPrefEnabled: u.IsSystemPreferredAuthenticationMethodEnabled,
		} {
			if k >= uIsMfaCapable && b.keep[k] {
				put(k, ast.InternedTerm(v))
			}
		}
		if b.keep[uSysPrefMethods] {
			put(uSysPrefMethods, b.list(u.SystemPreferredAuthenticationMethods))
		}
		if b.keep[uUserPrefMethod] {
			put(uUserPrefMethod, b.terms.term(u.UserPreferredMethodForSecondaryAuthentication))
		}
		if b.keep[uMethodsRegistered] {
			put(uMethodsRegistered, b.list(u.MethodsRegistered))
		}
		if b.keep[uLastUpdated] {
			put(uLastUpdated, b.terms.term(u.LastUpdatedDateTime))
		}
		if b.keep[uDefaultMfaMethod] && u.DefaultMfaMethod != "" {
			put(uDefaultMfaMethod, b.terms.term(u.DefaultMfaMethod))
		}
		if b.keep[uUnknown] {
			if unknown := u.Unknown(); unknown != nil {
				put(uUnknown, b.list(unknown))
			}
		}
		if b.keep[uDirectoryRoles] && b.roles != nil {
			if t := b.roles.term(u.ID); t != nil {
				put(uDirectoryRoles, t)
			}
		}
		out[i] = ast.ObjectTerm(items[start:len(items):len(items)]...)
	}
	return ast.NewObject([2]*ast.Term{kUsers, ast.ArrayTerm(out...)})
}
