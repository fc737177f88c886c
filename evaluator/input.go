package evaluator

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/authgate/authgate/result"
	"github.com/authgate/authgate/snapshot"
	"github.com/open-policy-agent/opa/v1/ast"
)

// Keys of a user object, built once and shared by every user.
var (
	kID                = ast.StringTerm("id")
	kUPN               = ast.StringTerm("userPrincipalName")
	kDisplayName       = ast.StringTerm("userDisplayName")
	kUserType          = ast.StringTerm("userType")
	kIsAdmin           = ast.StringTerm("isAdmin")
	kIsMfaCapable      = ast.StringTerm("isMfaCapable")
	kIsMfaRegistered   = ast.StringTerm("isMfaRegistered")
	kIsPwlCapable      = ast.StringTerm("isPasswordlessCapable")
	kIsSsprCapable     = ast.StringTerm("isSsprCapable")
	kIsSsprEnabled     = ast.StringTerm("isSsprEnabled")
	kIsSsprRegistered  = ast.StringTerm("isSsprRegistered")
	kIsSysPrefEnabled  = ast.StringTerm("isSystemPreferredAuthenticationMethodEnabled")
	kSysPrefMethods    = ast.StringTerm("systemPreferredAuthenticationMethods")
	kUserPrefMethod    = ast.StringTerm("userPreferredMethodForSecondaryAuthentication")
	kMethodsRegistered = ast.StringTerm("methodsRegistered")
	kLastUpdated       = ast.StringTerm("lastUpdatedDateTime")
	kDefaultMfaMethod  = ast.StringTerm("defaultMfaMethod")
	kUsers             = ast.StringTerm("userRegistrationDetails")
	kUnknown           = ast.StringTerm(UnknownKey)
)

// UnknownKey is the member authgate adds to a user object in the Rego input
// when the row leaves a value the controls need unknown: the names of those
// properties (snapshot.UserRegistrationDetails.Unknown). Complete rows have
// no such member. The "@" keeps it apart from Graph's property names.
const UnknownKey = "@authgate.unknown"

// termCache shares the terms of low-cardinality strings (enums, method
// names, report timestamps) within one worker.
type termCache map[string]*ast.Term

func (c termCache) term(s string) *ast.Term {
	if t, ok := c[s]; ok {
		return t
	}
	t := ast.StringTerm(s)
	if len(c) < 8192 {
		c[s] = t
	}
	return t
}

func (c termCache) strings(ss []string) *ast.Term {
	terms := make([]*ast.Term, len(ss))
	for i, s := range ss {
		terms[i] = c.term(s)
	}
	return ast.ArrayTerm(terms...)
}

// userTerm builds the AST of one user straight from the typed struct, with
// Graph's property names: about three times cheaper than converting a
// decoded map with ast.InterfaceToValue.
func userTerm(u *snapshot.UserRegistrationDetails, c termCache) *ast.Term {
	items := [][2]*ast.Term{
		{kID, ast.StringTerm(u.ID)},
		{kUPN, ast.StringTerm(u.UserPrincipalName)},
		{kDisplayName, ast.StringTerm(u.UserDisplayName)},
		{kUserType, c.term(u.UserType)},
		{kIsAdmin, adminTerm(u)},
		{kIsMfaCapable, ast.InternedTerm(u.IsMfaCapable)},
		{kIsMfaRegistered, ast.InternedTerm(u.IsMfaRegistered)},
		{kIsPwlCapable, ast.InternedTerm(u.IsPasswordlessCapable)},
		{kIsSsprCapable, ast.InternedTerm(u.IsSsprCapable)},
		{kIsSsprEnabled, ast.InternedTerm(u.IsSsprEnabled)},
		{kIsSsprRegistered, ast.InternedTerm(u.IsSsprRegistered)},
		{kIsSysPrefEnabled, ast.InternedTerm(u.IsSystemPreferredAuthenticationMethodEnabled)},
		{kSysPrefMethods, c.strings(u.SystemPreferredAuthenticationMethods)},
		{kUserPrefMethod, c.term(u.UserPreferredMethodForSecondaryAuthentication)},
		{kMethodsRegistered, c.strings(u.MethodsRegistered)},
		{kLastUpdated, c.term(u.LastUpdatedDateTime)},
	}
	if u.DefaultMfaMethod != "" {
		items = append(items, [2]*ast.Term{kDefaultMfaMethod, c.term(u.DefaultMfaMethod)})
	}
	if unknown := u.Unknown(); unknown != nil {
		items = append(items, [2]*ast.Term{kUnknown, c.strings(unknown)})
	}
	return ast.ObjectTerm(items...)
}

// adminTerm is isAdmin as the row gave it: null stays null, so that neither
// `u.isAdmin == true` nor `not u.isAdmin` places the user. A null
// capability flag, in contrast, is presented as false: a user whose
// capability is unknown is never counted as capable, by any policy.
// Null strings read as "" and null collections as [], for the same reason
// and so that string builtins never meet a null.
func adminTerm(u *snapshot.UserRegistrationDetails) *ast.Term {
	if !u.AdminKnown() {
		return ast.NullTerm()
	}
	return ast.InternedTerm(u.IsAdmin)
}

func usersTerm(users []snapshot.UserRegistrationDetails, c termCache) *ast.Term {
	terms := make([]*ast.Term, len(users))
	for i := range users {
		terms[i] = userTerm(&users[i], c)
	}
	return ast.ArrayTerm(terms...)
}

// toValue converts a JSON-marshalable Go value to an AST value.
func toValue(v any) (ast.Value, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var x any
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&x); err != nil {
		return nil, err
	}
	return ast.InterfaceToValue(x)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// tenantInput is the input of tenant-scoped controls.
func tenantInput(info *snapshot.Info, agg *result.Aggregates) (ast.Value, error) {
	v, err := toValue(map[string]any{
		"manifest":                 info.Manifest,
		"usersRegisteredByFeature": nonNilSlice(info.UsersRegisteredByFeature),
		"usersRegisteredByMethod":  nonNilSlice(info.UsersRegisteredByMethod),
		"aggregates":               agg.JSON(),
		"usage":                    info.Usage, // null without a usage section

		"roles": rolesJSON(agg), // null without a roles section (roles.go)
	})
	if err != nil {
		return nil, fmt.Errorf("build tenant input: %w", err)
	}
	return v, nil
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// documentInput is the whole document plus the aggregates, with each role
// holder's directoryRoles (roles nil: no roles section), as the streamed
// users see them.
func documentInput(info *snapshot.Info, users []snapshot.UserRegistrationDetails, agg *result.Aggregates, roles *roleSet) (ast.Value, error) {
	v, err := tenantInput(info, agg)
	if err != nil {
		return nil, err
	}
	obj := v.(ast.Object)
	obj.Insert(ast.StringTerm("schemaVersion"), ast.InternedTerm(info.SchemaVersion))
	obj.Insert(kUsers, withDirectoryRoles(usersTerm(users, termCache{}), users, roles))
	return obj, nil
}

// InputUser is the user u as the user controls see it in
// input.userRegistrationDetails (a role holder's directoryRoles aside): the
// row's values presented as userTerm presents them, with the
// "@authgate.unknown" member. Tools that hand the same input to `opa eval`
// (bench/gen) use it, so both evaluate the same users.
func InputUser(u *snapshot.UserRegistrationDetails) (any, error) {
	return ast.JSON(userTerm(u, termCache{}).Value)
}
