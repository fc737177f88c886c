package tenantgen

import (
	"strconv"
	"unicode/utf8"

	"github.com/authgate/authgate/snapshot"
)

// AppendUser appends u to b as one compact JSON object with Graph's property
// names in the order Graph returns them. defaultMfaMethod is written only when
// beta is true (it exists only in the beta API), and then always, "" when
// unset, as Graph does. A property whose bit is set in u.Nulls is written
// as null; a row marked for it (the emulator's oddities) starts with an
// @odata.type annotation.
func AppendUser(b []byte, u *snapshot.UserRegistrationDetails, beta bool) []byte {
	if u.Nulls == 0 {
		return appendUser(b, u, beta)
	}
	start := len(b)
	b = appendUser(b, u, beta)
	return nullify(b, start, u, beta)
}

func appendUser(b []byte, u *snapshot.UserRegistrationDetails, beta bool) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, u.ID)
	b = append(b, `,"userPrincipalName":`...)
	b = appendString(b, u.UserPrincipalName)
	b = append(b, `,"userDisplayName":`...)
	b = appendString(b, u.UserDisplayName)
	b = append(b, `,"userType":`...)
	b = appendString(b, u.UserType)
	b = append(b, `,"isAdmin":`...)
	b = strconv.AppendBool(b, u.IsAdmin)
	b = append(b, `,"isSsprRegistered":`...)
	b = strconv.AppendBool(b, u.IsSsprRegistered)
	b = append(b, `,"isSsprEnabled":`...)
	b = strconv.AppendBool(b, u.IsSsprEnabled)
	b = append(b, `,"isSsprCapable":`...)
	b = strconv.AppendBool(b, u.IsSsprCapable)
	b = append(b, `,"isMfaRegistered":`...)
	b = strconv.AppendBool(b, u.IsMfaRegistered)
	b = append(b, `,"isMfaCapable":`...)
	b = strconv.AppendBool(b, u.IsMfaCapable)
	b = append(b, `,"isPasswordlessCapable":`...)
	b = strconv.AppendBool(b, u.IsPasswordlessCapable)
	b = append(b, `,"isSystemPreferredAuthenticationMethodEnabled":`...)
	b = strconv.AppendBool(b, u.IsSystemPreferredAuthenticationMethodEnabled)
	b = append(b, `,"systemPreferredAuthenticationMethods":`...)
	b = appendStrings(b, u.SystemPreferredAuthenticationMethods)
	b = append(b, `,"userPreferredMethodForSecondaryAuthentication":`...)
	b = appendString(b, u.UserPreferredMethodForSecondaryAuthentication)
	b = append(b, `,"methodsRegistered":`...)
	b = appendStrings(b, u.MethodsRegistered)
	b = append(b, `,"lastUpdatedDateTime":`...)
	b = appendString(b, u.LastUpdatedDateTime)
	if beta {
		b = append(b, `,"defaultMfaMethod":`...)
		b = appendString(b, u.DefaultMfaMethod)
	}
	return append(b, '}')
}

func appendStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for k, s := range ss {
		if k > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD, as
// encoding/json does.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for k := 0; k < len(s); {
		c := s[k]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				k++
				continue
			}
			b = append(b, s[start:k]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			k++
			start = k
			continue
		}
		r, size := utf8.DecodeRuneInString(s[k:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:k]...)
			b = append(b, `\ufffd`...)
			k += size
			start = k
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:k]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			k += size
			start = k
			continue
		}
		k += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
