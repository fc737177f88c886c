package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// completionScript writes authgate's script for shell to a file.
func completionScript(t *testing.T, shell string) (string, string) {
	t.Helper()
	code, stdout, stderr := cli(t, "completion", shell)
	if code != 0 || stderr != "" {
		t.Fatalf("completion %s: exit %d, stderr %q", shell, code, stderr)
	}
	p := filepath.Join(t.TempDir(), "authgate."+shell)
	if err := os.WriteFile(p, []byte(stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	return p, stdout
}

// TestCompletionScripts checks every script names every command,
// subcommand and flag, and parses in its shell where that shell is
// installed (bash always is on the CI image).
func TestCompletionScripts(t *testing.T) {
	syntax := map[string][]string{"bash": {"bash", "-n"}, "zsh": {"zsh", "-n"}, "fish": {"fish", "-n"}}
	for _, shell := range completionShells {
		t.Run(shell, func(t *testing.T) {
			p, script := completionScript(t, shell)
			walkCommands(t, func(path []string, fs *pflag.FlagSet) {
				for _, word := range path {
					if !strings.Contains(script, word) {
						t.Errorf("the %s script lacks the command %q", shell, word)
					}
				}
				if fs == nil {
					return
				}
				fs.VisitAll(func(f *pflag.Flag) {
					if f.Hidden {
						return
					}
					want := "--" + f.Name
					if shell == "fish" {
						want = "-l " + f.Name
					}
					if !strings.Contains(script, want) {
						t.Errorf("the %s script lacks %s of %s", shell, want, strings.Join(path, " "))
					}
				})
			})
			if !strings.Contains(script, "critical") || !strings.Contains(script, "github-oidc") {
				t.Errorf("the %s script does not complete --fail-on and --auth values", shell)
			}
			args, ok := syntax[shell]
			if !ok {
				return
			}
			if _, err := exec.LookPath(args[0]); err != nil {
				if shell == "bash" {
					t.Fatal("bash is not installed")
				}
				t.Skipf("%s is not installed", args[0])
			}
			if out, err := exec.Command(args[0], append(args[1:], p)...).CombinedOutput(); err != nil {
				t.Fatalf("%s -n: %v\n%s", args[0], err, out)
			}
		})
	}
}

// TestBashCompletes drives the bash function as bash's completion does.
func TestBashCompletes(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	p, _ := completionScript(t, "bash")
	for _, c := range []struct{ line, want, not string }{
		{"authgate ch", "check", "fetch"},
		{"authgate check --fail-on ", "critical high medium low info none", ""},
		{"authgate check --fa", "--fail-on", ""},
		{"authgate policy ", "test list doc help", "check"},
		{"authgate policy test --fo", "--format", ""},
		{"authgate policy list --format ", "table json", "sarif"},
		{"authgate evidence create --sign", "--sign-key", ""},
		{"authgate fetch --auth git", "github-oidc", ""},
		{"authgate fetch --cloud ", "global usgov usgovdod china", ""},
		{"authgate help po", "policy", ""},
		{"authgate completion ", "bash zsh fish powershell", ""},
		{"authgate check --output js", "json=", ""},
	} {
		words := strings.Split(c.line, " ")
		script := ". " + p + "\nCOMP_WORDS=(" + quoteWords(words) + ")\nCOMP_CWORD=" + itoa(len(words)-1) + "\n_authgate\necho \"${COMPREPLY[*]}\"\n"
		out, err := exec.Command("bash", "-c", script).CombinedOutput()
		if err != nil {
			t.Fatalf("%q: %v\n%s", c.line, err, out)
		}
		got := strings.TrimSpace(string(out))
		if !strings.Contains(got, c.want) || (c.not != "" && strings.Contains(got, c.not)) {
			t.Errorf("%q completes to %q, want %q", c.line, got, c.want)
		}
	}
}

// TestFishCompletes asks fish itself, when it is installed.
func TestFishCompletes(t *testing.T) {
	if _, err := exec.LookPath("fish"); err != nil {
		t.Skip("fish is not installed")
	}
	p, _ := completionScript(t, "fish")
	out, err := exec.Command("fish", "--no-config", "-c", "source "+p+"; complete -C 'authgate check --fail-on '; complete -C 'authgate evidence '").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"none\t", "critical\t", "create\t", "verify\t"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("fish does not complete %q:\n%s", want, out)
		}
	}
}

func TestCompletionUnknownShell(t *testing.T) {
	code, _, stderr := cli(t, "completion", "tcsh")
	if code != exitUsage || !strings.Contains(stderr, "bash, zsh, fish, powershell") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func quoteWords(ws []string) string {
	q := make([]string, len(ws))
	for i, w := range ws {
		q[i] = "'" + w + "'"
	}
	return strings.Join(q, " ")
}
