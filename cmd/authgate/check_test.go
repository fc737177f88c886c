package main

import (
	"bytes"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/atomicfile"
	"github.com/authgate/authgate/internal/tenantgen"
	"github.com/authgate/authgate/reports"
	"github.com/authgate/authgate/snapshot"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const sample = "../../testdata/sample.snapshot.json"

// cli runs authgate in-process and returns the exit code, stdout and stderr.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// corrupt writes the sample snapshot with old replaced by new.
func corrupt(t *testing.T, old, new string) string {
	t.Helper()
	b, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("sample has no %q", old)
	}
	p := filepath.Join(t.TempDir(), "snapshot.json")
	if err := os.WriteFile(p, bytes.Replace(b, []byte(old), []byte(new), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheckExitCodes(t *testing.T) {
	b, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	truncated := filepath.Join(dir, "truncated.json")
	os.WriteFile(truncated, b[:len(b)/2], 0o600)
	badRego := filepath.Join(dir, "bad.rego")
	os.WriteFile(badRego, []byte("package authgate.acme\n\nviolation contains v if {\n"), 0o600)

	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string // a substring of the one-line error; "" means no error output
	}{
		{"violations fail the gate", []string{"--snapshot", sample}, exitViolations, ""},
		{"fail-on none passes", []string{"--snapshot", sample, "--fail-on", "none"}, exitOK, ""},
		{"fail-on critical still fails on AM-ADM-01", []string{"--snapshot", sample, "--fail-on", "critical"}, exitViolations, ""},
		{"no snapshot flag", nil, exitUsage, "--snapshot FILE is required"},
		{"unknown flag", []string{"--snapshot", sample, "--colour"}, exitUsage, "unknown flag: --colour"},
		{"unknown format", []string{"--snapshot", sample, "--format", "xml"}, exitUsage, `unknown format "xml" (valid: ` + strings.Join(reports.Formats(), ", ") + ")"},
		{"bad output spec", []string{"--snapshot", sample, "--output", "sarif"}, exitUsage, `--output "sarif": want FORMAT=PATH`},
		{"bad fail-on", []string{"--snapshot", sample, "--fail-on", "severe"}, exitUsage, "--fail-on"},
		{"negative cap", []string{"--snapshot", sample, "--max-per-control", "-1"}, exitUsage, "--max-per-control -1: want 0"},
		{"allowing a builtin the sandbox does not refuse", []string{"--snapshot", sample, "--allow-builtin", "time.now"}, exitUsage, `--allow-builtin "time.now": not one of the builtins the sandbox refuses`},
		{"unknown parameter", []string{"--snapshot", sample, "--set", "mfa_min=0.9"}, exitUsage, "parameter mfa_min: unknown"},
		{"parameter of the wrong type", []string{"--snapshot", sample, "--set", "mfa_capable_min=[1]"}, exitUsage, "parameter mfa_capable_min: want number, got array"},
		{"missing snapshot", []string{"--snapshot", filepath.Join(dir, "nope.json")}, exitUsage, "no such file"},
		{"directory as snapshot", []string{"--snapshot", dir}, exitUsage, "is a directory"},
		{"truncated snapshot", []string{"--snapshot", truncated}, exitUsage, "the snapshot is truncated"},
		{"malformed JSON", []string{"--snapshot", corrupt(t, `"schemaVersion":1`, `"schemaVersion":1,,`)}, exitUsage, "malformed JSON"},
		{"wrong type", []string{"--snapshot", corrupt(t, `"isAdmin":false`, `"isAdmin":"no"`)}, exitUsage, ".isAdmin: want boolean, got string"},
		{"unknown schema version", []string{"--snapshot", corrupt(t, `"schemaVersion":1`, `"schemaVersion":9`)}, exitUsage, "schemaVersion: unsupported version 9"},
		{"Rego syntax error", []string{"--snapshot", sample, "--policy", badRego}, exitUsage, "bad.rego:4"},
		{"incomplete paging is inconclusive", []string{"--snapshot", corrupt(t, `"pagingComplete":true`, `"pagingComplete":false`)}, exitInconclusive, "pagingComplete is false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.json")
			code, stdout, stderr := cli(t, append([]string{"check", "--format", "json", "-o", out}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tt.code, stderr)
			}
			if tt.stderr == "" {
				if stderr != "" {
					t.Errorf("stderr = %q, want nothing", stderr)
				}
				if _, err := os.Stat(out); err != nil {
					t.Errorf("no output file: %v", err)
				}
				return
			}
			if !strings.Contains(stderr, tt.stderr) || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "authgate: ") {
				t.Errorf("stderr = %q, want one line with %q", stderr, tt.stderr)
			}
			if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic") {
				t.Errorf("stderr has a stack trace: %s", stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing on error", stdout)
			}
			entries, _ := os.ReadDir(filepath.Dir(out))
			if len(entries) != 0 {
				t.Errorf("left %d files behind (%s), want none", len(entries), entries[0].Name())
			}
		})
	}
}

