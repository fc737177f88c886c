package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var expectExit = regexp.MustCompile(`#\s*exit (\d+)\s*$`)

// readmeCommands returns the command lines of README.md's ```sh blocks,
// continuation lines joined.
func readmeCommands(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	in := false
	for _, line := range strings.Split(strings.ReplaceAll(string(b), "\\\n", " "), "\n") {
		switch {
		case strings.HasPrefix(line, "```sh"):
			in = true
		case strings.HasPrefix(line, "```"):
			in = false
		case in && strings.TrimSpace(line) != "" && !strings.HasPrefix(strings.TrimSpace(line), "#"):
			out = append(out, strings.TrimSpace(line))
		}
	}
	return out
}

// TestReadmeCommands runs every command README.md shows, in order, in a
// fresh folder holding the repository's testdata: authgate commands
// in-process (fetch and run against the Graph emulator, whose address and
// client secret the test adds), `go install ./cmd/authgate` for real, then
// the installed binary for `authgate version`. A `# exit N` comment states
// the expected exit code (default 0); files the command names as outputs
// must exist afterwards. `go test ./...` is this suite itself. Any other
// command fails the test: the README shows nothing no test runs.
func TestReadmeCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo and go install")
	}
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(filepath.Join(root, "testdata"), filepath.Join(dir, "testdata")); err != nil {
		t.Fatal(err)
	}
	lines := readmeCommands(t)
	t.Chdir(dir)
	s := newTestEmulator(t, 300)
	installed := ""
	if len(lines) < 5 {
		t.Fatalf("only %d commands in README.md's sh blocks", len(lines))
	}
	for _, line := range lines {
		want := 0
		if m := expectExit.FindStringSubmatch(line); m != nil {
			want, _ = strconv.Atoi(m[1])
		}
		var args []string
		for _, w := range shellWords(line) {
			if w.dynamic {
				t.Fatalf("README command %q holds a variable: spell it out", line)
			}
			args = append(args, w.text)
		}
		var code int
		var stdout, stderr string
		switch {
		case strings.Join(args, " ") == "go test ./...":
			continue // this suite
		case strings.Join(args, " ") == "go install ./cmd/authgate":
			bin := filepath.Join(dir, "bin")
			cmd := exec.Command("go", "install", "./cmd/authgate")
			cmd.Dir, cmd.Env = root, append(os.Environ(), "GOBIN="+bin)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", line, err, out)
			}
			installed = filepath.Join(bin, "authgate")
			continue
		case len(args) >= 3 && args[0] == "go" && args[1] == "run" && args[2] == "./cmd/authgate":
			args = append([]string{"authgate"}, args[3:]...)
		}
		switch {
		case len(args) == 2 && args[0] == "authgate" && args[1] == "version":
			if installed == "" {
				t.Fatalf("%s: shown before go install", line)
			}
			out, err := exec.Command(installed, "version").CombinedOutput()
			if err != nil || !strings.HasPrefix(string(out), "authgate ") {
				t.Fatalf("%s: %v\n%s", line, err, out)
			}
			continue
		case len(args) >= 2 && args[0] == "authgate" && (args[1] == "fetch" || args[1] == "run"):
			code, stdout, stderr = runWithEmulator(t, s, args[1], args[2:]...)
		case len(args) >= 2 && args[0] == "authgate":
			code, stdout, stderr = cli(t, args[1:]...)
		default:
			t.Errorf("README.md shows %q, which no test runs: add it here or leave it out", line)
			continue
		}
		if code != want {
			t.Errorf("%s: exit %d, want %d\nstdout: %.500s\nstderr: %s", line, code, want, stdout, stderr)
		}
		for i, a := range args {
			var out string
			switch {
			case (a == "-o" || a == "--snapshot-out") && i+1 < len(args):
				out = args[i+1]
			case a == "--output" && i+1 < len(args):
				_, out, _ = strings.Cut(args[i+1], "=")
			}
			if out != "" {
				if _, err := os.Stat(out); err != nil {
					t.Errorf("%s: output not written: %v", line, err)
				}
			}
		}
		t.Logf("ran: %s (exit %d)", line, code)
	}
	if _, err := os.Stat(filepath.Join(dir, "authgate-demo", "results.html")); err != nil {
		t.Errorf("the demo wrote no results.html, which the README tells people to open: %v", err)
	}
}

// TestDocsSizeAndLinks keeps the README short enough to read and every
// relative link of the README and docs/ pointing at a file that exists.
func TestDocsSizeAndLinks(t *testing.T) {
	readme := filepath.Join(repoRoot, "README.md")
	if fi, err := os.Stat(readme); err != nil || fi.Size() >= 15000 {
		t.Errorf("README.md: %v, size %d; keep it under 15 KB and move detail to docs/", err, fi.Size())
	}
	docs, _ := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	for _, f := range append([]string{readme, filepath.Join(repoRoot, "CONTRIBUTING.md")}, docs...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mdLink.FindAllStringSubmatch(string(b), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "#") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			target, _, _ = strings.Cut(target, "#")
			if _, err := os.Stat(filepath.Join(filepath.Dir(f), target)); err != nil {
				t.Errorf("%s: broken link %s", filepath.Base(f), m[1])
			}
		}
	}
}

var mdLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)
