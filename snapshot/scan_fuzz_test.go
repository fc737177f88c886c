package snapshot

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzScan feeds arbitrary bytes to the loader: Scan must return a snapshot
// or an *Error (or a wrapped read error), never panic, and a snapshot it
// accepts must scan again to the same Info and the same users.
func FuzzScan(f *testing.F) {
	f.Add([]byte(doc(user("a", ""), user("b", ""))))
	f.Add([]byte(doc()))
	f.Add([]byte(""))
	f.Add([]byte("{"))
	f.Add([]byte(`{"schemaVersion":1e400}`))
	f.Add([]byte(strings.Repeat("[", 64)))
	f.Add([]byte("{\"schemaVersion\":1,\"manifest\":" + goodManifest + ",\"userRegistrationDetails\":[],\"userRegistrationDetails\":[]}"))
	f.Add([]byte("{\"schemaVersion\":1,\"manifest\":" + strings.Replace(goodManifest, `"t1"`, "\"t\xff1\"", 1) + ",\"userRegistrationDetails\":[]}"))
	f.Add([]byte(strings.Replace(doc(user("a", "")), `"fetchedAt"`, `"pagingComplete":false,"fetchedAt"`, 1)))
	f.Add([]byte(strings.Replace(doc(user("a", "")), `"2026-11-26T01:00:00Z"`, `"2026-11-26T01:00:00+14:00"`, 1)))
	if b, err := os.ReadFile(filepath.Join("..", "testdata", "sample.snapshot.json")); err == nil && len(b) < 64<<10 {
		f.Add(b)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "fuzz.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		var first []UserRegistrationDetails
		info, err := Scan(context.Background(), path, ScanOptions{ChunkSize: 3}, func(c []UserRegistrationDetails) error {
			first = append(first, c...)
			return nil
		})
		if err != nil {
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("Scan error is not a *snapshot.Error: %T %v", err, err)
			}
			if se.File != path || se.Msg == "" {
				t.Fatalf("Scan error does not name the file and the problem: %+v", se)
			}
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("Scan error spans lines: %q", err.Error())
			}
			if info != nil {
				t.Fatalf("Scan returned an Info with an error")
			}
			return
		}
		if info.Users != len(first) {
			t.Fatalf("Info.Users = %d, handed %d", info.Users, len(first))
		}
		var again []UserRegistrationDetails
		info2, err := Scan(context.Background(), path, ScanOptions{ChunkSize: 1000}, func(c []UserRegistrationDetails) error {
			again = append(again, c...)
			return nil
		})
		if err != nil {
			t.Fatalf("second Scan failed: %v", err)
		}
		if diff := cmp.Diff(info, info2); diff != "" {
			t.Fatalf("second Scan gave another Info (-first +second):\n%s", diff)
		}
		if diff := cmp.Diff(first, again); diff != "" {
			t.Fatalf("second Scan gave other users (-first +second):\n%s", diff)
		}
		m, err := PeekManifest(path)
		if err != nil {
			t.Fatalf("PeekManifest refused a snapshot Scan accepted: %v", err)
		}
		if diff := cmp.Diff(&info.Manifest, m); diff != "" {
			t.Fatalf("PeekManifest read another manifest than Scan (-scan +peek):\n%s", diff)
		}
		if sec, err := PeekSections(context.Background(), path); err == nil && sec.Manifest != nil {
			if diff := cmp.Diff(&info.Manifest, sec.Manifest); diff != "" {
				t.Fatalf("PeekSections read another manifest than Scan (-scan +peek):\n%s", diff)
			}
		}
	})
}
