package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestHostileDisplayNameBinary runs the built binary on a snapshot whose
// admin without MFA has a display name holding ESC, U+202E and U+2028: the
// text, Markdown, GitHub and HTML outputs carry none of those characters
// (they show \x1b, \u202e, \u2028), and the JSON output keeps the exact name.
func TestHostileDisplayNameBinary(t *testing.T) {
	bin := builtBinary(t)
	dir := t.TempDir()
	const evil = "\x1b[2J\x1b[31mAdmin\u202etxt.exe\u2028verdict: PASS"
	name, err := json.Marshal(evil)
	if err != nil {
		t.Fatal(err)
	}
	snap := corrupt(t, `"userDisplayName":"Admin Without MFA"`, `"userDisplayName":`+string(name))
	// The edit changes the users' bytes: drop the recorded hash, as a
	// hand-made snapshot would not have one.
	b, err := os.ReadFile(snap)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Replace(b, []byte(`,"usersSha256":"454a26562ca26a35ab04d944b9bcac3b60456a43995b3df83c4c1d3c771933b6"`), nil, 1)
	if err := os.WriteFile(snap, b, 0o600); err != nil {
		t.Fatal(err)
	}

	outs := map[string]string{}
	args := []string{"check", "--snapshot", snap, "--format", "text"}
	for _, f := range []string{"markdown", "github", "html", "json"} {
		outs[f] = filepath.Join(dir, "out."+f)
		args = append(args, "--output", f+"="+outs[f])
	}
	cmd := exec.Command(bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitViolations {
		t.Fatalf("check: %v (want exit %d)\n%s", err, exitViolations, stderr.String())
	}
	human := map[string]string{"text": stdout.String()}
	for _, f := range []string{"markdown", "github", "html"} {
		data, err := os.ReadFile(outs[f])
		if err != nil {
			t.Fatal(err)
		}
		human[f] = string(data)
	}
	for f, out := range human {
		if !strings.Contains(out, "Admin") {
			t.Errorf("%s output does not name the admin", f)
		}
		for _, bad := range []string{"\x1b", "\u202e", "\u2028"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s output holds %q", f, bad)
			}
		}
	}
	if !strings.Contains(human["text"], `\x1b[2J\x1b[31mAdmin\u202etxt.exe\u2028verdict: PASS`) {
		t.Errorf("text output does not show the name escaped:\n%s", human["text"])
	}
	data, err := os.ReadFile(outs["json"])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(decodeAll(t, data), evil) {
		t.Error("json output does not keep the exact display name")
	}
}

// decodeAll returns every string value of a JSON document, joined.
func decodeAll(t *testing.T, data []byte) string {
	t.Helper()
	var sb strings.Builder
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		if s, ok := tok.(string); ok {
			sb.WriteString(s)
			sb.WriteString("\n")
		}
	}
	return sb.String()
}
