package tenantgen

import (
	"encoding/hex"
	"strconv"
	"time"

	"github.com/authgate/authgate/snapshot"
)

// Domain is the verified domain of the synthetic tenant; every UPN ends in it.
const Domain = "contoso.example"

// Tenant describes the synthetic tenant.
type Tenant struct {
	// Seed selects the tenant: the same seed gives the same users.
	Seed int64
	// Users is the number of users in the per-user report.
	Users int
	// Now is the reference time for lastUpdatedDateTime: rows are a few
	// hours older than Now, stale rows days older. New uses the current
	// time, truncated to the second, when it is zero.
	Now time.Time
	// TenantID is the tenant's GUID. New derives one from Seed when empty.
	TenantID string
	// Ideal turns the legal oddities off (oddities.go): every row is then
	// GenerateUser's. Tests that compare with fixed figures set it.
	Ideal bool
	// Before describes the same users as a baseline taken a month earlier
	// saw them (before.go): the demo checks against it so that the trend
	// controls have something to find.
	Before bool
}

// Each calls fn for every user of t in order. The pointer is reused between
// calls: fn must copy what it keeps.
func (t Tenant) Each(fn func(i int, u *snapshot.UserRegistrationDetails)) {
	for i := range t.Users {
		u := t.User(i)
		fn(i, &u)
	}
}

// DefaultTenantID returns the tenant GUID that New uses for seed when
// Tenant.TenantID is empty.
func DefaultTenantID(seed int64) string {
	return guid(mix(uint64(seed)^0x7e4a_11d0_5eed_7e11), mix(uint64(seed)+0x0ddba11))
}

// IsPrivilegedAdmin reports whether user i of the tenant for seed holds one of
// the roles Graph's includedUserRoles=privilegedAdmin covers (Global,
// Security, Conditional Access, Exchange, SharePoint, Helpdesk, Billing, User
// or Authentication Administrator). It is meaningful only for users whose
// isAdmin is true: about 60% of the generated admins are privileged.
func IsPrivilegedAdmin(seed int64, i int) bool {
	return mix(uint64(seed)*0x9e37_79b9_7f4a_7c15^uint64(i)^0x5052_4956)%10 < 6
}

// UserIndex returns the index of the generated user with object id id in the
// tenant for seed, or false when no user of the first n has that id.
func UserIndex(seed int64, n int, id string) (int, bool) {
	if len(id) != 36 {
		return 0, false
	}
	var tail [6]byte
	if _, err := hex.Decode(tail[:], []byte(id[24:])); err != nil {
		return 0, false
	}
	var x uint64
	for _, b := range tail {
		x = x<<8 | uint64(b)
	}
	k, _ := permKeys(seed)
	i := (x*permMulInv)&mask48 ^ k
	if i >= uint64(n) {
		return 0, false
	}
	if userID(seed, int(i)) != id {
		return 0, false
	}
	return int(i), true
}

const (
	mask48  = 1<<48 - 1
	permMul = 0x5DEE_CE66_D1CE_4E5B // odd, so invertible modulo 2^48
)

// permMulInv is the inverse of permMul modulo 2^64 (hence modulo 2^48).
var permMulInv = func() uint64 {
	x := uint64(permMul) // correct to 3 bits; each Newton step doubles them
	for range 5 {
		x *= 2 - permMul*x
	}
	return x
}()

func permKeys(seed int64) (xor uint64, hash uint64) {
	h := mix(uint64(seed) ^ 0x1d5e_ed00_c0ff_ee00)
	return h & mask48, mix(h)
}

// mix is splitmix64's finaliser.
func mix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// rng is a splitmix64 stream.
type rng uint64

