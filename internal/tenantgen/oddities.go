package tenantgen

import (
	"strings"

	"github.com/authgate/authgate/snapshot"
)

// The emulator tells the truth about Graph: Microsoft's schema
// (userRegistrationDetails in the v1.0 CSDL) lets isAdmin, userType,
// isSystemPreferredAuthenticationMethodEnabled, the collections and
// userPreferredMethodForSecondaryAuthentication be null, its enums are
// evolvable (unknownFutureValue and members added later appear by name),
// responses may carry @odata annotations, and the service has been seen to
// vary the case of systemPreferredAuthenticationMethods ("Sms", "Push").
// A small seeded share of the rows carries each of these legal oddities
// unless Tenant.Ideal is set; the demo shows them through AM-DQ-03.

// Oddity rates, per row, each drawn independently.
const (
	oddAdminNull       = 0.004 // isAdmin null
	oddUserTypeFuture  = 0.003 // userType unknownFutureValue
	oddUserTypeNull    = 0.001 // userType null
	oddSysPrefNull     = 0.010 // isSystemPreferredAuthenticationMethodEnabled null
	oddMethodsNull     = 0.002 // methodsRegistered null
	oddSysMethodsNull  = 0.005 // systemPreferredAuthenticationMethods null
	oddPreferredFuture = 0.005 // userPreferredMethodForSecondaryAuthentication unknownFutureValue
	oddPreferredNull   = 0.005 // userPreferredMethodForSecondaryAuthentication null
	oddCaseVariant     = 0.030 // systemPreferredAuthenticationMethods with a capital first letter
	oddAnnotation      = 0.020 // an @odata.type annotation member
)

// annotateBit marks, in Nulls, a row AppendUser writes with an @odata.type
// annotation. The snapshot package uses the low bits only (one per
// property it reads) and ignores this one.
const annotateBit = 1 << 31

// The Nulls bits of the properties oddify sets to null.
var (
	nullIsAdmin       = nullBit("isAdmin")
	nullUserType      = nullBit("userType")
	nullSysPrefOn     = nullBit("isSystemPreferredAuthenticationMethodEnabled")
	nullMethods       = nullBit("methodsRegistered")
	nullSysPrefMethod = nullBit("systemPreferredAuthenticationMethods")
	nullPreferred     = nullBit("userPreferredMethodForSecondaryAuthentication")
)

// nullBit returns the Nulls bit of the property name, 0 for a name
// snapshot.PropertyNames does not list (TestNullBits keeps the bits above
// non-zero).
func nullBit(name string) uint32 {
	for k, n := range snapshot.PropertyNames {
		if n == name {
			return 1 << k
		}
	}
	return 0
}

// User returns user i of the tenant: GenerateUser's row, with the legal
// oddities unless t.Ideal, as a baseline saw it when t.Before.
func (t Tenant) User(i int) snapshot.UserRegistrationDetails {
	u := GenerateUser(t.Seed, i, t.Now)
	if !t.Ideal {
		oddify(t.Seed, i, &u)
	}
	if t.Before {
		before(t.Seed, i, &u)
	}
	return u
}

// oddify gives row i its oddities, drawn from a stream of its own so that
// the ideal values of every row stay those of GenerateUser.
func oddify(seed int64, i int, u *snapshot.UserRegistrationDetails) {
	_, h := permKeys(seed)
	r := rng(mix(h ^ uint64(i)*0x9e3779b97f4a7c15 ^ 0x0dd1_7135))
	if r.chance(oddAdminNull) {
		u.IsAdmin = false
		u.Nulls |= nullIsAdmin
	}
	if r.chance(oddUserTypeFuture) {
		u.UserType = "unknownFutureValue"
	} else if r.chance(oddUserTypeNull) {
		u.UserType = ""
		u.Nulls |= nullUserType
	}
	if r.chance(oddSysPrefNull) {
		u.IsSystemPreferredAuthenticationMethodEnabled = false
		u.Nulls |= nullSysPrefOn
	}
	if r.chance(oddMethodsNull) {
		u.MethodsRegistered = []string{}
		u.Nulls |= nullMethods
	}
	if r.chance(oddSysMethodsNull) {
		u.SystemPreferredAuthenticationMethods = []string{}
		u.Nulls |= nullSysPrefMethod
	} else if r.chance(oddCaseVariant) && len(u.SystemPreferredAuthenticationMethods) > 0 {
		ms := make([]string, len(u.SystemPreferredAuthenticationMethods))
		for k, m := range u.SystemPreferredAuthenticationMethods {
			ms[k] = strings.ToUpper(m[:1]) + m[1:]
		}
		u.SystemPreferredAuthenticationMethods = ms
	}
	if r.chance(oddPreferredFuture) {
		u.UserPreferredMethodForSecondaryAuthentication = "unknownFutureValue"
	} else if r.chance(oddPreferredNull) {
		u.UserPreferredMethodForSecondaryAuthentication = ""
		u.Nulls |= nullPreferred
	}
	if r.chance(oddAnnotation) {
		u.Nulls |= annotateBit
	}
}

// nullify rewrites the row AppendUser wrote at b[start:] with null for
// each property marked in u.Nulls, and the annotation when marked. It runs
// for the few odd rows only, so the ideal rows keep the fast path.
func nullify(b []byte, start int, u *snapshot.UserRegistrationDetails, beta bool) []byte {
	row := string(b[start:])
	for k, name := range snapshot.PropertyNames {
		if u.Nulls&(1<<k) == 0 {
			continue
		}
		key := `"` + name + `":`
		i := strings.Index(row, key)
		if i < 0 {
			continue
		}
		j := i + len(key)
		end := valueEnd(row, j)
		row = row[:j] + "null" + row[end:]
	}
	if u.Nulls&annotateBit != 0 {
		row = `{"@odata.type":"#microsoft.graph.userRegistrationDetails",` + row[1:]
	}
	return append(b[:start], row...)
}

// valueEnd returns the end of the JSON value (a string, a literal or an
// array of strings, as AppendUser writes them) that starts at s[j].
func valueEnd(s string, j int) int {
	switch s[j] {
	case '"':
		for k := j + 1; k < len(s); k++ {
			switch s[k] {
			case '\\':
				k++
			case '"':
				return k + 1
			}
		}
	case '[':
		in := false
		for k := j + 1; k < len(s); k++ {
			switch {
			case in && s[k] == '\\':
				k++
			case s[k] == '"':
				in = !in
			case !in && s[k] == ']':
				return k + 1
			}
		}
	default:
		for k := j; k < len(s); k++ {
			if s[k] == ',' || s[k] == '}' {
				return k
			}
		}
	}
	return len(s)
}
