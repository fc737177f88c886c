package main

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/authgate/authgate/internal/errline"
)

// repoRoot is the repository root, relative to this package.
const repoRoot = "../.."

// badCase is one line of testdata/bad/cases.txt, or a generated case.
type badCase struct {
	name   string
	file   string // the bad file, "" for a flag case
	named  bool   // the message must name the file
	expect string // a substring of the one stderr line
	args   []string
	line   int
}

// readBadCases parses testdata/bad/cases.txt.
func readBadCases(t *testing.T) []badCase {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot, "testdata", "bad", "cases.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []badCase
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, " | ")
		if len(parts) != 3 {
			t.Fatalf("cases.txt:%d: want FILE | MESSAGE | COMMAND LINE, got %q", n, line)
		}
		c := badCase{expect: parts[1], args: strings.Fields(parts[2]), line: n}
		switch file := parts[0]; {
		case file == "-":
			c.name = strings.Join(c.args, " ")
		case strings.HasPrefix(file, "(") && strings.HasSuffix(file, ")"):
			c.file = strings.Trim(file, "()")
			c.name = c.file + " " + c.args[0]
		default:
			c.file, c.named = file, true
			c.name = c.file + " " + c.args[0]
		}
		if c.file != "" {
			if _, err := os.Lstat(filepath.Join(repoRoot, "testdata", "bad", c.file)); err != nil {
				t.Errorf("cases.txt:%d: %v", n, err)
			}
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}

// expand replaces the manifest's placeholders in args and turns paths under
// testdata/ into paths from this package.
func (c *badCase) expand(fileDir, outDir string) []string {
	sample := filepath.Join(repoRoot, "testdata", "sample.snapshot.json")
	var args []string
	for _, a := range c.args {
		if a == "{out}" {
			args = append(args, "-o", filepath.Join(outDir, "report.txt"),
				"--output", "sarif="+filepath.Join(outDir, "report.sarif"),
				"--output", "junit="+filepath.Join(outDir, "junit.xml"),
				"--output", "json="+filepath.Join(outDir, "full.json"))
			continue
		}
		if strings.HasPrefix(a, "testdata/") {
			a = filepath.Join(repoRoot, a)
		}
		a = strings.ReplaceAll(a, "{f}", filepath.Join(fileDir, c.file))
		a = strings.ReplaceAll(a, "{s}", sample)
		a = strings.ReplaceAll(a, "{o}", outDir)
		args = append(args, a)
	}
	return args
}

// runBad runs one bad case in-process and checks the contract: exit 2, one
// line on stderr naming the file (or the field or flag), no panic, nothing
// on stdout, nothing written in the output folder.
func runBad(t *testing.T, c badCase, fileDir string) {
	t.Helper()
	outDir := t.TempDir()
	args := c.expand(fileDir, outDir)
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	where := c.name
	if c.line > 0 {
		where = "cases.txt:" + itoa(c.line)
	}
	msg := stderr.String()
	if code != exitUsage {
		t.Errorf("%s: exit %d, want %d; stderr:\n%s", where, code, exitUsage, clipTest(msg))
	}
	if strings.Contains(msg, "goroutine ") || strings.Contains(msg, "panic") {
		t.Errorf("%s: panic:\n%s", where, clipTest(msg))
	}
	if n := strings.Count(msg, "\n"); n != 1 || !strings.HasSuffix(msg, "\n") {
		t.Errorf("%s: %d lines on stderr, want exactly 1:\n%s", where, n, clipTest(msg))
	}
	if len(msg) > errline.Max+200 {
		t.Errorf("%s: the error line is %d bytes long", where, len(msg))
	}
	expect := strings.ReplaceAll(c.expect, "{o}", outDir)
	if !strings.Contains(msg, expect) {
		t.Errorf("%s: stderr does not contain %q:\n%s", where, expect, clipTest(msg))
	}
	if c.named && !strings.Contains(msg, filepath.Base(c.file)) {
		t.Errorf("%s: stderr does not name %s:\n%s", where, filepath.Base(c.file), clipTest(msg))
	}
	if stdout.Len() > 0 {
		t.Errorf("%s: output on stdout:\n%s", where, clipTest(stdout.String()))
	}
	entries, err := os.ReadDir(outDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("%s: %s was written to the output folder", where, e.Name())
	}
}

