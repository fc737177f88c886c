package snapshot

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func testUser(i int) []byte {
	return fmt.Appendf(nil, `{"id":"u%d","userPrincipalName":"u%d@example.test","userType":"member","isAdmin":%t,"isMfaCapable":true,"isPasswordlessCapable":false,"methodsRegistered":["email"],"lastUpdatedDateTime":"2026-01-0%dT00:00:00Z","futureProperty":{"x":1}}`, i, i, i%3 == 0, 1+i%5)
}

func testManifest() Manifest {
	return Manifest{TenantID: "t", Cloud: "custom", GraphEndpoint: "https://graph.example.test", APIVersion: "v1.0", FetchedAt: "2026-01-02T03:04:05Z"}
}

func writeDoc(t *testing.T, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := w.WriteUser(testUser(i)); err != nil {
			t.Fatal(err)
		}
	}
	feat := []FeatureSummary{{TotalUserCount: int64(n), UserTypes: "all", UserRoles: "all", UserRegistrationFeatureCounts: []FeatureCount{{"mfaCapable", int64(n)}}}}
	if _, err := w.Close(feat, nil, testManifest()); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestWriterRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 7} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			doc := writeDoc(t, n)
			path := filepath.Join(t.TempDir(), "s.json")
			if err := os.WriteFile(path, doc, 0o600); err != nil {
				t.Fatal(err)
			}
			var ids []string
			info, err := Scan(context.Background(), path, ScanOptions{}, func(c []UserRegistrationDetails) error {
				for _, u := range c {
					ids = append(ids, u.ID)
				}
				return nil
			})
			if err != nil {
				t.Fatalf("Scan: %v\n%s", err, doc)
			}
			if len(ids) != n || info.Manifest.UserCount != int64(n) {
				t.Errorf("users = %d, manifest.userCount = %d, want %d", len(ids), info.Manifest.UserCount, n)
			}
			for i, id := range ids {
				if id != fmt.Sprintf("u%d", i) {
					t.Errorf("user %d id = %q", i, id)
				}
			}
			// usersSha256 covers the array from '[' to ']' exactly as written.
			start := bytes.Index(doc, []byte(`"userRegistrationDetails":[`)) + len(`"userRegistrationDetails":`)
			end := bytes.Index(doc, []byte("\n],")) + 2
			sum := sha256.Sum256(doc[start:end])
			if got, want := info.Manifest.UsersSHA256, hex.EncodeToString(sum[:]); got != want {
				t.Errorf("usersSha256 = %s, want %s", got, want)
			}
			if len(info.UsersRegisteredByFeature) != 1 || info.UsersRegisteredByMethod != nil {
				t.Errorf("summaries = %+v / %+v", info.UsersRegisteredByFeature, info.UsersRegisteredByMethod)
			}
			// One user per line, bytes verbatim (unknown properties kept).
			if n > 0 && !bytes.Contains(doc, append([]byte("[\n"), testUser(0)...)) {
				t.Errorf("first user not written verbatim on its own line:\n%s", doc)
			}
		})
	}
}

// A writer resumed from a checkpoint produces the same bytes as one that ran
// without stopping.
func TestWriterResume(t *testing.T) {
	const n, stop = 9, 4
	want := writeDoc(t, n)

	var first bytes.Buffer
	w, err := NewWriter(&first)
	if err != nil {
		t.Fatal(err)
	}
	for i := range stop {
		if err := w.WriteUser(testUser(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	state, err := w.HashState()
	if err != nil {
		t.Fatal(err)
	}
	offset, users := w.Offset(), w.Users()
	if int64(first.Len()) != offset {
		t.Fatalf("offset %d, flushed %d", offset, first.Len())
	}
	// Bytes written after the checkpoint are discarded on resume.
	_ = w.WriteUser(testUser(stop))

	rest := bytes.NewBuffer(bytes.Clone(first.Bytes()[:offset]))
	w2, err := ResumeWriter(rest, offset, users, state)
	if err != nil {
		t.Fatal(err)
	}
	for i := stop; i < n; i++ {
		if err := w2.WriteUser(testUser(i)); err != nil {
			t.Fatal(err)
		}
	}
	feat := []FeatureSummary{{TotalUserCount: n, UserTypes: "all", UserRoles: "all", UserRegistrationFeatureCounts: []FeatureCount{{"mfaCapable", n}}}}
	if _, err := w2.Close(feat, nil, testManifest()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rest.Bytes(), want) {
		t.Errorf("resumed document differs:\n%s\nwant:\n%s", rest.Bytes(), want)
	}
}

func TestWriterRejects(t *testing.T) {
	w, err := NewWriter(&bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteUser([]byte(`[1]`)); err == nil {
		t.Error("WriteUser accepted an array")
	}
	if _, err := w.Close(nil, nil, testManifest()); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteUser(testUser(1)); err == nil {
		t.Error("WriteUser accepted a user after Close")
	}
	if _, err := ResumeWriter(&bytes.Buffer{}, 100, 1, []byte("junk")); err == nil {
		t.Error("ResumeWriter accepted a junk hash state")
	}
}
