package completion

import (
	"strings"
	"testing"
)

// tree is a small command model with the cases the writers treat apart: a
// group, a summary with a quote, an enum with a glob, a file flag and the
// FORMAT=PATH --output flag.
var tree = []Command{
	{Path: "check", Summary: "evaluate a tenant's snapshot", Flags: []Flag{
		{Name: "snapshot", Usage: "snapshot FILE; required", Value: true, File: true},
		{Name: "fail-on", Usage: "threshold", Value: true, Values: []string{"high", "net.*"}},
		{Name: "output", Short: "o", Usage: "extra output (repeatable)", Value: true, Values: []string{"json", "sarif"}},
		{Name: "quiet", Short: "q", Usage: "no progress"},
	}},
	{Path: "policy", Summary: "work on policies", Subs: []string{"test"}},
	{Path: "policy test", Summary: "run a policy's tests", Flags: []Flag{{Name: "dir", Value: true}}},
	{Path: "help", Summary: "show help"},
	{Path: "completion", Summary: "write a completion script"},
}

func write(t *testing.T, shell string) string {
	t.Helper()
	var b strings.Builder
	if err := Write(&b, shell, tree); err != nil {
		t.Fatalf("Write %s: %v", shell, err)
	}
	return b.String()
}

func TestWriteUnknownShell(t *testing.T) {
	var b strings.Builder
	err := Write(&b, "tcsh", tree)
	if err == nil || !strings.Contains(err.Error(), `"tcsh"`) || !strings.Contains(err.Error(), "powershell") {
		t.Fatalf("Write tcsh: err %v, want one naming the shell and the valid ones", err)
	}
	if b.Len() != 0 {
		t.Fatalf("Write tcsh wrote %q", b.String())
	}
}

func TestWriteQuotesAndValues(t *testing.T) {
	for _, c := range []struct{ shell, want string }{
		{"zsh", `'check:evaluate a tenant'\''s snapshot'`},
		{"fish", `-d 'evaluate a tenant'\''s snapshot'`},
		{"bash", `--output|-o) compopt -o nospace 2>/dev/null; COMPREPLY=($(compgen -W "json= sarif=" -- "$cur")); return ;;`},
		{"bash", `--snapshot) COMPREPLY=($(compgen -f -- "$cur")); return ;;`},
		{"bash", `--dir) return ;;`},
		{"fish", `-l snapshot -r -F -d 'snapshot FILE'`},
		{"powershell", `'policy' = @('test', 'help')`},
		{"powershell", `'check --fail-on' = @('high')`},
	} {
		if s := write(t, c.shell); !strings.Contains(s, c.want) {
			t.Errorf("%s script lacks %q:\n%s", c.shell, c.want, s)
		}
	}
	for _, shell := range Shells {
		if s := write(t, shell); strings.Contains(s, "net.*") {
			t.Errorf("%s script offers the glob value net.*, which a shell would expand", shell)
		}
	}
}