func itoa(n int) string {
	var b []byte
	for n >= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(append([]byte{byte('0' + n)}, b...))
}

func clipTest(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "…"
	}
	return s
}

// TestBadInputCorpus walks testdata/bad/cases.txt.
func TestBadInputCorpus(t *testing.T) {
	cases := readBadCases(t)
	if len(cases) < 40 {
		t.Fatalf("%d cases in the corpus, want at least 40", len(cases))
	}
	fileDir := filepath.Join(repoRoot, "testdata", "bad")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			runBad(t, c, fileDir)
		})
	}
}

// TestBadInputGenerated covers the bad inputs that are too big to commit or
// cannot be committed: 20 MB strings, a million-digit number, 100,000-deep
// nesting, symlink loops, dangling symlinks and unreadable files.
func TestBadInputGenerated(t *testing.T) {
	dir := t.TempDir()
	const manifest = `{"tenantId":"t1","cloud":"global","graphEndpoint":"https://graph.microsoft.com","apiVersion":"v1.0","fetchedAt":"2026-11-26T06:00:00Z"}`
	doc := func(version, manifest, extra, users string) string {
		return `{"schemaVersion":` + version + `,"manifest":` + manifest + `,` + extra + `"userRegistrationDetails":[` + users + `]}`
	}
	user := `{"id":"u1","userPrincipalName":"u1@contoso.example","userDisplayName":"U","userType":"member","isAdmin":ADMIN,"isMfaCapable":true,"isMfaRegistered":true,"isPasswordlessCapable":false,"isSsprCapable":true,"isSsprEnabled":true,"isSsprRegistered":true,"isSystemPreferredAuthenticationMethodEnabled":true,"systemPreferredAuthenticationMethods":[],"userPreferredMethodForSecondaryAuthentication":"none","methodsRegistered":[],"lastUpdatedDateTime":"2026-11-26T01:00:00Z"}`
	huge := strings.Repeat("x", 20<<20)
	deep := strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)
	files := map[string]string{
		"huge-string-admin.json":     doc("1", manifest, "", strings.Replace(user, "ADMIN", `"`+huge+`"`, 1)),
		"huge-string-cloud.json":     doc("1", strings.Replace(manifest, `"global"`, `"`+huge+`"`, 1), "", ""),
		"huge-string-time.json":      doc("1", strings.Replace(manifest, `"2026-11-26T06:00:00Z"`, `"`+huge+`"`, 1), "", ""),
		"million-digit-version.json": doc("1"+strings.Repeat("0", 1_000_000), manifest, "", ""),
		"million-digit-admin.json":   doc("1", manifest, "", strings.Replace(user, "ADMIN", "1"+strings.Repeat("0", 1_000_000), 1)),
		"deep-users.json":            doc("1", manifest, "", deep),
		"deep-member.json":           doc("1", manifest, `"x":`+deep+`,`, ""),
		"deep-objects.json":          doc("1", manifest, `"x":`+strings.Repeat(`{"a":`, 100_000)+"1"+strings.Repeat("}", 100_000)+`,`, ""),
		"deep-config.yaml":           "params:\n  break_glass_accounts: " + deep + "\n",
		"deep-waivers.yaml":          "waivers: " + deep + "\n",
		"huge-config.yaml":           "params:\n  " + strings.Repeat("a", 1<<20) + ": 1\n",
		"unreadable.json":            doc("1", manifest, "", ""),
		"unreadable.yaml":            "params: {}\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	mustSymlink := func(target, name string) {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Skipf("symlinks: %v", err)
		}
	}
	mustSymlink("loop-b.json", "loop-a.json")
	mustSymlink("loop-a.json", "loop-b.json")
	mustSymlink("no-such-file.json", "dangling.json")
	mustSymlink("no-such-file.yaml", "dangling.yaml")
	unreadable := true
	for _, name := range []string{"unreadable.json", "unreadable.yaml"} {
		p := filepath.Join(dir, name)
		if err := os.Chmod(p, 0); err != nil {
			t.Fatal(err)
		}
		if f, err := os.Open(p); err == nil { // root reads anything
			f.Close()
			unreadable = false
		}
	}

	s := "{s}"
	check := func(args ...string) []string { return append(append([]string{"check"}, args...), "{out}") }
	cases := []badCase{
		{file: "huge-string-admin.json", named: true, expect: "userRegistrationDetails[0].isAdmin: want boolean, got string", args: check("--snapshot", "{f}")},
		{file: "huge-string-cloud.json", named: true, expect: "manifest.cloud", args: check("--snapshot", "{f}")},
		{file: "huge-string-time.json", named: true, expect: "is not an RFC 3339 time", args: check("--snapshot", "{f}")},
		{file: "million-digit-version.json", named: true, expect: "schemaVersion: unsupported version", args: check("--snapshot", "{f}")},
		{file: "million-digit-admin.json", named: true, expect: "isAdmin: want boolean, got number", args: check("--snapshot", "{f}")},
		{file: "deep-users.json", named: true, expect: "userRegistrationDetails[0]: want object, got array", args: check("--snapshot", "{f}")},
		{file: "deep-member.json", named: true, expect: "exceeded max depth", args: check("--snapshot", "{f}")},
		{file: "deep-objects.json", named: true, expect: "exceeded max depth", args: check("--snapshot", "{f}")},
		{file: "deep-config.yaml", named: true, expect: "exceeded max depth", args: check("--snapshot", s, "--config", "{f}")},
		{file: "deep-waivers.yaml", named: true, expect: "exceeded max depth", args: check("--snapshot", s, "--waivers", "{f}")},
		{file: "huge-config.yaml", named: true, expect: "line 2: mapping values are not allowed", args: check("--snapshot", s, "--config", "{f}")},
		{file: "loop-a.json", named: true, expect: "too many levels of symbolic links", args: check("--snapshot", "{f}")},
		{file: "loop-a.json", named: true, expect: "too many levels of symbolic links", args: check("--snapshot", s, "--baseline", "{f}")},
		{file: "loop-a.json", named: true, expect: "too many levels of symbolic links", args: check("--snapshot", s, "--config", "{f}")},
		{file: "loop-a.json", named: true, expect: "too many levels of symbolic links", args: check("--snapshot", s, "--waivers", "{f}")},
		{file: "loop-a.json", named: true, expect: "too many levels of symbolic links", args: check("--snapshot", s, "--policy", "{f}")},
		{file: "dangling.json", named: true, expect: "no such file or directory", args: check("--snapshot", "{f}")},
		{file: "dangling.yaml", named: true, expect: "no such file or directory", args: check("--snapshot", s, "--config", "{f}")},
		{file: "unreadable.json", named: true, expect: "permission denied", args: check("--snapshot", "{f}")},
		{file: "unreadable.yaml", named: true, expect: "permission denied", args: check("--snapshot", s, "--config", "{f}")},
	}
	for _, c := range cases {
		c.name = c.file + " " + strings.Join(c.args[1:len(c.args)-1], " ")
		t.Run(c.name, func(t *testing.T) {
			if strings.HasPrefix(c.file, "unreadable") && !unreadable {
				t.Skip("running as root: a mode 0000 file is still readable, so permission denial cannot be tested here")
			}
			if c.file == "loop-a.json" && !errorsIsELOOP(filepath.Join(dir, c.file)) {
				t.Skip("this system does not report symlink loops as ELOOP")
			}
			runBad(t, c, dir)
		})
	}
}

func errorsIsELOOP(path string) bool {
	_, err := os.Stat(path)
	pe, ok := err.(*os.PathError)
	return ok && pe.Err == syscall.ELOOP
}
