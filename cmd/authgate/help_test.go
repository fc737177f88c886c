package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// walkCommands calls f with the path and flags of every runnable command.
func walkCommands(t *testing.T, f func(path []string, fs *pflag.FlagSet)) {
	t.Helper()
	var walk func(prefix []string, cs []command)
	walk = func(prefix []string, cs []command) {
		for _, c := range cs {
			path := append(append([]string(nil), prefix...), c.name)
			if c.subs != nil {
				walk(path, c.subs)
				continue
			}
			f(path, commandFlags(c))
		}
	}
	walk(nil, commands())
}

// TestEnumFlagErrors gives every flag whose value is one of a fixed set a
// wrong value, in every command, and wants a usage error (exit 2) that
// names the flag and lists every valid value.
func TestEnumFlagErrors(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	// The least each command needs to reach its flag checks.
	base := map[string][]string{
		"check":           {"--snapshot", sample},
		"fetch":           {"-o", filepath.Join(dir, "s.json")},
		"run":             {"--snapshot-out", filepath.Join(dir, "s.json")},
		"diff":            {sample, sample},
		"evidence create": {"--snapshot", sample, "-o", filepath.Join(dir, "b.tar.gz")},
		"reveal":          {"pn_aaaaaaaaaaaaaaaa", "--snapshot", sample},
	}
	seen := map[string]bool{}
	walkCommands(t, func(path []string, fs *pflag.FlagSet) {
		if fs == nil {
			return
		}
		name := strings.Join(path, " ")
		fs.VisitAll(func(fl *pflag.Flag) {
			values := fl.Annotations[enumAnnotation]
			if len(values) == 0 {
				return
			}
			seen[fl.Name] = true
			t.Run(name+" --"+fl.Name, func(t *testing.T) {
				bad := "hihg"
				if fl.Name == "output" {
					bad = "hihg=" + out
				}
				args := append(append(append([]string(nil), path...), base[name]...), "--"+fl.Name, bad)
				code, _, stderr := cli(t, args...)
				if code != exitUsage {
					t.Fatalf("exit %d, want %d; stderr %q", code, exitUsage, stderr)
				}
				if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "--"+fl.Name) || !strings.Contains(stderr, `"hihg`) {
					t.Errorf("want one line naming --%s and the value, got %q", fl.Name, stderr)
				}
				for _, v := range values {
					if !strings.Contains(stderr, v) {
						t.Errorf("the error does not list %q: %q", v, stderr)
					}
				}
				if !strings.Contains(fl.Usage, values[0]) && fl.Name != "allow-builtin" && fl.Name != "output" {
					t.Errorf("--%s's help does not show its values: %q", fl.Name, fl.Usage)
				}
			})
		})
	})
	// Each enum-like flag of the CLI is annotated; a flag left out here
	// would escape the test above.
	for _, f := range []string{"format", "output", "fail-on", "eval-mode", "allow-builtin", "auth", "cloud", "api", "summaries", "include", "usage-period"} {
		if !seen[f] {
			t.Errorf("no command marks --%s as taking one of a fixed set", f)
		}
	}
}

