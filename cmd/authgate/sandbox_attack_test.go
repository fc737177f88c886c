package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// These tests attack the built binary the way a hostile policy from a pull
// request or a bundle would, and show each attack fail. They drive only the
// command line.

// attackRun runs the binary with args, giving up after limit, and returns
// the exit code, stdout, stderr and how long it took.
func attackRun(t *testing.T, bin string, limit time.Duration, args ...string) (int, string, string, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	if ctx.Err() != nil {
		t.Fatalf("%v: still running after %s (killed)", args, limit)
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return code, out.String(), errb.String(), took
}

// attackPolicy writes files into a new folder and returns it.
func attackPolicy(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// attackControl is a tenant control in package authgate.attack whose
// violation rule has the given body.
func attackControl(body string) string {
	return `# METADATA
# scope: package
# title: Attack
# description: A hostile policy.
# custom:
#   id: ATK-01
#   severity: high
#   scope: tenant
#   remediation: None.
#   references:
#     - id: ATK
package authgate.attack

violation contains {"message": sprintf("%v", [r])} if {
	` + body + `
}
`
}

const attackSnapshot = "../../testdata/sample.snapshot.json"

func TestSandboxAttacksWithBinary(t *testing.T) {
	bin := builtBinary(t)

	// The JSON Schema builtins would follow a file:// $ref: a policy learnt
	// whether a file exists and its first byte, or read /dev/zero until the
	// process died. Both are refused before any file is opened.
	t.Run("schema $ref", func(t *testing.T) {
		secret := filepath.Join(t.TempDir(), "secret.txt")
		if err := os.WriteFile(secret, []byte("rosebud"), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, ref := range []string{"file://" + secret, "file:///dev/zero"} {
			dir := attackPolicy(t, map[string]string{
				"attack.rego":      attackControl(fmt.Sprintf(`r := json.verify_schema({"$ref": %q})`, ref)),
				"attack_test.rego": "package authgate.attack_test\n\nimport data.authgate.attack\n\ntest_x if count(attack.violation) >= 0\n",
			})
			report := filepath.Join(t.TempDir(), "report.json")
			for _, args := range [][]string{
				{"check", "--snapshot", attackSnapshot, "--policy", dir, "--format", "json", "-o", report},
				{"policy", "test", dir},
			} {
				code, out, errOut, _ := attackRun(t, bin, time.Minute, args...)
				if code != 2 || !strings.Contains(errOut, "undefined function json.verify_schema") || !strings.Contains(errOut, "--allow-builtin json.verify_schema") {
					t.Errorf("%s %v: exit %d, stderr %q; want 2 and the sandbox hint", ref, args[:2], code, errOut)
				}
				if strings.Contains(out+errOut, "rosebud") || strings.Contains(out+errOut, "invalid character 'r'") {
					t.Errorf("%s %v: a byte of the file reached the output:\n%s%s", ref, args[:2], out, errOut)
				}
			}
			if _, err := os.Stat(report); !os.IsNotExist(err) {
				t.Errorf("%s: a report was written (%v)", ref, err)
			}
		}
	})

	// A policy folder from a pull request may hold links: one to /dev/zero
	// was read until the process died, one to a file outside the folder put
	// its first line in the parse error. Both are refused before reading.
	t.Run("policy file links", func(t *testing.T) {
		if _, err := os.Stat("/dev/zero"); err != nil {
			t.Skip("no /dev/zero")
		}
		secret := filepath.Join(t.TempDir(), "secret")
		if err := os.WriteFile(secret, []byte("hunter2 := \"token\"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, target := range []string{"/dev/zero", secret} {
			dir := attackPolicy(t, map[string]string{"ok.rego": attackControl("r := 1")})
			evil := filepath.Join(dir, "evil.rego")
			if err := os.Symlink(target, evil); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{{"check", "--snapshot", attackSnapshot, "--policy", dir}, {"policy", "test", dir}} {
				code, out, errOut, _ := attackRun(t, bin, time.Minute, args...)
				if code != 2 || !strings.Contains(errOut, evil+": a link to a file outside the policy folder") || strings.Contains(out+errOut, "hunter2") {
					t.Errorf("%s %v: exit %d, stdout %q, stderr %q; want 2 naming %s", target, args[:2], code, out, errOut, evil)
				}
			}
		}
	})

	// Builtins whose one call ignores the time limit and grows faster than
	// its arguments are refused too: this template ran for minutes.
	t.Run("uninterruptible builtins", func(t *testing.T) {
		for name, call := range map[string]string{
			"strings.render_template": `a := numbers.range(1, 3000)
	r := strings.render_template("{{range $.a}}{{range $.a}}{{range $.a}}{{end}}{{end}}{{end}}", {"a": a})`,
			"graph.reachable_paths": `g := {sprintf("%d", [i]): [sprintf("%d", [j]) | some j in numbers.range(i+1, 60)] | some i in numbers.range(0, 60)}
	r := graph.reachable_paths(g, {"0"})`,
		} {
			dir := attackPolicy(t, map[string]string{"attack.rego": attackControl(call)})
			code, _, errOut, _ := attackRun(t, bin, time.Minute, "check", "--snapshot", attackSnapshot, "--policy", dir)
			if code != 2 || !strings.Contains(errOut, "undefined function "+name) || !strings.Contains(errOut, "--allow-builtin "+name) {
				t.Errorf("%s: exit %d, stderr %q; want 2 and the sandbox hint", name, code, errOut)
			}
		}
	})

	// http.send to a loopback listener: refused, and no request arrives.
	t.Run("http.send", func(t *testing.T) {
		var hits atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			fmt.Fprint(w, `{"access_token": "secret-token"}`)
		}))
		defer srv.Close()
		dir := attackPolicy(t, map[string]string{"attack.rego": attackControl(fmt.Sprintf(`r := http.send({"method": "GET", "url": %q})`, srv.URL))})
		code, out, errOut, _ := attackRun(t, bin, time.Minute, "check", "--snapshot", attackSnapshot, "--policy", dir)
		if code != 2 || !strings.Contains(errOut, "--allow-builtin http.send") || hits.Load() != 0 || strings.Contains(out+errOut, "secret-token") {
			t.Errorf("exit %d, %d requests, stderr %q; want 2, no request and the sandbox hint", code, hits.Load(), errOut)
		}
	})

	// A user module extending authgate's library or parameters turned
	// AM-ADM-02 and AM-USR-01 green. Each is now a policy error naming the
	// file and line, and no verdict is printed.
	t.Run("reserved packages", func(t *testing.T) {
		code, out, errOut, _ := attackRun(t, bin, time.Minute, "check", "--snapshot", attackSnapshot)
		if code != 1 || !lineWith(out, "FAIL", "AM-ADM-02") || !lineWith(out, "FAIL", "AM-USR-01") {
			t.Fatalf("without the attack: exit %d, want 1 with AM-ADM-02 and AM-USR-01 failing\n%s%s", code, out, errOut)
		}
		for _, tt := range []struct{ name, src, want string }{
			{"lib", "package authgate.lib\n\nphishing_resistant(_) if true\n", ":1: package authgate.lib is reserved"},
			{"params", "package authgate.params\n\nmfa_capable_min := 0\n", ":1: package authgate.params is reserved"},
			{"ref head", "package authgate\n\nlib.phishing_resistant(_) if true\n", ":3: rule authgate.lib.phishing_resistant is in authgate.lib, which is reserved"},
			{"builtin", "package authgate.builtin.admin_phishing_resistant\n\nviolation := set()\n", ":1: package authgate.builtin.admin_phishing_resistant is reserved"},
		} {
			dir := attackPolicy(t, map[string]string{"evil.rego": tt.src})
			file := filepath.Join(dir, "evil.rego")
			code, out, errOut, _ := attackRun(t, bin, time.Minute, "check", "--snapshot", attackSnapshot, "--policy", dir)
			if code != 2 || !strings.Contains(errOut, file+tt.want) || strings.Contains(out, "AM-ADM-02") {
				t.Errorf("%s: exit %d, stdout %q, stderr %q; want 2 and %q", tt.name, code, out, errOut, file+tt.want)
			}
			code, _, errOut, _ = attackRun(t, bin, time.Minute, "policy", "test", dir)
			if code != 2 || !strings.Contains(errOut, file+tt.want) {
				t.Errorf("%s: policy test: exit %d, stderr %q; want 2 and %q", tt.name, code, errOut, tt.want)
			}
		}
	})

	// A policy looping over 10^10 pairs kept a CI job busy until the job's
	// own timeout. --timeout stops it: exit 4, the control named, no report.
	t.Run("timeout", func(t *testing.T) {
		if _, out, _, _ := attackRun(t, bin, time.Minute, "check", "--help"); !strings.Contains(out, "--timeout") {
			t.Skip("check has no --timeout flag in this build")
		}
		loop := "some i in numbers.range(1, 100000)\n\tsome j in numbers.range(1, 100000)\n\ti * j == -1\n\tr := i"
		for _, scope := range []string{"tenant", "user"} {
			dir := attackPolicy(t, map[string]string{
				"loop.rego":      strings.Replace(attackControl(loop), "scope: tenant", "scope: "+scope, 1),
				"loop_test.rego": "package authgate.attack_test\n\nimport data.authgate.attack\n\ntest_loop if count(attack.violation) == 0\n",
			})
			report := filepath.Join(t.TempDir(), "report.json")
			code, out, errOut, took := attackRun(t, bin, time.Minute, "check", "--snapshot", attackSnapshot, "--policy", dir, "--timeout", "2s", "--format", "json", "-o", report)
			if code != 4 || !strings.Contains(errOut, "ATK-01") || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
				t.Errorf("%s: exit %d, stderr %q; want 4 and one line naming ATK-01", scope, code, errOut)
			}
			if took > 6*time.Second {
				t.Errorf("%s: check took %s with --timeout 2s", scope, took)
			}
			if _, err := os.Stat(report); !os.IsNotExist(err) || out != "" {
				t.Errorf("%s: output was written (stdout %q, report: %v)", scope, out, err)
			}
			if scope == "tenant" {
				code, _, errOut, took = attackRun(t, bin, time.Minute, "policy", "test", dir, "--timeout", "2s")
				if code != 4 || !strings.Contains(errOut, "test_loop") || took > 6*time.Second {
					t.Errorf("policy test: exit %d after %s, stderr %q; want 4 naming test_loop", code, took, errOut)
				}
			}
		}
	})

	// A policy that builds values without end grew to 4 GB in a minute
	// and would have grown until the runner killed the job. Past
	// --max-memory the check stops with no verdict, writes nothing, and the
	// process stays near the bound.
	t.Run("memory", func(t *testing.T) {
		dir := attackPolicy(t, map[string]string{"attack.rego": attackControl("xs := [x | some x in numbers.range(1, 100000000)]\n\tr := count(xs)")})
		report := filepath.Join(t.TempDir(), "report.json")
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		var errb bytes.Buffer
		cmd := exec.CommandContext(ctx, bin, "check", "--snapshot", attackSnapshot, "--policy", dir, "--max-memory", "256MiB", "--format", "json", "-o", report)
		cmd.Stderr = &errb
		err := cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 4 || !strings.Contains(errb.String(), "--max-memory 256 MiB while ATK-01") {
			t.Fatalf("exit %v, stderr %q; want 4 naming the bound and ATK-01", err, errb.String())
		}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > 1<<20 { // KiB: 1 GiB
			t.Errorf("peak RSS %d MiB with --max-memory 256MiB", ru.Maxrss>>10)
		}
		if _, err := os.Stat(report); !os.IsNotExist(err) {
			t.Errorf("a report was written (%v)", err)
		}
	})
}

// lineWith reports whether some line of s holds every word.
func lineWith(s string, words ...string) bool {
	for _, line := range strings.Split(s, "\n") {
		all := true
		for _, w := range words {
			all = all && strings.Contains(line, w)
		}
		if all {
			return true
		}
	}
	return false
}
