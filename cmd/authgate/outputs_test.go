package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/authgate/authgate/policies"
	"github.com/authgate/authgate/pseudonym"
	"github.com/authgate/authgate/snapshot"
)

// runBin runs the built binary bin in dir and returns its exit code,
// stdout and stderr.
func runBin(t *testing.T, bin, dir string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.ExitCode(), out.String(), errb.String()
	case err != nil:
		t.Fatal(err)
	}
	return 0, out.String(), errb.String()
}

// copySample copies the sample snapshot to dir/name.
func copySample(t *testing.T, dir, name string) (string, []byte) {
	t.Helper()
	b, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p, b
}

// names lists dir, temporary files included.
func names(t *testing.T, dir string) string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return strings.Join(out, " ")
}

// TestOutputOnADevice: -o, --output, --evidence, fetch -o and run
// --snapshot-out on a character device are refused with exit 2 and leave
// the device a device.
func TestOutputOnADevice(t *testing.T) {
	bin := builtBinary(t)
	if runtime.GOOS != "linux" {
		t.Skip("mknod is Linux's here")
	}
	dir := t.TempDir()
	snap, _ := copySample(t, dir, "s.json")
	dev := filepath.Join(dir, "null")
	if err := syscall.Mknod(dev, syscall.S_IFCHR|0o666, 1<<8|3); err != nil { // 1,3: /dev/null's numbers
		t.Skipf("mknod: %v (needs root)", err)
	}
	before, err := os.Lstat(dev)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"check", "--snapshot", snap, "-o", dev},
		{"check", "--snapshot", snap, "--output", "json=" + dev},
		{"check", "--snapshot", snap, "--evidence", dev},
		{"evidence", "create", "--snapshot", snap, "-o", dev},
		{"diff", snap, snap, "-o", dev},
		{"fetch", "-o", dev},
		{"run", "--snapshot-out", dev},
	} {
		code, stdout, stderr := runBin(t, bin, dir, args...)
		if code != exitUsage || !strings.Contains(stderr, "is a character device") || stdout != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 2 naming the device", strings.Join(args[:2], " "), code, stdout, stderr)
		}
		after, err := os.Lstat(dev)
		if err != nil || after.Mode() != before.Mode() || after.Sys().(*syscall.Stat_t).Rdev != before.Sys().(*syscall.Stat_t).Rdev {
			t.Fatalf("%s: the device was replaced (%v, %v)", strings.Join(args[:2], " "), after.Mode(), err)
		}
	}
	if got := names(t, dir); got != "null s.json" {
		t.Errorf("files left: %s", got)
	}
}

