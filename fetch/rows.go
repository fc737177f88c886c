package fetch

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"hash/maphash"
	"io"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/authgate/authgate/snapshot"
)

// MaxRowBytes caps one userRegistrationDetails row. A real row is well
// under 2 KB; the cap leaves room for properties Graph adds later while a
// hostile row cannot fill the snapshot.
const MaxRowBytes = 64 << 10

// Field limits, in characters. Entra limits a display name to 256
// characters and a user principal name to 113 (64 before the @, 48 after);
// the caps double them so that a borderline value from a real tenant is
// never refused. The other strings are GUIDs, enum members and timestamps.
const (
	maxDisplayName = 512
	maxUPN         = 256
	maxID          = 128
	maxEnum        = 128
	maxTimestamp   = 64
	maxMethods     = 64 // entries of methodsRegistered and systemPreferredAuthenticationMethods
)

// checkFieldLimits rejects a row whose strings or lists are longer than any
// Entra allows, as a wrongly typed value is rejected: it names the row and
// the field.
func checkFieldLimits(where string, u *snapshot.UserRegistrationDetails) error {
	str := []struct {
		name, v string
		max     int
		entra   string
	}{
		{"id", u.ID, maxID, ""},
		{"userPrincipalName", u.UserPrincipalName, maxUPN, " (Entra allows 113)"},
		{"userDisplayName", u.UserDisplayName, maxDisplayName, " (Entra allows 256)"},
		{"userType", u.UserType, maxEnum, ""},
		{"userPreferredMethodForSecondaryAuthentication", u.UserPreferredMethodForSecondaryAuthentication, maxEnum, ""},
		{"lastUpdatedDateTime", u.LastUpdatedDateTime, maxTimestamp, ""},
		{"defaultMfaMethod", u.DefaultMfaMethod, maxEnum, ""},
	}
	for _, f := range str {
		if len(f.v) > f.max { // bytes ≥ characters: count only when it may matter
			if n := utf8.RuneCountInString(f.v); n > f.max {
				return rowErrorf("%s: %s is %d characters long, more than the %d authgate accepts%s", where, f.name, n, f.max, f.entra)
			}
		}
	}
	lists := []struct {
		name string
		v    []string
	}{
		{"methodsRegistered", u.MethodsRegistered},
		{"systemPreferredAuthenticationMethods", u.SystemPreferredAuthenticationMethods},
	}
	for _, l := range lists {
		if len(l.v) > maxMethods {
			return rowErrorf("%s: %s has %d entries, more than the %d authgate accepts", where, l.name, len(l.v), maxMethods)
		}
		for i, m := range l.v {
			if utf8.RuneCountInString(m) > maxEnum {
				return rowErrorf("%s: %s[%d] is longer than the %d characters authgate accepts", where, l.name, i, maxEnum)
			}
		}
	}
	return nil
}

// rowSet remembers, for each user written, a hash of its id, a hash of
// its row and the page it came from: 32 bytes a user rather than the row,
// so that a 1,000,000-user tenant costs tens of MB, not its snapshot's size.
// The hashes are keyed with a random seed, so a server cannot craft two
// rows that collide.
type rowSet struct {
	idSeed1, idSeed2, rowSeed maphash.Seed
	m                         map[[2]uint64]rowSeen
}

type rowSeen struct {
	row  uint64
	page uint32 // 0: written before a resume
}

// prevRow describes an earlier row with the same id.
type prevRow struct {
	page int64
	same bool // the content is identical
}

func newRowSet() *rowSet {
	return &rowSet{idSeed1: maphash.MakeSeed(), idSeed2: maphash.MakeSeed(), rowSeed: maphash.MakeSeed(), m: make(map[[2]uint64]rowSeen)}
}

func (s *rowSet) key(id string) [2]uint64 {
	return [2]uint64{maphash.String(s.idSeed1, id), maphash.String(s.idSeed2, id)}
}

// add records the row of id (compact JSON) from page; when id was seen
// before it records nothing and describes the earlier row.
func (s *rowSet) add(id string, raw []byte, page int64) (prevRow, bool) {
	k := s.key(id)
	h := maphash.Bytes(s.rowSeed, raw)
	if p, ok := s.m[k]; ok {
		return prevRow{page: int64(p.page), same: p.row == h}, true
	}
	s.m[k] = rowSeen{row: h, page: uint32(min(page, 1<<32-1))}
	return prevRow{}, false
}

func (s *rowSet) reset() { clear(s.m) }

// reload records the users of a partial document's first size bytes, as a
// Writer wrote them (one user a line), with page 0.
func (s *rowSet) reload(r io.Reader, size int64) error {
	sc := bufio.NewScanner(io.LimitReader(r, size))
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSuffix(sc.Bytes(), []byte(","))
		if line <= 2 || len(b) == 0 || b[0] != '{' {
			continue // the document's head and the users array's opening
		}
		id, ok := idOf(b)
		if !ok {
			continue
		}
		s.add(id, b, 0)
	}
	return sc.Err()
}

// idOf returns the "id" member of a compact JSON object.
func idOf(obj []byte) (string, bool) {
	d := jsontext.NewDecoder(bytes.NewReader(obj), jsontext.AllowDuplicateNames(true))
	if tok, err := d.ReadToken(); err != nil || tok.Kind() != '{' {
		return "", false
	}
	for d.PeekKind() != '}' {
		name, err := d.ReadToken()
		if err != nil {
			return "", false
		}
		if name.String() == "id" && d.PeekKind() == '"' {
			v, err := d.ReadToken()
			return v.String(), err == nil
		}
		if err := d.SkipValue(); err != nil {
			return "", false
		}
	}
	return "", false
}

// linkSet remembers the nextLinks followed by their SHA-256 (16 bytes
// kept), not the links: 5,000 pages of 16 KB links would otherwise hold
// 80 MB to detect a loop.
type linkSet map[[16]byte]struct{}

// add records link and reports whether it was new.
func (s linkSet) add(link string) bool {
	sum := sha256.Sum256([]byte(link))
	var k [16]byte
	copy(k[:], sum[:16])
	if _, ok := s[k]; ok {
		return false
	}
	s[k] = struct{}{}
	return true
}
