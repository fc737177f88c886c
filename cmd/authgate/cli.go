package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/authgate/authgate/internal/errline"
)

// command is one authgate subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
	// subs are the subcommands of a group (policy, evidence); nil otherwise.
	subs []command
}

// commands lists the subcommands in the order `authgate --help` shows them.
func commands() []command {
	return []command{
		{"check", "evaluate controls against a snapshot and gate on the result", cmdCheck, nil},
		{"fetch", "snapshot Microsoft Graph's authentication-methods reports", cmdFetch, nil},
		{"run", "fetch, then check, in one command (for CI)", cmdRun, nil},
		{"policy", "test, list and document policies (the built-in pack and yours)", cmdPolicy, policySubcommands},
		{"diff", "compare two snapshots (or results JSON): coverage and violations new, resolved, unchanged", cmdDiff, nil},
		{"evidence", "create, verify and sign evidence bundles for auditors", cmdEvidence, evidenceSubcommands},
		{"reveal", "map pseudonym tokens back to users, for the key holder", cmdReveal, nil},
		{"demo", "fetch from the built-in Graph emulator and check, writing every report", cmdDemo, nil},
		{"version", "print the version, commit and OPA version", cmdVersion, nil},
		{"completion", "print a shell completion script: bash, zsh, fish or powershell", cmdCompletion, nil},
		{"help", "print the help of a command: authgate help check, authgate help policy test", cmdHelp, nil},
	}
}

// outputHelp is the one meaning of -o, shown by every command that has it.
const outputHelp = `Output files (every command):
  -o, --output-file FILE   the command's main output: fetch's snapshot, check's and
                           run's --format report, diff's comparison, evidence's bundle
  --output FORMAT=PATH     check and run only: also write another format (repeatable)
`

const exitCodesHelp = `Exit codes (every command):
  0  pass
  1  a failing control at or above --fail-on
  2  usage, invalid input or policy error
  3  authentication, permission or licence failure
  4  inconclusive: no verdict could be reached (network, paging, interrupted)
`

func writeHelp(w io.Writer) {
	fmt.Fprintf(w, "authgate keeps a Microsoft Entra tenant honest about how its people sign in.\n\n")
	fmt.Fprintf(w, "Usage:\n  authgate <command> [flags]\n\nCommands:\n")
	writeCommands(w, commands())
	fmt.Fprintf(w, "\nRun 'authgate help <command>' or 'authgate <command> --help' for a command's flags.\n\n%s\n%s", outputHelp, exitCodesHelp)
}

// writeCommands lists commands with their summaries, aligned.
func writeCommands(w io.Writer, cs []command) {
	width := 0
	for _, c := range cs {
		width = max(width, len(c.name))
	}
	for _, c := range cs {
		fmt.Fprintf(w, "  %-*s %s\n", width, c.name, c.summary)
	}
}

// run executes one authgate invocation and returns its exit code. It is the
// whole program except os.Exit, so tests call it in-process.
func run(args []string, stdout, stderr io.Writer) int {
	tuneGC()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := dispatch(ctx, args, stdout, stderr)
	if err != nil && !errors.Is(err, errGateFailed) && !errors.Is(err, pflag.ErrHelp) {
		fmt.Fprintf(stderr, "authgate: %s\n", errline.Line(err.Error()))
	}
	if errors.Is(err, pflag.ErrHelp) {
		return exitOK
	}
	return exitCode(err)
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "--version" {
		return cmdVersion(ctx, nil, stdout, stderr)
	}
	return dispatchSub(ctx, "", "", commands(), args, stdout, stderr)
}

// dispatchSub runs the command of cs that args[0] names: the one dispatcher
// of authgate and of its groups (group "policy", synopsis its usage line);
// group "" is authgate itself.
func dispatchSub(ctx context.Context, group, synopsis string, cs []command, args []string, stdout, stderr io.Writer) error {
	kind, prefix := "subcommand", group+": "
	help := func(w io.Writer) {
		fmt.Fprintf(w, "Usage:\n  %s\n\nSubcommands:\n", synopsis)
		writeCommands(w, cs)
		fmt.Fprintf(w, "\nRun 'authgate %s <subcommand> --help' for its flags.\n\n%s", group, exitCodesHelp)
	}
	if group == "" {
		kind, prefix, help = "command", "", writeHelp
	}
	names := make([]string, 0, len(cs))
	for _, c := range cs {
		names = append(names, c.name)
	}
	if len(args) == 0 {
		help(stderr)
		return usagef("%sno %s given (valid: %s)", prefix, kind, strings.Join(names, ", "))
	}
	switch args[0] {
	case "-h", "--help":
		help(stdout)
		return nil
	case "help":
		if group == "" {
			break // authgate help CMD: the help command
		}
		if len(args) == 1 {
			help(stdout)
			return nil
		}
		// authgate policy help test is authgate help policy test
		return cmdHelp(ctx, append([]string{group}, args[1:]...), stdout, stderr)
	}
	for _, c := range cs {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	return usagef("%sunknown %s %q (valid: %s)", prefix, kind, args[0], strings.Join(names, ", "))
}

// newFlagSet returns a FlagSet for a subcommand that reports errors instead
// of exiting, and prints its help to stdout when asked.
func newFlagSet(name, synopsis string, stdout io.Writer) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	if c, ok := stdout.(*flagCollector); ok {
		c.fs = fs // completion and the tests read the command's flags
	}
	fs.SortFlags = false
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(stdout, "Usage:\n  authgate %s\n\nFlags:\n%s\n", synopsis, fs.FlagUsages())
		if fs.Lookup("output-file") != nil {
			fmt.Fprintf(stdout, "%s\n", outputHelp)
		}
		fmt.Fprint(stdout, exitCodesHelp)
	}
	return fs
}

// parseFlags parses args, turning flag errors into usage errors; --help
// prints the help and gives pflag.ErrHelp, which exits 0.
func parseFlags(fs *pflag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) { // pflag has printed the help
			return err
		}
		return usagef("%s: %v", fs.Name(), err)
	}
	return nil
}

// tuneGC trades memory for time unless the user set GOGC or GOMEMLIMIT: a
// check allocates its users' AST chunk after chunk, and at the default GOGC
// collection took a large share of its CPU. The soft limit makes the
// collector work harder before the heap passes it, so a 1,000,000-user check
// stays within its memory goal (bench/RESULTS.md has the figures: at 256 MiB
// a 1,000,000-user check of the built-in pack peaks near 280 MB for the same
// CPU as at 512 MiB).
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(256 << 20)
	}
}