func (r *rng) next() uint64 {
	*r += 0x9e3779b97f4a7c15
	z := uint64(*r)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// float returns a number in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// chance reports true with probability p.
func (r *rng) chance(p float64) bool { return r.float() < p }

func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

const hexDigits = "0123456789abcdef"

// guid formats 128 bits as a version-4 style GUID.
func guid(hi, lo uint64) string {
	var b [16]byte
	for k := range 8 {
		b[k] = byte(hi >> (56 - 8*k))
		b[8+k] = byte(lo >> (56 - 8*k))
	}
	return formatGUID(b)
}

func formatGUID(b [16]byte) string {
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	j := 0
	for k, c := range b {
		if k == 4 || k == 6 || k == 8 || k == 10 {
			out[j] = '-'
			j++
		}
		out[j] = hexDigits[c>>4]
		out[j+1] = hexDigits[c&0x0f]
		j += 2
	}
	return string(out[:])
}

// userID is the object id of user i: 80 bits hashed from (seed, i), then
// 48 bits that are a keyed permutation of i, so UserIndex can invert it.
func userID(seed int64, i int) string {
	k, h := permKeys(seed)
	hi := mix(h ^ uint64(i))
	lo := mix(hi)
	p := ((uint64(i) ^ k) * permMul) & mask48
	var b [16]byte
	for n := range 8 {
		b[n] = byte(hi >> (56 - 8*n))
	}
	b[8] = byte(lo >> 56)
	b[9] = byte(lo >> 48)
	for n := range 6 {
		b[10+n] = byte(p >> (40 - 8*n))
	}
	return formatGUID(b)
}

var firstNames = [...]string{
	"Ana", "Ben", "Chloé", "Dmitri", "Elif", "Farid", "Grace", "Hiro", "Ines", "Jonas",
	"Kofi", "Lena", "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq",
	"Uma", "Viktor", "Wen", "Ximena", "Yusuf", "Zoe", "Aisha", "Bruno", "Carmen", "Dev",
	"Eva", "Felix",
}

var lastNames = [...]string{
	"Lima", "Okafor", "Martin", "Ivanova", "Yılmaz", "Haddad", "Nguyen", "Tanaka", "Garcia", "Berg",
	"Mensah", "Schmidt", "Rossi", "Kowalski", "Said", "Patel", "Murphy", "Silva", "Larsen", "Khan",
	"Rao", "Novak", "Chen", "Lopez", "Demir", "Fischer", "Osei", "Costa", "Ruiz", "Sharma",
	"Moreau", "Weber",
}

// displayNames and guestDisplayNames are every first and last name pair.
var displayNames, guestDisplayNames = func() (m, g [len(firstNames) * len(lastNames)]string) {
	for k := range m {
		m[k] = firstNames[k/len(lastNames)] + " " + lastNames[k%len(lastNames)]
		g[k] = m[k] + " (Guest)"
	}
	return m, g
}()

var guestDomains = [...]string{"fabrikam.example", "northwind.example", "tailspin.example", "adatum.example"}

// unknownMethods are method names no taxonomy knows, as Graph may add them.
var unknownMethods = [...]string{"quantumToken", "satelliteOneTimePasscode"}

// Method sets the generator draws from.
const (
	mPush        = "microsoftAuthenticatorPush"
	mAuthPwl     = "microsoftAuthenticatorPasswordless"
	mSoftOTP     = "softwareOneTimePasscode"
	mHardOTP     = "hardwareOneTimePasscode"
	mFido2       = "fido2SecurityKey"
	mWHfB        = "windowsHelloForBusiness"
	mPasskeyAuth = "passKeyDeviceBoundAuthenticator"
	mPasskeyDev  = "passKeyDeviceBound"
	mPasskeyWH   = "passKeyDeviceBoundWindowsHello"
	mPasskeySync = "passKeySynced"
	mMacSE       = "macOsSecureEnclaveKey"
	mMobile      = "mobilePhone"
	mAltMobile   = "alternateMobilePhone"
	mOffice      = "officePhone"
	mEmail       = "email"
	mSecQ        = "securityQuestion"
	mTAP         = "temporaryAccessPass"
	mExternal    = "externalAuthMethod"
)

// phishingResistantPool and passwordlessPool are the strong methods drawn for
// passwordless users (the first five are phishing-resistant).
var passwordlessPool = [...]string{mFido2, mWHfB, mPasskeyAuth, mPasskeyDev, mPasskeyWH, mMacSE, mAuthPwl, mPasskeySync}

// Method properties the flags are derived from.
const (
	fMFA          = 1 << iota // counts for isMfaRegistered
	fPasswordless             // counts for isPasswordlessCapable
	fSSPR                     // usable for self-service password reset
	fDisallowed               // registered but not allowed by the tenant's methods policy
)

func methodFlags(m string) int {
	switch m {
	case mPush, mSoftOTP, mHardOTP, mMobile, mAltMobile:
		return fMFA | fSSPR
	case mAuthPwl:
		return fMFA | fPasswordless | fSSPR
	case mFido2, mWHfB, mPasskeyAuth, mPasskeyDev, mPasskeyWH, mPasskeySync, mMacSE:
		return fMFA | fPasswordless
	case mOffice:
		// The synthetic tenant's methods policy disables voice calls to
		// office phones: registered, not allowed.
		return fMFA | fSSPR | fDisallowed
	case mExternal:
		return fMFA
	case mEmail, mSecQ:
		return fSSPR
	}
	return 0 // temporaryAccessPass, unknown names
}

// secondFactor maps a registered method to Graph's userDefaultAuthenticationMethod value.
func secondFactor(m string) string {
	switch m {
	case mPush, mAuthPwl:
		return "push"
	case mSoftOTP, mHardOTP:
		return "oath"
	case mMobile:
		return "sms"
	case mAltMobile:
		return "voiceAlternateMobile"
	case mOffice:
		return "voiceOffice"
	}
	return ""
}

// defaultMfaFor maps a userPreferredMethodForSecondaryAuthentication value to
// beta's defaultMfaMethod.
func defaultMfaFor(pref string) string {
	switch pref {
	case "push":
		return "microsoftAuthenticatorPush"
	case "oath":
		return "softwareOneTimePasscode"
	case "sms", "voiceMobile":
		return "mobilePhone"
	case "voiceAlternateMobile":
		return "alternateMobilePhone"
	case "voiceOffice":
		return "officePhone"
	}
	return ""
}

// systemPreferredOrder is the order in which system-preferred MFA picks a
// second factor among those Graph's enum can name.
var systemPreferredOrder = [...]string{"push", "oath", "sms", "voiceAlternateMobile", "voiceOffice"}

// formatTicks formats t in UTC as Graph writes DateTimeOffset values:
// RFC 3339 with seven fractional digits (100 ns ticks) and a Z, like
// "2025-05-14T06:12:33.1234567Z". It is time.Format's result, faster.
func formatTicks(t time.Time) string {
	t = t.UTC()
	y, mo, d := t.Date()
	h, mi, sec := t.Clock()
	ticks := t.Nanosecond() / 100
	var b [28]byte
	put := func(at, n, width int) {
		for k := at + width - 1; k >= at; k-- {
			b[k] = byte('0' + n%10)
			n /= 10
		}
	}
	if y < 0 || y > 9999 {
		return t.Format("2006-01-02T15:04:05.0000000Z")
	}
	put(0, y, 4)
	b[4] = '-'
	put(5, int(mo), 2)
	b[7] = '-'
	put(8, d, 2)
	b[10] = 'T'
	put(11, h, 2)
	b[13] = ':'
	put(14, mi, 2)
	b[16] = ':'
	put(17, sec, 2)
	b[19] = '.'
	put(20, ticks, 7)
	b[27] = 'Z'
	return string(b[:])
}

// GenerateUser returns user i (0-based) of the synthetic tenant for seed. It
// is a pure function of (seed, i, now), so a server can serve any page
// without holding the tenant in memory.
//
// Shares (approximate): 88% members, 12% guests; 1.5% of members and 0.3% of
// guests are admins, about 3% of admins have no method at all and about half
// have a phishing-resistant method; about 89% of members are MFA-capable and
// 20% passwordless-capable; some users hold only weak methods (phone, email,
// security questions); about 1 in 1000 rows is days stale and about 1 in 1000
// registered a method name no taxonomy knows. The flags agree with the
// methods: isMfaCapable implies a registered MFA method the tenant allows
// (calls to office phones are not allowed), isPasswordlessCapable a
// passwordless method, isSsprCapable is isSsprEnabled and isSsprRegistered.
func GenerateUser(seed int64, i int, now time.Time) snapshot.UserRegistrationDetails {
	_, h := permKeys(seed)
	r := rng(mix(h ^ uint64(i)*0xd1b54a32d192ed03))
	u := snapshot.UserRegistrationDetails{
		ID:     userID(seed, i),
		Offset: -1,
	}
	name := r.intn(len(displayNames))
	guest := r.chance(0.12)
	var upn [96]byte
	var num [20]byte
	digits := strconv.AppendInt(num[:0], int64(i), 10)
	if guest {
		u.UserType = "guest"
		u.UserDisplayName = guestDisplayNames[name]
		b := append(upn[:0], "guest"...)
		b = append(b, "00000"[min(len(digits), 5):]...)
		b = append(b, digits...)
		b = append(b, '_')
		b = append(b, guestDomains[r.intn(len(guestDomains))]...)
		b = append(b, "#EXT#@"+Domain...)
		u.UserPrincipalName = string(b)
		u.IsAdmin = r.chance(0.003)
	} else {
		u.UserType = "member"
		u.UserDisplayName = displayNames[name]
		b := append(upn[:0], "user"...)
		b = append(b, "00000"[min(len(digits), 5):]...)
		b = append(b, digits...)
		b = append(b, "@"+Domain...)
		u.UserPrincipalName = string(b)
		u.IsAdmin = r.chance(0.015)
	}

	methods := make([]string, 0, 5)
	p := r.float()
	switch {
	case u.IsAdmin:
		switch {
		case p < 0.03: // admin without any method
		case p < 0.06: // admin with weak methods only
			methods = append(methods, mMobile)
		case p < 0.55:
			methods = append(methods, mPush, passwordlessPool[r.intn(6)])
		default:
			methods = append(methods, mPush)
			if r.chance(0.3) {
				methods = append(methods, mSoftOTP)
			}
		}
	case guest:
		switch {
		case p < 0.55:
		case p < 0.70:
			methods = append(methods, mEmail)
		case p < 0.80:
			methods = append(methods, mMobile)
		case p < 0.97:
			methods = append(methods, mPush)
		default:
			methods = append(methods, mSoftOTP)
		}
	default:
		switch {
		case p < 0.06: // no method
		case p < 0.10: // weak, not MFA
			methods = append(methods, mEmail)
			if r.chance(0.4) {
				methods = append(methods, mSecQ)
			}
		case p < 0.18: // phone only: MFA-capable, weak
			methods = append(methods, mMobile)
			if r.chance(0.3) {
				methods = append(methods, mEmail)
			}
		case p < 0.19: // voice to an office phone only: registered, not capable
			methods = append(methods, mOffice)
		case p < 0.39: // passwordless
			if r.chance(0.5) {
				methods = append(methods, mPush, mAuthPwl)
			} else {
				methods = append(methods, passwordlessPool[r.intn(len(passwordlessPool))])
				if r.chance(0.7) {
					methods = append(methods, mPush)
				}
			}
		default:
			if r.chance(0.85) {
				methods = append(methods, mPush)
			}
			if r.chance(0.25) || len(methods) == 0 {
				methods = append(methods, mSoftOTP)
			}
		}
	}
	if len(methods) > 0 && !(u.IsAdmin && p < 0.06) {
		if r.chance(0.45) && methods[0] != mMobile {
			methods = append(methods, mMobile)
		}
		if r.chance(0.03) {
			methods = append(methods, mAltMobile)
		}
		if r.chance(0.25) && !guest && methods[0] != mEmail {
			methods = append(methods, mEmail)
		}
		if r.chance(0.01) {
			methods = append(methods, mHardOTP)
		}
		if r.chance(0.005) {
			methods = append(methods, mTAP)
		}
		if r.chance(0.003) {
			methods = append(methods, mExternal)
		}
	}
	if r.chance(0.001) {
		methods = append(methods, unknownMethods[r.intn(len(unknownMethods))])
	}

	var all int
	var capable bool
	for _, m := range methods {
		f := methodFlags(m)
		all |= f
		if f&fMFA != 0 && f&fDisallowed == 0 {
			capable = true
		}
	}
	u.MethodsRegistered = methods
	u.IsMfaRegistered = all&fMFA != 0
	u.IsMfaCapable = capable
	u.IsPasswordlessCapable = all&fPasswordless != 0
	u.IsSsprRegistered = all&fSSPR != 0
	u.IsSsprEnabled = !guest && (u.IsAdmin || r.chance(0.9))
	u.IsSsprCapable = u.IsSsprEnabled && u.IsSsprRegistered
	u.IsSystemPreferredAuthenticationMethodEnabled = r.chance(0.96)

	// Second factors Graph can name, in system-preferred order.
	var have [len(systemPreferredOrder)]bool
	for _, m := range methods {
		if s := secondFactor(m); s != "" {
			for k, o := range systemPreferredOrder {
				if o == s {
					have[k] = true
				}
			}
		}
	}
	u.SystemPreferredAuthenticationMethods = []string{}
	for k, ok := range have {
		if ok {
			u.SystemPreferredAuthenticationMethods = append(u.SystemPreferredAuthenticationMethods, systemPreferredOrder[k])
			break
		}
	}
	if r.chance(0.75) {
		var n int
		for _, ok := range have {
			if ok {
				n++
			}
		}
		if n > 0 {
			pick := r.intn(n)
			for k, ok := range have {
				if ok {
					if pick == 0 {
						u.UserPreferredMethodForSecondaryAuthentication = systemPreferredOrder[k]
						break
					}
					pick--
				}
			}
		}
	}
	u.DefaultMfaMethod = defaultMfaFor(u.UserPreferredMethodForSecondaryAuthentication)

	// Rows are refreshed in batches of 2,500: one time per batch, a few hours
	// before now; about 1 row in 1,000 is 3 to 20 days stale.
	batch := uint64(i / 2500)
	age := time.Hour + time.Duration(batch%8)*7*time.Minute + time.Duration(mix(h^batch)%1e9)*time.Nanosecond/100*100
	if r.chance(0.001) {
		age = time.Duration(3+r.intn(18))*24*time.Hour + time.Duration(r.intn(86400))*time.Second
	}
	u.LastUpdatedDateTime = formatTicks(now.Add(-age))
	return u
}

// DelegatedUPN is the tenant's auditor, who signs in for delegated fetches.
const DelegatedUPN = "auditor@" + Domain
