package snapshot

import (
	"bufio"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// integrity compares the users array with the manifest's userCount and
// usersSha256, both computed in the scanning pass. A fetch writes both; a
// mismatch means rows were cut, edited or added after it, so no verdict
// can rest on the file.
func (s *scanner) integrity() error {
	m := &s.info.Manifest
	s.info.UsersSHA256 = fmt.Sprintf("%x", s.feed.rng.Sum(nil))
	wantSum := strings.ToLower(strings.TrimSpace(m.UsersSHA256))
	countOK := m.UserCount == 0 || m.UserCount == int64(s.info.Users)
	sumOK := wantSum == "" || wantSum == s.info.UsersSHA256
	if countOK && sumOK {
		s.info.Verified = wantSum != ""
		return nil
	}
	says := fmt.Sprintf("%d users", m.UserCount)
	if m.UserCount == 0 {
		says = "users"
	}
	if wantSum != "" {
		says += " (sha256 " + short(wantSum) + ")"
	}
	return s.fail("", "manifest says %s, the file holds %d (sha256 %s); refetch or restore the snapshot", says, s.info.Users, short(s.info.UsersSHA256))
}

// short abbreviates a hex digest for a message: enough to tell two apart.
func short(h string) string {
	if len(h) <= 12 {
		return h
	}
	return h[:12] + "…"
}

// idSet finds a repeated user id in one pass without keeping the ids: it
// keeps a 64-bit hash of each, with a per-process random seed (a crafted
// file cannot aim at collisions), and the row's offset. Only when two hashes
// collide does it read the earlier row's id back from the file to compare
// exactly; ids found to collide without being equal are kept whole. A
// million ids cost about 30 MB here against about 100 MB as strings.
type idSet struct {
	path  string
	seed  maphash.Seed
	seen  map[uint64]int64    // hash -> offset of the first row with it
	exact map[string]struct{} // ids whose hash collided with another id
}

func newIDSet(path string) *idSet {
	return &idSet{path: path, seed: maphash.MakeSeed(), seen: make(map[uint64]int64)}
}

func (t *idSet) add(s *scanner, i int, u *UserRegistrationDetails) error {
	if t == nil {
		return nil
	}
	h := maphash.String(t.seed, u.ID)
	first, ok := t.seen[h]
	if !ok {
		t.seen[h] = u.Offset
		return nil
	}
	if _, dup := t.exact[u.ID]; !dup {
		earlier, err := idAt(t.path, first)
		if err != nil {
			return fmt.Errorf("read snapshot %s: recheck a user id: %w", t.path, err)
		}
		if earlier != u.ID {
			if t.exact == nil {
				t.exact = map[string]struct{}{}
			}
			t.exact[earlier] = struct{}{}
			t.exact[u.ID] = struct{}{}
			return nil
		}
	}
	err := s.fail(fmt.Sprintf("userRegistrationDetails[%d].id", i), "%q appears in more than one row: a snapshot lists each user once (refetch the snapshot, or remove the repeated row)", u.ID)
	s.errOffset = u.Offset
	return err
}

// idAt reads the id of the user object at byte offset off of path.
func idAt(path string, off int64) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return "", err
	}
	d := jsontext.NewDecoder(bufio.NewReader(f), jsontext.AllowDuplicateNames(true))
	if _, err := d.ReadToken(); err != nil {
		return "", err
	}
	for d.PeekKind() == '"' {
		name, err := d.ReadToken()
		if err != nil {
			return "", err
		}
		if name.String() == "id" {
			v, err := d.ReadToken()
			if err != nil {
				return "", err
			}
			return v.String(), nil
		}
		if err := d.SkipValue(); err != nil {
			return "", err
		}
	}
	return "", fmt.Errorf("no id at offset %d", off)
}
