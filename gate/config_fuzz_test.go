package gate

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// FuzzConfig feeds arbitrary bytes to the authgate.yaml reader: loadConfig
// and the waivers it declares must give a config or an InputError (exit 2)
// naming the file, never panic.
func FuzzConfig(f *testing.F) {
	f.Add([]byte("params:\n  min_mfa_share: 0.9\n  admin_domains: [contoso.com]\nmax_waiver_days: 90\n"))
	f.Add([]byte("waivers:\n  - control: AM-ADM-01\n    reason: r\n    owner: o\n    expires: 2026-12-31\n"))
	f.Add([]byte("waivers: waivers.yaml\n"))
	f.Add([]byte("waivers: missing.yaml\n"))
	f.Add([]byte(""))
	f.Add([]byte("params: 3\n"))
	f.Add([]byte("max_waiver_days: -1\n"))
	f.Add([]byte("max_waiver_days: 1e400\n"))
	f.Add([]byte("unknown: true\n"))
	f.Add([]byte("params: {a: 1, a: 2}\n"))
	f.Add([]byte("params: &x [*x]\n"))
	f.Add([]byte("---\nparams: {}\n---\nparams: {}\n"))
	f.Add([]byte("\t- x"))
	dir := f.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "waivers.yaml"), []byte("waivers:\n  - control: AM-ADM-01\n    reason: r\n    owner: o\n    expires: 2026-12-31\n"), 0o600); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "authgate.yaml")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := loadConfig(path)
		if err != nil {
			checkUsageError(t, err, path)
			return
		}
		if c.MaxWaiverDays != nil && c.maxWaiverDays() < 1 {
			t.Fatalf("max_waiver_days %d accepted", c.maxWaiverDays())
		}
		// A waivers path is only followed inside the fuzz folder: the
		// fuzzer must not read /dev/zero or the machine's files.
		if n := c.Waivers; n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
			if filepath.IsAbs(n.Value) || strings.Contains(n.Value, "..") || strings.ContainsRune(n.Value, 0) {
				return
			}
		}
		if _, err := c.waivers(); err != nil {
			checkUsageError(t, err, "authgate.yaml")
		}
	})
}

// checkUsageError fails unless err maps to exit 2 and its message names want.
func checkUsageError(t *testing.T, err error, want string) {
	t.Helper()
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("%T %v is not an InputError (exit 2)", err, err)
	}
	if msg := err.Error(); !strings.Contains(msg, want) {
		t.Fatalf("error %q does not name %s", msg, want)
	}
}

// FuzzSet feeds arbitrary strings to the --set parser: it must give a
// snake_case name and a value, or an InputError naming --set, never panic.
func FuzzSet(f *testing.F) {
	for _, s := range []string{
		"min_mfa_share=0.9", "admin_domains=[contoso.com, fabrikam.com]", "domain=@contoso.com", "x=", "x=null", "x=~",
		"x={a: 1}", "x=[", "x='unterminated", "=1", "BadName=1", "x=1e400", "x=" + strings.Repeat("[", 200),
		"x=a=b", "x=\xff", "x=!!binary aGk=", "x=&a [*a]", "x=- a\n- b", "x=yes", "x=0x1F",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, v, err := ParseSet(s)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("ParseSet(%q) error is not a usage error: %T %v", s, err, err)
			}
			if !strings.HasPrefix(err.Error(), "--set ") {
				t.Fatalf("ParseSet(%q) error does not name --set: %q", s, err.Error())
			}
			return
		}
		if !paramName.MatchString(name) {
			t.Fatalf("ParseSet(%q) accepted the name %q", s, name)
		}
		if want, _, _ := strings.Cut(s, "="); want != name {
			t.Fatalf("ParseSet(%q) name %q, want %q", s, name, want)
		}
		_ = v
	})
}
