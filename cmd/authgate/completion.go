package main

import (
	"context"
	"io"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/authgate/authgate/internal/completion"
)

// completionShells are the shells `authgate completion` writes a script for.
var completionShells = completion.Shells

// completionTree reads the commands and their flags from the command table
// and the commands' own FlagSets, so a script cannot drift from the CLI.
func completionTree() []completion.Command {
	var out []completion.Command
	var walk func(prefix string, cs []command)
	walk = func(prefix string, cs []command) {
		for _, c := range cs {
			path := strings.TrimSpace(prefix + " " + c.name)
			cc := completion.Command{Path: path, Summary: c.summary}
			for _, s := range c.subs {
				cc.Subs = append(cc.Subs, s.name)
			}
			if fs := commandFlags(c); fs != nil {
				fs.VisitAll(func(f *pflag.Flag) {
					if f.Hidden {
						return
					}
					placeholder, usage := pflag.UnquoteUsage(f)
					cf := completion.Flag{Name: f.Name, Short: f.Shorthand, Usage: usage, Value: f.NoOptDefVal == "",
						Values: f.Annotations[enumAnnotation]}
					switch placeholder {
					case "FILE", "PATH", "DIR", "PREFIX", "FORMAT=PATH":
						cf.File = len(cf.Values) == 0
					}
					cc.Flags = append(cc.Flags, cf)
				})
			}
			out = append(out, cc)
			if c.subs != nil {
				walk(path, c.subs)
			}
		}
	}
	walk("", commands())
	return out
}

func cmdCompletion(_ context.Context, args []string, stdout, _ io.Writer) error {
	fs := newFlagSet("completion", "completion bash|zsh|fish|powershell", stdout)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("completion: want one shell (valid: %s)", strings.Join(completionShells, ", "))
	}
	shell := fs.Arg(0)
	if !slices.Contains(completionShells, shell) {
		return usagef("completion: unknown shell %q (valid: %s)", shell, strings.Join(completionShells, ", "))
	}
	return completion.Write(stdout, shell, completionTree())
}
