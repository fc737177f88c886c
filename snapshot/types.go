package snapshot

import (
	"bytes"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// SchemaVersion is the version of the snapshot document this package reads and writes.
const SchemaVersion = 1

// Clouds a manifest may name.
var Clouds = []string{"global", "usgov", "usgovdod", "china", "custom"}

// APIVersions a manifest may name.
var APIVersions = []string{"v1.0", "beta"}

// Document is a whole snapshot held in memory. Large tenants should be read
// with Scan, which streams the users instead.
type Document struct {
	SchemaVersion            int                       `json:"schemaVersion"`
	Manifest                 Manifest                  `json:"manifest"`
	UsersRegisteredByFeature []FeatureSummary          `json:"usersRegisteredByFeature,omitempty"`
	UsersRegisteredByMethod  []MethodSummary           `json:"usersRegisteredByMethod,omitempty"`
	UserRegistrationDetails  []UserRegistrationDetails `json:"userRegistrationDetails"`
}

// Manifest records what was fetched, from where, when and how.
type Manifest struct {
	TenantID      string `json:"tenantId"`
	Cloud         string `json:"cloud"`
	GraphEndpoint string `json:"graphEndpoint"`
	APIVersion    string `json:"apiVersion"`
	// FetchedAt is an RFC 3339 time: when the fetch completed.
	FetchedAt string `json:"fetchedAt"`

	// The fields below are written by authgate fetch; hand-made snapshots may omit them.

	Tool       string `json:"tool,omitempty"`
	AuthMode   string `json:"authMode,omitempty"`
	Principal  string `json:"principal,omitempty"`
	StartedAt  string `json:"startedAt,omitempty"`
	FinishedAt string `json:"finishedAt,omitempty"`
	// PagingComplete is false when the fetch stopped before the last page;
	// check refuses such a snapshot. Nil means the producer did not say.
	PagingComplete *bool `json:"pagingComplete,omitempty"`
	Requests       int64 `json:"requests,omitempty"`
	Pages          int64 `json:"pages,omitempty"`
	Retries        int64 `json:"retries,omitempty"`
	Throttled      int64 `json:"throttled,omitempty"`
	UserCount      int64 `json:"userCount,omitempty"`
	// DuplicateRows counts per-user rows Graph listed more than once with
	// the same content; the snapshot keeps each user once.
	DuplicateRows int64 `json:"duplicateRows,omitempty"`
	// LastUpdated is the range of lastUpdatedDateTime over the per-user rows.
	LastUpdated *TimeRange `json:"lastUpdated,omitempty"`
	// UsersSHA256 is the hex SHA-256 of the userRegistrationDetails array
	// exactly as written in the snapshot (from '[' to ']').
	UsersSHA256 string `json:"usersSha256,omitempty"`
	// Summaries says, for each summary scope, whether Graph returned it or
	// it was derived from the per-user list.
	Summaries []SummarySource `json:"summaries,omitempty"`
	// MethodsPolicy records where the authentication methods policy section
	// came from (fetch --include policy); nil without one.
	MethodsPolicy *PolicySource `json:"methodsPolicy,omitempty"`
}

// TimeRange is a closed range of RFC 3339 times.
type TimeRange struct {
	Min string `json:"min"`
	Max string `json:"max"`
}

// Summary sources.
const (
	SourceGraph   = "graph"
	SourceDerived = "derived"
	// SourceOmitted marks a scope neither Graph nor the per-user list could
	// give (privilegedAdmin when Graph refuses the summaries to an app).
	SourceOmitted = "omitted"
)

// SummarySource records where one summary scope came from.
type SummarySource struct {
	// Report is "usersRegisteredByFeature" or "usersRegisteredByMethod".
	Report    string `json:"report"`
	UserTypes string `json:"userTypes"`
	UserRoles string `json:"userRoles"`
	// Source is "graph", "derived" or "omitted".
	Source string `json:"source"`
	// Reason says why a scope was derived or left out (e.g. the 403 Graph gave).
	Reason string `json:"reason,omitempty"`
}

// FeatureSummary is Graph's userRegistrationFeatureSummary.
type FeatureSummary struct {
	TotalUserCount                int64          `json:"totalUserCount"`
	UserTypes                     string         `json:"userTypes"`
	UserRoles                     string         `json:"userRoles"`
	UserRegistrationFeatureCounts []FeatureCount `json:"userRegistrationFeatureCounts"`
	// Offset is the byte offset of the object in the snapshot, or -1.
	Offset int64 `json:"-"`
}

// FeatureCount is Graph's userRegistrationFeatureCount.
type FeatureCount struct {
	Feature   string `json:"feature"`
	UserCount int64  `json:"userCount"`
}

// MethodSummary is Graph's userRegistrationMethodSummary.
type MethodSummary struct {
	TotalUserCount               int64         `json:"totalUserCount"`
	UserTypes                    string        `json:"userTypes"`
	UserRoles                    string        `json:"userRoles"`
	UserRegistrationMethodCounts []MethodCount `json:"userRegistrationMethodCounts"`
	// Offset is the byte offset of the object in the snapshot, or -1.
	Offset int64 `json:"-"`
}

// MethodCount is Graph's userRegistrationMethodCount.
type MethodCount struct {
	AuthenticationMethod string `json:"authenticationMethod"`
	UserCount            int64  `json:"userCount"`
}

// UserRegistrationDetails is one row of Graph's per-user registration report.
// Property names are Graph's. Unknown properties in the input are ignored.
type UserRegistrationDetails struct {
	ID                                            string   `json:"id"`
	UserPrincipalName                             string   `json:"userPrincipalName"`
	UserDisplayName                               string   `json:"userDisplayName"`
	UserType                                      string   `json:"userType"`
	IsAdmin                                       bool     `json:"isAdmin"`
	IsMfaCapable                                  bool     `json:"isMfaCapable"`
	IsMfaRegistered                               bool     `json:"isMfaRegistered"`
	IsPasswordlessCapable                         bool     `json:"isPasswordlessCapable"`
	IsSsprCapable                                 bool     `json:"isSsprCapable"`
	IsSsprEnabled                                 bool     `json:"isSsprEnabled"`
	IsSsprRegistered                              bool     `json:"isSsprRegistered"`
	IsSystemPreferredAuthenticationMethodEnabled  bool     `json:"isSystemPreferredAuthenticationMethodEnabled"`
	SystemPreferredAuthenticationMethods          []string `json:"systemPreferredAuthenticationMethods"`
	UserPreferredMethodForSecondaryAuthentication string   `json:"userPreferredMethodForSecondaryAuthentication"`
	MethodsRegistered                             []string `json:"methodsRegistered"`
	LastUpdatedDateTime                           string   `json:"lastUpdatedDateTime"`
	// DefaultMfaMethod exists only in the beta API.
	DefaultMfaMethod string `json:"defaultMfaMethod,omitempty"`

	// Nulls has bit 1<<k set when the k-th property of PropertyNames was
	// null in the row; the field then holds its zero value. Graph's schema
	// lets isAdmin, userType, isSystemPreferredAuthenticationMethodEnabled
	// and the collections be null, and a service can bend its contract for
	// the others: the loader keeps such rows and leaves the judgement to
	// the controls (see Unknown).
	Nulls uint32 `json:"-"`

	// Offset is the byte offset of the object in the snapshot, or -1.
	Offset int64 `json:"-"`
}

// PropertyNames are the userRegistrationDetails properties the loader
// reads, in the order of the bits of UserRegistrationDetails.Nulls.
var PropertyNames = [...]string{
	fID: "id", fUserPrincipalName: "userPrincipalName", fUserDisplayName: "userDisplayName",
	fUserType: "userType", fIsAdmin: "isAdmin", fIsMfaCapable: "isMfaCapable",
	fIsMfaRegistered: "isMfaRegistered", fIsPasswordlessCapable: "isPasswordlessCapable",
	fIsSsprCapable: "isSsprCapable", fIsSsprEnabled: "isSsprEnabled", fIsSsprRegistered: "isSsprRegistered",
	fIsSystemPreferredEnabled: "isSystemPreferredAuthenticationMethodEnabled",
	fSystemPreferredMethods:   "systemPreferredAuthenticationMethods",
	fUserPreferredMethod:      "userPreferredMethodForSecondaryAuthentication",
	fMethodsRegistered:        "methodsRegistered", fLastUpdatedDateTime: "lastUpdatedDateTime",
	fDefaultMfaMethod: "defaultMfaMethod",
}

// IsNull reports whether the property name was null in the row.
func (u *UserRegistrationDetails) IsNull(name string) bool {
	for k, n := range PropertyNames {
		if n == name {
			return u.Nulls&(1<<k) != 0
		}
	}
	return false
}

// unknownMask are the properties the controls need: a null one leaves the
// user's standing unknown.
const unknownMask = 1<<fIsAdmin | 1<<fUserType | 1<<fIsMfaCapable | 1<<fIsMfaRegistered |
	1<<fIsPasswordlessCapable | 1<<fIsSsprCapable | 1<<fIsSsprEnabled | 1<<fIsSsprRegistered |
	1<<fIsSystemPreferredEnabled | 1<<fMethodsRegistered

// UserTypeKnown reports whether userType is one the controls can place:
// member or guest, in any case (the service has varied the case of its
// enum values). unknownFutureValue, a member added after this release, an
// empty string and null are not.
func (u *UserRegistrationDetails) UserTypeKnown() bool {
	return IsMember(u.UserType) || IsGuest(u.UserType)
}

// IsMember and IsGuest compare a userType case-insensitively.
func IsMember(userType string) bool { return strings.EqualFold(userType, "member") }

// IsGuest reports whether userType is guest, in any case.
func IsGuest(userType string) bool { return strings.EqualFold(userType, "guest") }

// Unknown returns, in PropertyNames order, the properties the controls need
// that this row leaves unknown: isAdmin, userType, a capability flag or
// methodsRegistered null, or a userType that is neither member nor guest.
// It returns nil for a complete row, without allocating.
func (u *UserRegistrationDetails) Unknown() []string {
	bits := u.Nulls & unknownMask
	if !u.UserTypeKnown() {
		bits |= 1 << fUserType
	}
	if bits == 0 {
		return nil
	}
	var out []string
	for k, n := range PropertyNames {
		if bits&(1<<k) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// AdminKnown reports whether isAdmin was given (not null).
func (u *UserRegistrationDetails) AdminKnown() bool { return u.Nulls&(1<<fIsAdmin) == 0 }

// MarshalJSON writes the row with Graph's property names, in the struct's
// order, null where the row had null, so a rewritten snapshot (a
// pseudonymised copy) keeps them.
func (u UserRegistrationDetails) MarshalJSON() ([]byte, error) {
	type plain UserRegistrationDetails
	b, err := json.Marshal(plain(u), encodeV1)
	if err != nil || u.Nulls == 0 {
		return b, err
	}
	nulls := map[string]bool{}
	for k, n := range PropertyNames {
		if u.Nulls&(1<<k) != 0 {
			nulls[n] = true
		}
	}
	dec := jsontext.NewDecoder(bytes.NewReader(b))
	if _, err := dec.ReadToken(); err != nil { // {
		return nil, err
	}
	out := append(make([]byte, 0, len(b)), '{')
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, err
		}
		name := tok.String() // before the next read voids the token
		v, err := dec.ReadValue()
		if err != nil {
			return nil, err
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out, err = jsontext.AppendQuote(out, name)
		if err != nil {
			return nil, err
		}
		out = append(out, ':')
		if nulls[name] {
			out = append(out, "null"...)
		} else {
			out = append(out, v...)
		}
	}
	return append(out, '}'), nil
}
