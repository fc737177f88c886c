package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// runBuilt runs the built binary and returns its exit code, stdout and stderr.
func runBuilt(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(builtBinary(t), args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String(), errb.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), out.String(), errb.String()
	}
	t.Fatalf("run authgate: %v", err)
	return 0, "", ""
}

// sampleUsersSum is the sha256 of the sample's users array, '[' to ']'.
func usersSum(t *testing.T, doc []byte) string {
	t.Helper()
	i := bytes.Index(doc, []byte(`"userRegistrationDetails":[`))
	j := bytes.Index(doc, []byte("\n]"))
	if i < 0 || j < 0 {
		t.Fatal("sample has no users array")
	}
	sum := sha256.Sum256(doc[i+len(`"userRegistrationDetails":`) : j+2])
	return hex.EncodeToString(sum[:])
}

func TestCheckRefusesTamperedSnapshot(t *testing.T) {
	b, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	want := usersSum(t, b)
	if !bytes.Contains(b, []byte(`"usersSha256":"`+want+`"`)) || !bytes.Contains(b, []byte(`"userCount":300`)) {
		t.Fatal("the sample's manifest does not carry the hash and count of its users")
	}
	adminRow := regexp.MustCompile(`(?m)^\{[^\n]*"isAdmin":true[^\n]*\},\n`)
	rows := adminRow.FindAll(b, 2)
	if len(rows) != 2 {
		t.Fatalf("found %d admin rows, want 2", len(rows))
	}
	tests := []struct {
		name  string
		edit  func([]byte) []byte
		holds string
	}{
		{"two admin rows removed", func(d []byte) []byte {
			for _, r := range rows {
				d = bytes.Replace(d, r, nil, 1)
			}
			return d
		}, "298"},
		{"a row edited", func(d []byte) []byte {
			return bytes.Replace(d, rows[0], bytes.Replace(rows[0], []byte(`"isAdmin":true`), []byte(`"isAdmin":false`), 1), 1)
		}, "300"},
		{"a row added", func(d []byte) []byte {
			extra := bytes.Replace(rows[0], []byte(`"id":"`), []byte(`"id":"00000000-`), 1)
			return bytes.Replace(d, rows[0], append(bytes.Clone(rows[0]), extra...), 1)
		}, "301"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			edited := tt.edit(bytes.Clone(b))
			p := filepath.Join(t.TempDir(), "snapshot.json")
			if err := os.WriteFile(p, edited, 0o600); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "report.json")
			code, _, stderr := runBuilt(t, "check", "--snapshot", p, "--format", "json", "-o", out)
			if code != 2 {
				t.Fatalf("exit %d, want 2; stderr %s", code, stderr)
			}
			got := usersSum(t, edited)
			msg := p + ": manifest says 300 users (sha256 " + want[:12] + "…), the file holds " + tt.holds + " (sha256 " + got[:12] + "…); refetch or restore the snapshot"
			if strings.TrimSpace(stderr) != "authgate: "+msg && !strings.Contains(stderr, msg) {
				t.Errorf("stderr = %q, want %q", stderr, msg)
			}
			if strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Errorf("stderr spans lines: %q", stderr)
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a report was written for a tampered snapshot: %v", err)
			}
		})
	}
}

func TestCheckRefusesRepeatedUserID(t *testing.T) {
	b, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	// A merged snapshot without integrity fields: the repeated id alone must stop it.
	b = regexp.MustCompile(`"userCount":300,|"usersSha256":"[0-9a-f]+",`).ReplaceAll(b, nil)
	row := regexp.MustCompile(`(?m)^\{"id":"([^"]+)"[^\n]*"isAdmin":true[^\n]*\},\n`).FindSubmatch(b)
	if row == nil {
		t.Fatal("no admin row in the sample")
	}
	b = bytes.Replace(b, row[0], append(bytes.Clone(row[0]), bytes.Replace(row[0], []byte(`"isAdmin":true`), []byte(`"isAdmin":false`), 1)...), 1)
	p := filepath.Join(t.TempDir(), "snapshot.json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runBuilt(t, "check", "--snapshot", p)
	if code != 2 || !strings.Contains(stderr, `.id: "`+string(row[1])+`" appears in more than one row`) {
		t.Errorf("exit %d, stderr %q: want 2 naming the id %s", code, stderr, row[1])
	}
}

func TestCheckMarksUnverifiedSnapshot(t *testing.T) {
	b, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "snapshot.json")
	stripped := regexp.MustCompile(`"userCount":300,|"usersSha256":"[0-9a-f]+",`).ReplaceAll(b, nil)
	if bytes.Contains(stripped, []byte("usersSha256")) {
		t.Fatal("usersSha256 not removed")
	}
	if err := os.WriteFile(p, stripped, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		want bool
	}{{sample, false}, {p, true}} {
		code, out, stderr := runBuilt(t, "check", "--snapshot", tc.path, "--format", "json")
		if code != 0 && code != 1 {
			t.Fatalf("%s: exit %d: %s", tc.path, code, stderr)
		}
		if got := strings.Contains(out, `"unverified": true`) || strings.Contains(out, `"unverified":true`); got != tc.want {
			t.Errorf("%s: unverified in JSON = %v, want %v", tc.path, got, tc.want)
		}
	}
}
