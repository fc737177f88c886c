package waivers

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzWaivers feeds arbitrary bytes to the waivers parser: Load must return
// entries or a *Error naming the file, never panic; Validate and Apply must
// take whatever Load returns without panicking, and Validate's errors are
// *Error naming the entry.
func FuzzWaivers(f *testing.F) {
	f.Add([]byte("waivers:\n  - control: AM-ADM-01\n    subject: alice@contoso.com\n    reason: break-glass\n    owner: secops\n    expires: 2026-12-31\n    ticket: SEC-1\n"))
	f.Add([]byte("waivers:\n  - control: AM-USR-01\n    reason: r\n    owner: o\n    expires: 2026-12-01\n  - control: AM-ADM-02\n    reason: r\n    owner: o\n    expires: 2025-01-01\n"))
	f.Add([]byte(""))
	f.Add([]byte("waivers: []\n"))
	f.Add([]byte("waivers: nope\n"))
	f.Add([]byte("waivers:\n  - [1, 2]\n"))
	f.Add([]byte("waivers:\n  - control: {a: b}\n"))
	f.Add([]byte("waivers:\n  - control: A\n    control: B\n"))
	f.Add([]byte("waivers:\n  - &a {control: AM-ADM-01}\n  - *a\n"))
	f.Add([]byte("other: 1\n"))
	f.Add([]byte("waivers:\n  - control: AM-ADM-01\n    expires: 99999-01-01\n    reason: r\n    owner: o\n"))
	f.Add([]byte("\xff\xfe"))
	f.Add([]byte("waivers:\n- !!binary aGVsbG8=\n"))
	dir := f.TempDir()
	cs := controls()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "waivers.yaml")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		es, err := Load(path)
		if err != nil {
			var we *Error
			if !errors.As(err, &we) {
				t.Fatalf("Load error is not a *waivers.Error: %T %v", err, err)
			}
			if !strings.HasPrefix(err.Error(), "waivers.yaml") {
				t.Fatalf("Load error does not name the file: %q", err.Error())
			}
			return
		}
		for i, e := range es {
			if e.Index != i || e.File != "waivers.yaml" {
				t.Fatalf("entry %d has Index %d, File %q", i, e.Index, e.File)
			}
		}
		for _, maxDays := range []int{1, DefaultMaxDays} {
			if err := Validate(es, cs, evalTime, maxDays); err != nil {
				var we *Error
				if !errors.As(err, &we) || we.Entry == nil {
					t.Fatalf("Validate error does not name an entry: %T %v", err, err)
				}
				continue
			}
			res := sampleResult()
			Apply(res, es, evalTime)
			if len(res.Waivers) != len(es) {
				t.Fatalf("Apply recorded %d waivers, want %d", len(res.Waivers), len(es))
			}
		}
	})
}