// TestFailOnListsNone is the reported case word for word.
func TestFailOnListsNone(t *testing.T) {
	code, _, stderr := cli(t, "check", "--snapshot", sample, "--fail-on", "hihg")
	if code != exitUsage || !strings.Contains(stderr, "critical, high, medium, low, info, none") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestHelpCommand(t *testing.T) {
	for _, path := range [][]string{{"check"}, {"fetch"}, {"run"}, {"diff"}, {"evidence", "create"}, {"evidence", "verify"},
		{"policy", "test"}, {"policy", "list"}, {"reveal"}, {"completion"}, {"version"}} {
		t.Run(strings.Join(path, " "), func(t *testing.T) {
			code, stdout, stderr := cli(t, append([]string{"help"}, path...)...)
			_, direct, _ := cli(t, append(path, "--help")...)
			if code != 0 || stderr != "" {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			if !strings.Contains(stdout, "Usage:\n  authgate "+strings.Join(path, " ")) {
				t.Errorf("help %s does not print its usage line:\n%s", strings.Join(path, " "), stdout)
			}
			if stdout != direct {
				t.Errorf("help %s differs from %s --help", strings.Join(path, " "), strings.Join(path, " "))
			}
		})
	}
	// A group prints its subcommands; the group's own help word works too.
	for _, args := range [][]string{{"help", "policy"}, {"policy", "help"}, {"policy", "--help"}} {
		code, stdout, _ := cli(t, args...)
		if code != 0 || !strings.Contains(stdout, "Subcommands:") || !strings.Contains(stdout, "test") {
			t.Errorf("%v: exit %d, stdout %q", args, code, stdout)
		}
	}
	code, stdout, _ := cli(t, "policy", "help", "test")
	if code != 0 || !strings.Contains(stdout, "Usage:\n  authgate policy test") {
		t.Errorf("policy help test: exit %d, %q", code, stdout)
	}
	code, stdout, _ = cli(t, "help")
	if code != 0 || !strings.Contains(stdout, "Commands:") {
		t.Errorf("help: exit %d, %q", code, stdout)
	}
	for _, args := range [][]string{{"help", "unknown"}, {"help", "policy", "nope"}, {"help", "check", "more"}} {
		code, stdout, stderr := cli(t, args...)
		if code != exitUsage || stdout != "" || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
		if args[1] == "unknown" && !strings.Contains(stderr, "check, fetch, run, policy, diff, evidence") {
			t.Errorf("help unknown does not list the commands: %q", stderr)
		}
	}
}

// TestOneMeaningOfO: in every command -o is --output-file, the command's
// main output, and --output is FORMAT=PATH wherever --help shows it.
func TestOneMeaningOfO(t *testing.T) {
	withO := map[string]bool{}
	walkCommands(t, func(path []string, fs *pflag.FlagSet) {
		if fs == nil {
			return
		}
		name := strings.Join(path, " ")
		fs.VisitAll(func(f *pflag.Flag) {
			if f.Shorthand == "o" {
				withO[name] = true
				if f.Name != "output-file" {
					t.Errorf("%s: -o is --%s, want --output-file", name, f.Name)
				}
			}
			if f.Name == "output" && !f.Hidden {
				if ph, _ := pflag.UnquoteUsage(f); ph != "FORMAT=PATH" {
					t.Errorf("%s: --output takes %s, want FORMAT=PATH", name, ph)
				}
			}
		})
		_, help, _ := cli(t, append(path, "--help")...)
		if withO[name] && !strings.Contains(help, "-o, --output-file FILE   the command's main output") {
			t.Errorf("%s --help does not explain -o", name)
		}
	})
	for _, name := range []string{"fetch", "check", "run", "diff", "evidence create", "evidence keygen"} {
		if !withO[name] {
			t.Errorf("%s has no -o", name)
		}
	}
}

// TestLegacyEvidenceOutput: evidence's former --output still names the
// bundle or key prefix, but check's FORMAT=PATH meaning is refused there
// rather than taken as a file name.
func TestLegacyEvidenceOutput(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := cli(t, "evidence", "keygen", "--output", filepath.Join(dir, "k"))
	if code != 0 {
		t.Fatalf("keygen --output: exit %d, %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "k.pub")); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = cli(t, "evidence", "create", "--snapshot", sample, "--output", "json="+filepath.Join(dir, "r.json"))
	if code != exitUsage || !strings.Contains(stderr, "FORMAT=PATH is check's --output") {
		t.Fatalf("evidence create --output json=...: exit %d, %q", code, stderr)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("files written: %v", entries)
	}
	bundle := filepath.Join(dir, "b.tar.gz")
	code, _, stderr = cli(t, "evidence", "create", "--snapshot", sample, "--output", bundle, "--fail-on", "none")
	if code != 0 {
		t.Fatalf("evidence create --output FILE: exit %d, %s", code, stderr)
	}
	if _, err := os.Stat(bundle); err != nil {
		t.Fatal(err)
	}
}

// TestEnumFlagsNameRealFlags builds every command's flags and wants no
// enumFlag call that named a flag the command does not have: such a call
// would leave the flag's values out of its errors and of completion.
func TestEnumFlagsNameRealFlags(t *testing.T) {
	n := 0
	walkCommands(t, func(_ []string, fs *pflag.FlagSet) {
		if fs != nil {
			n++
		}
	})
	if n == 0 {
		t.Fatal("no command's flags were built")
	}
	enumFlagMistakes.Range(func(k, v any) bool {
		t.Errorf("enumFlag(%v): %v", k, v)
		return true
	})
}
