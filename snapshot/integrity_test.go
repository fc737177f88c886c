package snapshot

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/maphash"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func scanFile(t *testing.T, content []byte) (*Info, error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "snapshot.json")
	if err := os.WriteFile(p, content, 0o600); err != nil {
		t.Fatal(err)
	}
	return Scan(context.Background(), p, ScanOptions{ChunkSize: 3}, func([]UserRegistrationDetails) error { return nil })
}

// usersRange returns the userRegistrationDetails array of a Writer's
// document, '[' to ']', as the writer hashed it.
func usersRange(t *testing.T, doc []byte) []byte {
	t.Helper()
	i := bytes.Index(doc, []byte(`"userRegistrationDetails":[`))
	j := bytes.Index(doc, []byte("\n]"))
	if i < 0 || j < 0 {
		t.Fatalf("no users array in %s", doc)
	}
	return doc[i+len(`"userRegistrationDetails":`) : j+2]
}

func TestScanVerifiesManifestHashAndCount(t *testing.T) {
	doc := writeDoc(t, 7)
	info, err := scanFile(t, doc)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(usersRange(t, doc))
	if !info.Verified || info.UsersSHA256 != hex.EncodeToString(sum[:]) || info.UsersSHA256 != info.Manifest.UsersSHA256 {
		t.Errorf("Verified = %v, UsersSHA256 = %s, manifest %s, want both %x", info.Verified, info.UsersSHA256, info.Manifest.UsersSHA256, sum)
	}

	rows := bytes.Split(usersRange(t, doc), []byte(",\n"))
	tests := []struct {
		name  string
		edit  func([]byte) []byte
		holds int
	}{
		{"row removed", func(d []byte) []byte { return bytes.Replace(d, append(rows[3], ",\n"...), nil, 1) }, 6},
		{"row edited", func(d []byte) []byte {
			return bytes.Replace(d, []byte(`"id":"u3","userPrincipalName":"u3@example.test","userType":"member","isAdmin":true`), []byte(`"id":"u3","userPrincipalName":"u3@example.test","userType":"member","isAdmin":false`), 1)
		}, 7},
		{"row added", func(d []byte) []byte {
			return bytes.Replace(d, []byte("\n]"), append(append([]byte(",\n"), testUser(99)...), "\n]"...), 1)
		}, 8},
		{"whitespace changed", func(d []byte) []byte { return bytes.Replace(d, []byte(",\n{"), []byte(",\n {"), 1) }, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			edited := tt.edit(bytes.Clone(doc))
			if bytes.Equal(edited, doc) {
				t.Fatal("edit changed nothing")
			}
			_, err := scanFile(t, edited)
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *Error", err)
			}
			sum := sha256.Sum256(usersRange(t, edited))
			want := fmt.Sprintf("snapshot.json: manifest says 7 users (sha256 %s…), the file holds %d (sha256 %s…); refetch or restore the snapshot",
				info.UsersSHA256[:12], tt.holds, hex.EncodeToString(sum[:])[:12])
			if !strings.HasSuffix(err.Error(), want) {
				t.Errorf("err = %q, want it to end %q", err, want)
			}
		})
	}
}

func TestScanWithoutIntegrityFieldsIsUnverified(t *testing.T) {
	info, err := scanFile(t, []byte(doc(user("a", ""), user("b", ""))))
	if err != nil {
		t.Fatal(err)
	}
	if info.Verified || info.UsersSHA256 == "" {
		t.Errorf("Verified = %v, UsersSHA256 = %q: want unverified with the hash computed", info.Verified, info.UsersSHA256)
	}
	// userCount alone is checked, but a count is no proof: still unverified.
	info, err = scanFile(t, []byte(strings.Replace(doc(user("a", ""), user("b", "")), `"tenantId":"t1"`, `"tenantId":"t1","userCount":2`, 1)))
	if err != nil || info.Verified {
		t.Errorf("userCount only: Verified = %v, err = %v", info != nil && info.Verified, err)
	}
	_, err = scanFile(t, []byte(strings.Replace(doc(user("a", ""), user("b", "")), `"tenantId":"t1"`, `"tenantId":"t1","userCount":3`, 1)))
	if err == nil || !strings.Contains(err.Error(), "manifest says 3 users, the file holds 2 (sha256 ") {
		t.Errorf("wrong userCount: err = %v", err)
	}
}

// The hash must cover the same bytes wherever the manifest sits and however
// large the array is (many reads of the underlying buffer).
func TestScanHashesUsersAcrossBuffers(t *testing.T) {
	var b strings.Builder
	users := make([]string, 5000)
	for i := range users {
		users[i] = user(fmt.Sprintf("id-%05d", i), `"pad":"`+strings.Repeat("x", i%700)+`"`)
	}
	arr := "[\n" + strings.Join(users, ",\n") + "\n]"
	sum := sha256.Sum256([]byte(arr))
	m := strings.Replace(goodManifest, `"tenantId":"t1"`, fmt.Sprintf(`"tenantId":"t1","userCount":5000,"usersSha256":"%X"`, sum), 1)
	b.WriteString(`{"schemaVersion":1,"big":"` + strings.Repeat("y", 3<<20) + `","userRegistrationDetails":` + arr + `,"manifest":` + m + "}")
	info, err := scanFile(t, []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if !info.Verified || info.Users != 5000 {
		t.Errorf("Verified = %v, users %d", info.Verified, info.Users)
	}
}

func TestScanRefusesRepeatedID(t *testing.T) {
	_, err := scanFile(t, []byte(doc(user("a", ""), user("b", ""), user("c", ""), user("d", ""), strings.Replace(user("b", ""), `"isAdmin":false`, `"isAdmin":true`, 1))))
	var se *Error
	if !errors.As(err, &se) || !strings.Contains(err.Error(), `snapshot.json:8: userRegistrationDetails[4].id: "b" appears in more than one row`) {
		t.Errorf("err = %v", err)
	}
}

func TestIDSetRechecksCollisions(t *testing.T) {
	p := filepath.Join(t.TempDir(), "snapshot.json")
	content := doc(user("a", ""), user("b", ""), user("c", ""))
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &scanner{path: p, info: &Info{}}
	ids := newIDSet(p)
	var offs []int64
	for _, id := range []string{"a", "b", "c"} {
		offs = append(offs, int64(strings.Index(content, `{"id":"`+id+`"`)))
	}
	// Force a collision: "b" filed under the hash of row "a", as if the
	// 64-bit hashes had met.
	h := maphash.String(ids.seed, "b")
	ids.seen = map[uint64]int64{h: offs[0]} // "b"'s hash points at row "a"
	if err := ids.add(s, 1, &UserRegistrationDetails{ID: "b", Offset: offs[1]}); err != nil {
		t.Fatalf("distinct ids with one hash refused: %v", err)
	}
	if _, ok := ids.exact["a"]; !ok {
		t.Errorf("collided ids not kept exactly: %v", ids.exact)
	}
	if err := ids.add(s, 2, &UserRegistrationDetails{ID: "b", Offset: offs[2]}); err == nil || !strings.Contains(err.Error(), `"b" appears in more than one row`) {
		t.Errorf("repeat after a collision: err = %v", err)
	}
}
