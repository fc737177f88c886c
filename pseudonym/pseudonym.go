package pseudonym

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"hash"
	"os"
	"regexp"
	"strings"
	"sync"
)

// EnvKey is the environment variable that holds the key.
const EnvKey = "AUTHGATE_PSEUDONYM_KEY"

// MinKeyBytes is the shortest key accepted.
const MinKeyBytes = 16

// Prefix starts every token.
const Prefix = "pn_"

// b32 is base32 in lower case, so a token needs no second pass.
var b32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Pseudonymizer turns identifiers into tokens with one key. It is safe for
// concurrent use.
type Pseudonymizer struct {
	key []byte
	// macs holds keyed HMACs: Reset brings one back to its keyed state
	// without hashing the key again, which halves the cost of a token.
	macs sync.Pool
}

// New returns a Pseudonymizer for key, which must hold at least MinKeyBytes bytes.
func New(key []byte) (*Pseudonymizer, error) {
	if len(key) < MinKeyBytes {
		return nil, fmt.Errorf("pseudonym key: want at least %d bytes, got %d", MinKeyBytes, len(key))
	}
	p := &Pseudonymizer{key: append([]byte(nil), key...)}
	p.macs.New = func() any { return &mac{h: hmac.New(sha256.New, p.key)} }
	return p, nil
}

// LoadKey reads the key from file when file is not empty (trailing line
// breaks and spaces dropped), else from the environment variable EnvKey.
// Errors never contain the key.
func LoadKey(file string) (*Pseudonymizer, error) {
	var key []byte
	switch {
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("read pseudonym key: %w", err)
		}
		key = []byte(strings.TrimRight(string(b), " \t\r\n"))
		if len(key) < MinKeyBytes {
			return nil, fmt.Errorf("pseudonym key file %s: want at least %d bytes, got %d", file, MinKeyBytes, len(key))
		}
	default:
		v, ok := os.LookupEnv(EnvKey)
		if !ok || v == "" {
			return nil, errors.New("pseudonym key: set " + EnvKey + " or give --pseudonym-key-file")
		}
		key = []byte(v)
		if len(key) < MinKeyBytes {
			return nil, fmt.Errorf("pseudonym key in %s: want at least %d bytes, got %d", EnvKey, MinKeyBytes, len(key))
		}
	}
	return New(key)
}

// mac is a keyed HMAC and a buffer for the values it hashes.
type mac struct {
	h   hash.Hash
	buf []byte
	sum [sha256.Size]byte
}

// appendToken appends the token of v, lower-cased first when lower, and
// then suffix, to dst: one pass and no allocation but dst's growth, as a
// pseudonymised scan makes three tokens per user.
func (p *Pseudonymizer) appendToken(dst []byte, v string, lower bool, suffix string) []byte {
	m := p.macs.Get().(*mac)
	m.buf = append(m.buf[:0], v...)
	if lower {
		for i, c := range m.buf {
			if 'A' <= c && c <= 'Z' {
				m.buf[i] = c + 'a' - 'A'
			} else if c >= 0x80 { // not ASCII: Unicode's lower case
				m.buf = append(m.buf[:0], strings.ToLower(v)...)
				break
			}
		}
	}
	m.h.Reset()
	m.h.Write(m.buf)
	m.h.Sum(m.sum[:0])
	var tok [16]byte
	b32.Encode(tok[:], m.sum[:10])
	p.macs.Put(m)
	dst = append(dst, Prefix...)
	dst = append(dst, tok[:]...)
	return append(dst, suffix...)
}

func (p *Pseudonymizer) token(v string, lower bool) string {
	var b [64]byte
	return string(p.appendToken(b[:0], v, lower, ""))
}

// ID returns the token of an object id or a user principal name (compared
// case-insensitively); "" stays "".
func (p *Pseudonymizer) ID(v string) string {
	if v == "" {
		return ""
	}
	return p.token(v, true)
}

// UPN returns the pseudonym of a user principal name: the token of its
// local part (compared case-insensitively) followed by its domain, in lower
// case: "pn_...@contractors.contoso.example". The domain is the tenant's,
// not the person's, and controls that tell contractors or guests apart by
// it keep working on the pseudonymised view. A value without "@" is
// tokenised whole (ID); "" stays "".
func (p *Pseudonymizer) UPN(v string) string {
	i := strings.LastIndexByte(v, '@')
	if i <= 0 || i == len(v)-1 {
		return p.ID(v)
	}
	var b [128]byte
	return string(p.appendToken(b[:0], v[:i], true, strings.ToLower(v[i:])))
}

// Name returns the token of a display name; "" stays "".
func (p *Pseudonymizer) Name(v string) string {
	if v == "" {
		return ""
	}
	return p.token(v, false)
}

// IsToken reports whether s has the shape of a token, or of a pseudonymised
// UPN (a token, "@" and a domain).
func IsToken(s string) bool {
	if i := strings.IndexByte(s, '@'); i > 0 {
		s = s[:i]
	}
	return tokenRE.MatchString(s)
}

var (
	tokenRE = regexp.MustCompile(`^pn_[a-z2-7]{16}$`)
	// guidRE finds object ids; upnRE finds user principal names (guests'
	// UPNs hold # and _).
	guidRE = regexp.MustCompile(`\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b`)
	upnRE  = regexp.MustCompile(`[A-Za-z0-9._%+'#!$&*=?^{}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*`)
)

// Text replaces, in free text, every name of names (exact, longest first),
// then every UPN-shaped word (UPN) and GUID-shaped word (ID) except those in
// keep, with its pseudonym.
func (p *Pseudonymizer) Text(s string, names []string, keep map[string]bool) string {
	for _, n := range names {
		if n != "" && strings.Contains(s, n) {
			s = strings.ReplaceAll(s, n, p.Name(n))
		}
	}
	s = upnRE.ReplaceAllStringFunc(s, func(m string) string {
		if keep[strings.ToLower(m)] || IsToken(m) {
			return m
		}
		return p.UPN(m)
	})
	return guidRE.ReplaceAllStringFunc(s, func(m string) string {
		if keep[strings.ToLower(m)] {
			return m
		}
		return p.ID(m)
	})
}

// Value pseudonymizes every string inside a JSON-shaped value (parameters
// such as break_glass_accounts), leaving numbers and booleans alone.
func (p *Pseudonymizer) Value(v any, keep map[string]bool) any {
	switch x := v.(type) {
	case string:
		return p.Text(x, nil, keep)
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = p.Value(x[i], keep)
		}
		return out
	case []string:
		out := make([]string, len(x))
		for i := range x {
			out[i] = p.Text(x[i], nil, keep)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = p.Value(e, keep)
		}
		return out
	}
	return v
}