// TestCheckGolden pins the text and JSON outputs for the committed sample.
func TestCheckGolden(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			code, stdout, stderr := cli(t, "check", "--snapshot", sample, "--format", format)
			if code != exitViolations || stderr != "" {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			golden := filepath.Join("testdata", "check-sample."+format+".golden")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(stdout), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./cmd/authgate -update)", err)
			}
			if stdout != string(want) {
				t.Errorf("%s output differs from %s (rerun with -update and review the diff)", format, golden)
			}
			// The same run, twice, is byte-identical (no clock, no map order).
			if _, again, _ := cli(t, "check", "--snapshot", sample, "--format", format); again != stdout {
				t.Errorf("two runs differ")
			}
		})
	}
}

// TestCheckOutputsValidate writes SARIF and JUnit for the sample snapshot
// and for a generated 1,000,000-user one, and checks them the way GitHub
// code scanning and the CI systems will (testdata/schemas/validate.sh).
func TestCheckOutputsValidate(t *testing.T) {
	validator := filepath.Join("..", "..", "testdata", "schemas", "validate.sh")
	if _, err := os.Stat(validator); err != nil {
		t.Fatalf("the validation script is part of the repository: %v", err)
	}
	for _, tool := range []string{"jq", "xmllint", "npx"} {
		_, err := exec.LookPath(tool)
		needTool(t, tool, err == nil)
	}
	sizes := []int{0, 1_000_000}
	if testing.Short() {
		sizes = sizes[:1]
	}
	for _, users := range sizes {
		name := "sample"
		snap := sample
		if users > 0 {
			name = "1M users"
			snap = generated(t, users)
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			sarif, junit := filepath.Join(dir, "out.sarif"), filepath.Join(dir, "out.junit.xml")
			start := time.Now()
			code, _, stderr := cli(t, "check", "--snapshot", snap, "--format", "json", "-o", filepath.Join(dir, "out.json"),
				"--output", "sarif="+sarif, "--output", "junit="+junit)
			if code != exitViolations {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			t.Logf("check took %v", time.Since(start))
			for _, args := range [][]string{{"--gh", sarif}, {junit}} {
				out, err := exec.Command("bash", append([]string{validator}, args...)...).CombinedOutput()
				if err != nil {
					t.Errorf("validate.sh %s: %v\n%s", strings.Join(args, " "), err, out)
				}
			}
		})
	}
}

func generated(t *testing.T, users int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "snapshot.json")
	now := time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC)
	m := snapshot.Manifest{TenantID: tenantgen.DefaultTenantID(3), Cloud: "global", GraphEndpoint: "https://graph.microsoft.com", APIVersion: "v1.0", FetchedAt: now.Format(time.RFC3339)}
	err := atomicfile.Write(p, 0o600, func(w io.Writer) error {
		return tenantgen.WriteSnapshot(w, tenantgen.Tenant{Seed: 3, Users: users, Now: now}, tenantgen.SnapshotOptions{Manifest: m, Summaries: true})
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func needTool(t *testing.T, what string, ok bool) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is missing (required when CI is set)", what)
	}
	t.Skipf("%s is missing", what)
}