// TestOutputOverAnInput: every output that is an input (by name, through
// another path, as a hard link, a file of a --policy folder, or the
// --config that fetch reads for its exclusion groups) or another
// output is refused with exit 2 before any evaluation, and the files stay
// byte for byte; a symbolic link is refused and its target left alone.
func TestOutputOverAnInput(t *testing.T) {
	bin := builtBinary(t)
	dir := t.TempDir()
	snap, orig := copySample(t, dir, "s.json")
	if err := os.Link(snap, filepath.Join(dir, "hard.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	pol := filepath.Join(dir, "pol")
	if err := os.Mkdir(pol, 0o755); err != nil {
		t.Fatal(err)
	}
	rego := []byte(userPolicy)
	if err := os.WriteFile(filepath.Join(pol, "leak.rego"), rego, 0o644); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(dir, "target.txt")
	if err := os.WriteFile(target, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("target.txt", filepath.Join(dir, "link.txt")); err != nil {
		t.Fatal(err)
	}
	cfg := []byte("max_waiver_days: 30\n")
	if err := os.WriteFile(filepath.Join(dir, "a.yaml"), cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"check", "--snapshot", "s.json", "-o", "s.json"}, "-o s.json: is the --snapshot file s.json"},
		{[]string{"check", "--snapshot", "s.json", "-o", "sub/../s.json"}, "is the --snapshot file"},
		{[]string{"check", "--snapshot", "s.json", "--output", "sarif=hard.json"}, "--output sarif=hard.json: is the --snapshot file"},
		{[]string{"check", "--snapshot", "s.json", "--evidence", "s.json"}, "--evidence s.json: is the --snapshot file"},
		{[]string{"check", "--snapshot", "s.json", "--baseline", "hard.json", "-o", "x.txt", "--output", "json=./x.txt"}, "is written twice"},
		{[]string{"check", "--snapshot", "s.json", "--policy", "pol", "-o", "pol/leak.rego"}, "is the --policy file"},
		{[]string{"check", "--snapshot", "s.json", "-o", "link.txt"}, "is a symbolic link"},
		{[]string{"evidence", "create", "--snapshot", "s.json", "-o", "hard.json"}, "-o hard.json: is the --snapshot file"},
		{[]string{"diff", "s.json", "hard.json", "-o", "s.json"}, "-o s.json: is the OLD file"},
		{[]string{"run", "--snapshot-out", "x.json", "-o", "x.json"}, "is written twice"},
		{[]string{"run", "--snapshot-out", "x.json", "--evidence", "x.json"}, "is written twice"},
		{[]string{"run", "--snapshot-out", "s.json", "--baseline", "s.json"}, "--snapshot-out s.json: is the --baseline file"},
		{[]string{"fetch", "-o", "link.txt"}, "is a symbolic link"},
		{[]string{"fetch", "-o", "a.yaml", "--config", "a.yaml"}, "-o a.yaml: is the --config file"},
		{[]string{"run", "--snapshot-out", "a.yaml", "--config", "a.yaml"}, "--snapshot-out a.yaml: is the --config file"},
	} {
		code, stdout, stderr := runBin(t, bin, dir, tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 || stdout != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 2 and %q", strings.Join(tc.args, " "), code, stdout, stderr, tc.want)
		}
	}
	if b, err := os.ReadFile(snap); err != nil || !bytes.Equal(b, orig) {
		t.Error("the snapshot changed")
	}
	if b, err := os.ReadFile(filepath.Join(pol, "leak.rego")); err != nil || !bytes.Equal(b, rego) {
		t.Error("the policy changed")
	}
	if b, err := os.ReadFile(target); err != nil || string(b) != "keep me" {
		t.Error("the link's target changed")
	}
	if fi, err := os.Lstat(filepath.Join(dir, "link.txt")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Error("the link was replaced")
	}
	if b, err := os.ReadFile(filepath.Join(dir, "a.yaml")); err != nil || !bytes.Equal(b, cfg) {
		t.Error("the config changed")
	}
	if got := names(t, dir); got != "a.yaml hard.json link.txt pol s.json sub target.txt" {
		t.Errorf("files left: %s", got)
	}
}

// TestOutputSetAllOrNothing: with a file size limit that the last output
// of the set exceeds (a full disk, as root cannot be stopped by
// permissions), check fails with no verdict (exit 4) and leaves none of
// its outputs: the one that existed keeps its old content, the others do
// not appear, and no temporary file stays.
func TestOutputSetAllOrNothing(t *testing.T) {
	bin := builtBinary(t)
	if _, err := exec.LookPath("sh"); err != nil || runtime.GOOS != "linux" {
		t.Skip("needs sh and RLIMIT_FSIZE")
	}
	dir := t.TempDir()
	copySample(t, dir, "s.json")
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("the last report"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Without a limit the set is written, and its last file is the largest.
	code, _, stderr := runBin(t, bin, dir, "check", "--snapshot", "s.json", "-o", "a.txt", "--output", "markdown=b.md", "--output", "json=c.json")
	if code != exitViolations {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var sizes []int64
	for _, n := range []string{"a.txt", "b.md", "c.json"} {
		fi, err := os.Stat(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, fi.Size())
	}
	limit := (max(sizes[0], sizes[1]) + 1024) / 512 // blocks of 512 bytes
	if limit*512 >= sizes[2] {
		t.Fatalf("sizes %v: the json output is not the largest; the test proves nothing", sizes)
	}
	for _, n := range []string{"b.md", "c.json"} {
		if err := os.Remove(filepath.Join(dir, n)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("the last report"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "-c", `ulimit -f "$1" && exec "$2" check --snapshot s.json -o a.txt --output markdown=b.md --output json=c.json --evidence e.tar.gz`,
		"sh", itoa(int(limit)), bin)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInconclusive || !strings.Contains(string(out), "file too large") {
		t.Fatalf("check under ulimit -f %d: %v\n%s", limit, err, out)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "a.txt")); err != nil || string(b) != "the last report" {
		t.Errorf("a.txt = %q, %v; want its old content", b, err)
	}
	if got := names(t, dir); got != "a.txt s.json" {
		t.Errorf("files left: %s", got)
	}
}

// userPolicy is a user control that quotes identifiers in derived forms:
// the UPN's local part, the display name in capitals, the id without its
// dashes, and a document control that lists the admins' display names.
const userPolicy = `# METADATA
# scope: package
# title: Quote identifiers
# description: Names each user in derived forms.
# custom:
#   id: LEAK-USR-01
#   severity: low
#   scope: user
#   remediation: none
#   references:
#     - id: TEST
#       description: test
package authgate.leak.user

import data.authgate.lib

violation contains v if {
	some u in input.userRegistrationDetails
	msg := sprintf("local=%s upper=%s id=%s", [split(u.userPrincipalName, "@")[0], upper(u.userDisplayName), replace(u.id, "-", "")])
	v := {"message": msg, "subject": lib.subject(u)}
}
`

const documentPolicy = `# METADATA
# scope: package
# title: Quote admins
# description: Names the admins in one tenant-level finding.
# custom:
#   id: LEAK-DOC-01
#   severity: low
#   scope: document
#   remediation: none
#   references:
#     - id: TEST
#       description: test
package authgate.leak.doc

violation contains v if {
	names := [n | some u in input.userRegistrationDetails; u.isAdmin; n := sprintf("%s <%s> %s", [u.userDisplayName, u.userPrincipalName, u.id])]
	v := {"message": concat(", ", names)}
}
`

// TestPseudonymizeLeaksNothing: under --pseudonymize, controls that quote
// derived forms of identifiers (and a document control quoting display
// names) leak none of them in any of the seven formats, nor in the
// evidence bundle, while the same check without it does; reveal maps the
// tokens back.
func TestPseudonymizeLeaksNothing(t *testing.T) {
	bin := builtBinary(t)
	dir := t.TempDir()
	snap, _ := copySample(t, dir, "s.json")
	pol := filepath.Join(dir, "pol")
	if err := os.Mkdir(pol, 0o755); err != nil {
		t.Fatal(err)
	}
	for n, src := range map[string]string{"user.rego": userPolicy, "doc.rego": documentPolicy} {
		if err := os.WriteFile(filepath.Join(pol, n), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	doc, _, err := snapshot.Load(context.Background(), sample)
	if err != nil {
		t.Fatal(err)
	}
	// The derived forms, lower-cased (the search ignores case); only those
	// long enough not to match by chance, and not words the built-in pack
	// writes itself (the sample has a user called "Stale Row").
	var pack strings.Builder
	_ = fs.WalkDir(policies.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(policies.FS, p)
			pack.Write(bytes.ToLower(b))
		}
		return nil
	})
	var secrets []string
	for _, u := range doc.UserRegistrationDetails {
		local, _, _ := strings.Cut(u.UserPrincipalName, "@")
		for _, s := range []string{local, u.UserDisplayName, strings.ReplaceAll(u.ID, "-", ""), u.ID} {
			if s = strings.ToLower(s); len(s) >= 6 && !strings.Contains(pack.String(), s) {
				secrets = append(secrets, s)
			}
		}
	}
	formats := []string{"text", "json", "sarif", "junit", "markdown", "github", "html"}
	outputs := func(sub string) []string {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
		args := []string{"check", "--snapshot", "s.json", "--policy", "pol", "--fail-on", "none", "--format", formats[0], "-o", filepath.Join(sub, formats[0])}
		for _, f := range formats[1:] {
			args = append(args, "--output", f+"="+filepath.Join(sub, f))
		}
		return append(args, "--evidence", filepath.Join(sub, "bundle.tar.gz"))
	}
	leaked := func(sub string) map[string]string {
		found := map[string]string{}
		for _, f := range formats {
			b, err := os.ReadFile(filepath.Join(dir, sub, f))
			if err != nil {
				t.Fatal(err)
			}
			lower := strings.ToLower(string(b))
			for _, s := range secrets {
				if strings.Contains(lower, s) {
					found[f] = s
					break
				}
			}
		}
		return found
	}
	if code, _, stderr := runBin(t, bin, dir, outputs("plain")...); code != 0 {
		t.Fatalf("plain check: exit %d: %s", code, stderr)
	}
	if got := leaked("plain"); len(got) != len(formats) {
		t.Fatalf("without --pseudonymize only %d formats quote identifiers (%v): the test proves nothing", len(got), got)
	}
	key := filepath.Join(dir, "key")
	if err := os.WriteFile(key, []byte("a-long-enough-test-pseudonym-key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := append(outputs("pseudo"), "--pseudonymize", "--pseudonym-key-file", key)
	if code, _, stderr := runBin(t, bin, dir, args...); code != 0 {
		t.Fatalf("pseudonymised check: exit %d: %s", code, stderr)
	}
	for f, s := range leaked("pseudo") {
		t.Errorf("%s output leaks %q", f, s)
	}
	// The bundle's snapshot and results too.
	ex := filepath.Join(dir, "ex")
	if err := os.Mkdir(ex, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("tar", "-xzf", filepath.Join(dir, "pseudo", "bundle.tar.gz"), "-C", ex).CombinedOutput(); err != nil {
		t.Fatalf("tar: %v: %s", err, out)
	}
	_ = filepath.WalkDir(ex, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(p)
		lower := strings.ToLower(string(b))
		for _, s := range secrets {
			if strings.Contains(lower, s) {
				t.Errorf("bundle file %s leaks %q", strings.TrimPrefix(p, ex), s)
				break
			}
		}
		return nil
	})
	// reveal maps a subject's tokens back with the key.
	b, err := os.ReadFile(filepath.Join(dir, "pseudo", "text"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := pseudonym.New([]byte("a-long-enough-test-pseudonym-key"))
	if err != nil {
		t.Fatal(err)
	}
	var u snapshot.UserRegistrationDetails
	var upn string
	for _, u = range doc.UserRegistrationDetails {
		if upn = p.UPN(u.UserPrincipalName); strings.Contains(string(b), upn) {
			break
		}
	}
	if !strings.Contains(string(b), upn) {
		t.Fatal("the text output names no user by the pseudonym of their UPN")
	}
	code, out, stderr := runBin(t, bin, dir, "reveal", "--snapshot", snap, "--pseudonym-key-file", key, upn)
	if code != 0 || !strings.Contains(out, u.UserPrincipalName) {
		t.Errorf("reveal %s: exit %d, %q %q; want %s", upn, code, out, stderr, u.UserPrincipalName)
	}
}
