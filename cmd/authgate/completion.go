package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/pflag"
)

// completionShells are the shells `authgate completion` writes a script for.
var completionShells = []string{"bash", "zsh", "fish", "powershell"}

// compCommand is one command as a completion script sees it: its path
// ("policy test"), its subcommands when it is a group, and its flags.
type compCommand struct {
	path    string
	summary string
	subs    []string
	flags   []compFlag
}

// compFlag is one flag of a command.
type compFlag struct {
	name, short string
	usage       string
	value       bool     // takes a value
	file        bool     // the value is a file or folder
	values      []string // the value is one of these
}

// completionTree reads the commands and their flags from the command table
// and the commands' own FlagSets, so a script cannot drift from the CLI.
func completionTree() []compCommand {
	var out []compCommand
	var walk func(prefix string, cs []command)
	walk = func(prefix string, cs []command) {
		for _, c := range cs {
			path := strings.TrimSpace(prefix + " " + c.name)
			cc := compCommand{path: path, summary: c.summary}
			for _, s := range c.subs {
				cc.subs = append(cc.subs, s.name)
			}
			if fs := commandFlags(c); fs != nil {
				fs.VisitAll(func(f *pflag.Flag) {
					if f.Hidden {
						return
					}
					placeholder, usage := pflag.UnquoteUsage(f)
					cf := compFlag{name: f.Name, short: f.Shorthand, usage: usage, value: f.NoOptDefVal == "",
						values: f.Annotations[enumAnnotation]}
					switch placeholder {
					case "FILE", "PATH", "DIR", "PREFIX", "FORMAT=PATH":
						cf.file = len(cf.values) == 0
					}
					cc.flags = append(cc.flags, cf)
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
	var b strings.Builder
	tree := completionTree()
	switch shell {
	case "bash":
		writeBash(&b, tree)
	case "zsh":
		writeZsh(&b, tree)
	case "fish":
		writeFish(&b, tree)
	case "powershell":
		writePowerShell(&b, tree)
	}
	_, err := io.WriteString(stdout, b.String())
	return err
}

// flagWords lists a command's flags as completion words: --name and -x.
func flagWords(c compCommand) []string {
	var w []string
	for _, f := range c.flags {
		w = append(w, "--"+f.name)
		if f.short != "" {
			w = append(w, "-"+f.short)
		}
	}
	return append(w, "--help")
}

// topNames lists the top-level commands.
func topNames(tree []compCommand) []string {
	var names []string
	for _, c := range tree {
		if !strings.Contains(c.path, " ") {
			names = append(names, c.name())
		}
	}
	return names
}

func (c compCommand) name() string { return c.path[strings.LastIndexByte(c.path, ' ')+1:] }

// valueWords are the words offered for a flag's value: FORMAT=PATH flags
// get FORMAT= so the path can follow.
// Values with a glob character (net.*) are left out: a shell would expand
// them against the current folder.
func (f compFlag) valueWords() []string {
	var w []string
	for _, v := range f.values {
		if strings.ContainsAny(v, "*?[") {
			continue
		}
		if f.name == "output" {
			v += "="
		}
		w = append(w, v)
	}
	return w
}

func writeBash(w *strings.Builder, tree []compCommand) {
	fmt.Fprintf(w, `# bash completion for authgate (authgate completion bash)
# Load it in this shell with: source <(authgate completion bash)
_authgate() {
    local cur prev cmd
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev=""
    (( COMP_CWORD > 0 )) && prev="${COMP_WORDS[COMP_CWORD-1]}"
    cmd="${COMP_WORDS[1]}"
    if (( COMP_CWORD == 1 )); then
        COMPREPLY=($(compgen -W "%s" -- "$cur"))
        return
    fi
    case "$cmd" in
`, strings.Join(topNames(tree), " "))
	for _, c := range tree {
		if c.subs != nil {
			fmt.Fprintf(w, "    %s)\n        if (( COMP_CWORD == 2 )); then\n            COMPREPLY=($(compgen -W %q -- \"$cur\"))\n            return\n        fi\n        cmd=\"%s ${COMP_WORDS[2]}\" ;;\n",
				c.path, strings.Join(append(slices.Clone(c.subs), "help"), " "), c.path)
		}
	}
	if c := findComp(tree, "help"); c != nil {
		fmt.Fprintf(w, "    help)\n        COMPREPLY=($(compgen -W %q -- \"$cur\"))\n        return ;;\n", strings.Join(topNames(tree), " "))
	}
	fmt.Fprintf(w, "    completion)\n        COMPREPLY=($(compgen -W %q -- \"$cur\"))\n        return ;;\n", strings.Join(completionShells, " "))
	w.WriteString("    esac\n    case \"$cmd\" in\n")
	for _, c := range tree {
		if c.subs != nil || c.path == "help" || c.path == "completion" {
			continue
		}
		fmt.Fprintf(w, "    %q)\n        case \"$prev\" in\n", c.path)
		var plain []string
		for _, f := range c.flags {
			if !f.value {
				continue
			}
			pat := "--" + f.name
			if f.short != "" {
				pat += "|-" + f.short
			}
			switch {
			case len(f.values) > 0:
				nospace := ""
				if f.name == "output" {
					nospace = "compopt -o nospace 2>/dev/null; "
				}
				fmt.Fprintf(w, "        %s) %sCOMPREPLY=($(compgen -W %q -- \"$cur\")); return ;;\n", pat, nospace, strings.Join(f.valueWords(), " "))
			case f.file:
				fmt.Fprintf(w, "        %s) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n", pat)
			default:
				plain = append(plain, pat)
			}
		}
		if len(plain) > 0 {
			fmt.Fprintf(w, "        %s) return ;;\n", strings.Join(plain, "|"))
		}
		fmt.Fprintf(w, "        esac\n        if [[ $cur == -* ]]; then\n            COMPREPLY=($(compgen -W %q -- \"$cur\"))\n        else\n            COMPREPLY=($(compgen -f -- \"$cur\"))\n        fi ;;\n",
			strings.Join(flagWords(c), " "))
	}
	w.WriteString("    esac\n}\ncomplete -o default -F _authgate authgate\n")
}

func findComp(tree []compCommand, path string) *compCommand {
	for i := range tree {
		if tree[i].path == path {
			return &tree[i]
		}
	}
	return nil
}

// zshQuote quotes s for a zsh or POSIX shell single-quoted string.
func shQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func writeZsh(w *strings.Builder, tree []compCommand) {
	w.WriteString(`#compdef authgate
# zsh completion for authgate (authgate completion zsh)
# Load it with: source <(authgate completion zsh), or save it as _authgate in a folder of $fpath.
_authgate() {
    local cmd cur prev
    cur="${words[CURRENT]}"
    prev="${words[CURRENT-1]}"
    cmd="${words[2]}"
    if (( CURRENT == 2 )); then
        local -a cmds
        cmds=(
`)
	for _, c := range tree {
		if !strings.Contains(c.path, " ") {
			fmt.Fprintf(w, "            %s\n", shQuote(c.path+":"+c.summary))
		}
	}
	w.WriteString("        )\n        _describe 'command' cmds\n        return\n    fi\n    case \"$cmd\" in\n")
	for _, c := range tree {
		if c.subs != nil {
			fmt.Fprintf(w, "    %s)\n        if (( CURRENT == 3 )); then\n            compadd -- %s\n            return\n        fi\n        cmd=\"%s ${words[3]}\" ;;\n",
				c.path, strings.Join(append(slices.Clone(c.subs), "help"), " "), c.path)
		}
	}
	fmt.Fprintf(w, "    help)\n        compadd -- %s\n        return ;;\n", strings.Join(topNames(tree), " "))
	fmt.Fprintf(w, "    completion)\n        compadd -- %s\n        return ;;\n", strings.Join(completionShells, " "))
	w.WriteString("    esac\n    case \"$cmd\" in\n")
	for _, c := range tree {
		if c.subs != nil || c.path == "help" || c.path == "completion" {
			continue
		}
		fmt.Fprintf(w, "    %s)\n        case \"$prev\" in\n", shQuote(c.path))
		var plain []string
		for _, f := range c.flags {
			if !f.value {
				continue
			}
			pat := "--" + f.name
			if f.short != "" {
				pat += "|-" + f.short
			}
			switch {
			case len(f.values) > 0:
				opt := ""
				if f.name == "output" {
					opt = "-S '' "
				}
				fmt.Fprintf(w, "        %s) compadd %s-- %s; return ;;\n", pat, opt, strings.Join(f.valueWords(), " "))
			case f.file:
				fmt.Fprintf(w, "        %s) _files; return ;;\n", pat)
			default:
				plain = append(plain, pat)
			}
		}
		if len(plain) > 0 {
			fmt.Fprintf(w, "        %s) return ;;\n", strings.Join(plain, "|"))
		}
		fmt.Fprintf(w, "        esac\n        if [[ $cur == -* ]]; then\n            compadd -- %s\n        else\n            _files\n        fi ;;\n", strings.Join(flagWords(c), " "))
	}
	w.WriteString("    esac\n}\nif [[ $zsh_eval_context[-1] == loadautofunc ]]; then\n    _authgate \"$@\"\nelse\n    compdef _authgate authgate\nfi\n")
}

func writeFish(w *strings.Builder, tree []compCommand) {
	w.WriteString("# fish completion for authgate (authgate completion fish)\n# Load it with: authgate completion fish | source\ncomplete -c authgate -f\n")
	top := topNames(tree)
	for _, c := range tree {
		if !strings.Contains(c.path, " ") {
			fmt.Fprintf(w, "complete -c authgate -n '__fish_use_subcommand' -a %s -d %s\n", c.path, shQuote(c.summary))
		}
	}
	fmt.Fprintf(w, "complete -c authgate -n '__fish_seen_subcommand_from help' -a %s\n", shQuote(strings.Join(top, " ")))
	fmt.Fprintf(w, "complete -c authgate -n '__fish_seen_subcommand_from completion' -a %s\n", shQuote(strings.Join(completionShells, " ")))
	for _, c := range tree {
		if c.subs == nil {
			continue
		}
		for _, s := range c.subs {
			sc := findComp(tree, c.path+" "+s)
			fmt.Fprintf(w, "complete -c authgate -n '__fish_seen_subcommand_from %s; and not __fish_seen_subcommand_from %s' -a %s -d %s\n",
				c.path, strings.Join(c.subs, " "), s, shQuote(sc.summary))
		}
	}
	for _, c := range tree {
		if c.subs != nil || len(c.flags) == 0 {
			continue
		}
		cond := "__fish_seen_subcommand_from " + c.path
		if i := strings.IndexByte(c.path, ' '); i > 0 {
			cond = "__fish_seen_subcommand_from " + c.path[:i] + "; and __fish_seen_subcommand_from " + c.path[i+1:]
		}
		for _, f := range c.flags {
			fmt.Fprintf(w, "complete -c authgate -n %s -l %s", shQuote(cond), f.name)
			if f.short != "" {
				fmt.Fprintf(w, " -s %s", f.short)
			}
			switch {
			case len(f.values) > 0:
				fmt.Fprintf(w, " -x -a %s", shQuote(strings.Join(f.valueWords(), " ")))
			case f.file:
				w.WriteString(" -r -F")
			case f.value:
				w.WriteString(" -x")
			}
			fmt.Fprintf(w, " -d %s\n", shQuote(firstSentence(f.usage)))
		}
	}
}

// firstSentence shortens a flag's help for a completion menu.
func firstSentence(s string) string {
	if i := strings.IndexAny(s, ";("); i > 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// psQuote quotes s for a PowerShell single-quoted string.
func psQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func psList(ws []string) string {
	q := make([]string, len(ws))
	for i, s := range ws {
		q[i] = psQuote(s)
	}
	return "@(" + strings.Join(q, ", ") + ")"
}

func writePowerShell(w *strings.Builder, tree []compCommand) {
	w.WriteString("# PowerShell completion for authgate (authgate completion powershell)\n# Load it with: authgate completion powershell | Out-String | Invoke-Expression\n")
	w.WriteString("$authgateSubs = @{\n")
	fmt.Fprintf(w, "    '' = %s\n", psList(topNames(tree)))
	fmt.Fprintf(w, "    'help' = %s\n", psList(topNames(tree)))
	fmt.Fprintf(w, "    'completion' = %s\n", psList(completionShells))
	for _, c := range tree {
		if c.subs != nil {
			fmt.Fprintf(w, "    %s = %s\n", psQuote(c.path), psList(append(slices.Clone(c.subs), "help")))
		}
	}
	w.WriteString("}\n$authgateFlags = @{\n")
	for _, c := range tree {
		if c.subs == nil && c.path != "help" && c.path != "completion" {
			fmt.Fprintf(w, "    %s = %s\n", psQuote(c.path), psList(flagWords(c)))
		}
	}
	w.WriteString("}\n$authgateValues = @{\n")
	for _, c := range tree {
		for _, f := range c.flags {
			if len(f.values) > 0 {
				fmt.Fprintf(w, "    %s = %s\n", psQuote(c.path+" --"+f.name), psList(f.valueWords()))
			}
		}
	}
	w.WriteString(`}
Register-ArgumentCompleter -Native -CommandName authgate -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $words = @($commandAst.CommandElements | Where-Object { $_.Extent.EndOffset -le $cursorPosition } | ForEach-Object { $_.ToString() })
    if ($wordToComplete -ne '' -and $words.Count -gt 0) { $words = $words[0..($words.Count - 2)] }
    $cmd = ''
    if ($words.Count -ge 2) { $cmd = $words[1] }
    if ($words.Count -ge 3 -and $authgateSubs.ContainsKey($words[1]) -and $words[1] -ne 'help' -and $words[1] -ne 'completion') { $cmd = $words[1] + ' ' + $words[2] }
    $prev = ''
    if ($words.Count -ge 1) { $prev = $words[-1] }
    $candidates = @()
    if ($authgateValues.ContainsKey($cmd + ' ' + $prev)) {
        $candidates = $authgateValues[$cmd + ' ' + $prev]
    } elseif ($wordToComplete.StartsWith('-') -and $authgateFlags.ContainsKey($cmd)) {
        $candidates = $authgateFlags[$cmd]
    } elseif ($authgateSubs.ContainsKey($cmd) -and ($words.Count -le 2 -or $cmd -eq '')) {
        $candidates = $authgateSubs[$cmd]
    }
    $candidates | Where-Object { $_ -like "$wordToComplete*" } | ForEach-Object {
        [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
    }
}
`)
}
