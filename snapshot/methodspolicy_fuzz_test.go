package snapshot

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzPeekMethodsPolicy feeds arbitrary bytes to the read-ahead of the
// policy section: it must return a section, nothing or an *Error, never
// panic; and on a document Scan accepts whose section follows its users,
// as the writer puts it, it must find the section Scan finds.
func FuzzPeekMethodsPolicy(f *testing.F) {
	section := `"authenticationMethodsPolicy":{"apiVersion":"v1.0","source":"graph","policy":{"id":"p"},"groups":[{"id":"g","source":"graph","members":[{"id":"u"}]}]}`
	f.Add([]byte(strings.Replace(doc(user("a", "")), `"manifest"`, section+`,"manifest"`, 1)))
	f.Add([]byte(`{"authenticationMethodsPolicy" : 7}`))
	f.Add([]byte(`"authenticationMethodsPolicy"`))
	f.Add([]byte(`{"x":"\"authenticationMethodsPolicy\":{}","authenticationMethodsPolicy":null}`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "fuzz.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		p, err := PeekMethodsPolicy(path)
		var se *Error
		if err != nil && !errors.As(err, &se) {
			t.Fatalf("PeekMethodsPolicy: %v is not an *Error", err)
		}
		info, serr := Scan(context.Background(), path, ScanOptions{}, func([]UserRegistrationDetails) error { return nil })
		if serr != nil || info.MethodsPolicy == nil || strings.Count(string(data), `"authenticationMethodsPolicy"`) != 1 {
			return
		}
		if err != nil || p == nil || string(p.Policy) != string(info.MethodsPolicy.Policy) || p.Offset != info.MethodsPolicy.Offset {
			t.Fatalf("read ahead %+v (%v), Scan read %+v", p, err, info.MethodsPolicy)
		}
	})
}
