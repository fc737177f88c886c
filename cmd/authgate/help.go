package main

import (
	"context"
	"io"
	"strings"
	"sync"

	"github.com/spf13/pflag"
)

// enumAnnotation marks a flag whose value is one of a fixed set: its
// annotation lists the set, completion scripts offer it and a test checks
// that the flag's error names every value.
const enumAnnotation = "authgate_enum"

// enumFlag records the valid values of the flag name of fs. A name that
// is not one of fs's flags is a mistake in this package, not in the
// command line: it is kept in enumFlagMistakes, which a test requires to
// stay empty, rather than stopping the program.
func enumFlag(fs *pflag.FlagSet, name string, values ...string) {
	if err := fs.SetAnnotation(name, enumAnnotation, values); err != nil {
		enumFlagMistakes.Store(fs.Name()+" --"+name, err)
	}
}

// enumFlagMistakes holds the enumFlag calls that named no flag.
var enumFlagMistakes sync.Map

// flagCollector is given as stdout to a command run with --help: newFlagSet
// hands it the command's FlagSet, and the help text goes nowhere. It is how
// help-free callers (completion, tests) read a command's flags without a
// second table that could drift from the real one.
type flagCollector struct{ fs *pflag.FlagSet }

func (*flagCollector) Write(p []byte) (int, error) { return len(p), nil }

// commandFlags returns the flags of the command c, nil for a group or a
// command without flags.
func commandFlags(c command) *pflag.FlagSet {
	if c.subs != nil || c.name == "help" || c.name == "completion" {
		return nil
	}
	var col flagCollector
	_ = c.run(context.Background(), []string{"--help"}, &col, io.Discard)
	return col.fs
}

// findCommand resolves a command path (check; policy test) to its command.
func findCommand(path []string) (command, []string, bool) {
	cs := commands()
	var c command
	var names []string
	for i, name := range path {
		found := false
		for _, x := range cs {
			if x.name == name {
				c, found = x, true
				break
			}
		}
		if !found {
			for _, x := range cs {
				names = append(names, x.name)
			}
			return command{}, names, false
		}
		if i < len(path)-1 {
			if c.subs == nil {
				return command{}, nil, false
			}
			cs = c.subs
		}
	}
	return c, nil, true
}

// cmdHelp prints the help of the command its arguments name, as
// `authgate CMD --help` does; with no argument, authgate's own help.
func cmdHelp(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		writeHelp(stdout)
		return nil
	}
	if args[0] == "--help" || args[0] == "-h" {
		writeHelp(stdout)
		return nil
	}
	c, names, ok := findCommand(args)
	if !ok {
		if names == nil { // a subcommand under a command that has none
			return usagef("help: %q has no subcommand %q", args[0], strings.Join(args[1:], " "))
		}
		return usagef("help: unknown command %q (valid: %s)", strings.Join(args, " "), strings.Join(names, ", "))
	}
	if c.name == "help" && len(args) == 1 {
		writeHelp(stdout)
		return nil
	}
	return c.run(ctx, []string{"--help"}, stdout, stderr)
}
