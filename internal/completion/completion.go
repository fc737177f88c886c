// Package completion writes authgate's shell completion scripts (bash, zsh,
// fish, PowerShell) from a model of its commands and flags. The command
// builds the model from its own flag sets, so a script cannot drift from
// the CLI; this package only renders it, and a test can drive it directly.
package completion

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// Shells are the shells Write writes a script for.
var Shells = []string{"bash", "zsh", "fish", "powershell"}

// Command is one command as a completion script sees it: its path
// ("policy test"), its subcommands when it is a group (nil otherwise), and
// its flags.
type Command struct {
	Path    string
	Summary string
	Subs    []string
	Flags   []Flag
}

// Flag is one flag of a command.
type Flag struct {
	Name, Short string
	Usage       string
	Value       bool     // takes a value
	File        bool     // the value is a file or folder
	Values      []string // the value is one of these
}

// Write writes the completion script for shell, one of Shells, to w.
func Write(w io.Writer, shell string, tree []Command) error {
	var b strings.Builder
	switch shell {
	case "bash":
		writeBash(&b, tree)
	case "zsh":
		writeZsh(&b, tree)
	case "fish":
		writeFish(&b, tree)
	case "powershell":
		writePowerShell(&b, tree)
	default:
		return fmt.Errorf("unknown shell %q (valid: %s)", shell, strings.Join(Shells, ", "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// flagWords lists a command's flags as completion words: --name and -x.
func flagWords(c Command) []string {
	var w []string
	for _, f := range c.Flags {
		w = append(w, "--"+f.Name)
		if f.Short != "" {
			w = append(w, "-"+f.Short)
		}
	}
	return append(w, "--help")
}

// topNames lists the top-level commands.
func topNames(tree []Command) []string {
	var names []string
	for _, c := range tree {
		if !strings.Contains(c.Path, " ") {
			names = append(names, c.name())
		}
	}
	return names
}

func (c Command) name() string { return c.Path[strings.LastIndexByte(c.Path, ' ')+1:] }

// valueWords are the words offered for a flag's value: FORMAT=PATH flags
// get FORMAT= so the path can follow.
// Values with a glob character (net.*) are left out: a shell would expand
// them against the current folder.
func (f Flag) valueWords() []string {
	var w []string
	for _, v := range f.Values {
		if strings.ContainsAny(v, "*?[") {
			continue
		}
		if f.Name == "output" {
			v += "="
		}
		w = append(w, v)
	}
	return w
}

func writeBash(w *strings.Builder, tree []Command) {
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
		if c.Subs != nil {
			fmt.Fprintf(w, "    %s)\n        if (( COMP_CWORD == 2 )); then\n            COMPREPLY=($(compgen -W %q -- \"$cur\"))\n            return\n        fi\n        cmd=\"%s ${COMP_WORDS[2]}\" ;;\n",
				c.Path, strings.Join(append(slices.Clone(c.Subs), "help"), " "), c.Path)
		}
	}
	if c := findComp(tree, "help"); c != nil {
		fmt.Fprintf(w, "    help)\n        COMPREPLY=($(compgen -W %q -- \"$cur\"))\n        return ;;\n", strings.Join(topNames(tree), " "))
	}
	fmt.Fprintf(w, "    completion)\n        COMPREPLY=($(compgen -W %q -- \"$cur\"))\n        return ;;\n", strings.Join(Shells, " "))
	w.WriteString("    esac\n    case \"$cmd\" in\n")
	for _, c := range tree {
		if c.Subs != nil || c.Path == "help" || c.Path == "completion" {
			continue
		}
		fmt.Fprintf(w, "    %q)\n        case \"$prev\" in\n", c.Path)
		writePrevCases(w, c, func(f Flag) string {
			nospace := ""
			if f.Name == "output" {
				nospace = "compopt -o nospace 2>/dev/null; "
			}
			return fmt.Sprintf("%sCOMPREPLY=($(compgen -W %q -- \"$cur\"))", nospace, strings.Join(f.valueWords(), " "))
		}, `COMPREPLY=($(compgen -f -- "$cur"))`)
		fmt.Fprintf(w, "        esac\n        if [[ $cur == -* ]]; then\n            COMPREPLY=($(compgen -W %q -- \"$cur\"))\n        else\n            COMPREPLY=($(compgen -f -- \"$cur\"))\n        fi ;;\n",
			strings.Join(flagWords(c), " "))
	}
	w.WriteString("    esac\n}\ncomplete -o default -F _authgate authgate\n")
}

func findComp(tree []Command, path string) *Command {
	for i := range tree {
		if tree[i].Path == path {
			return &tree[i]
		}
	}
	return nil
}

// shQuote quotes s for a zsh or POSIX shell single-quoted string.
func shQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func writeZsh(w *strings.Builder, tree []Command) {
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
		if !strings.Contains(c.Path, " ") {
			fmt.Fprintf(w, "            %s\n", shQuote(c.Path+":"+c.Summary))
		}
	}
	w.WriteString("        )\n        _describe 'command' cmds\n        return\n    fi\n    case \"$cmd\" in\n")
	for _, c := range tree {
		if c.Subs != nil {
			fmt.Fprintf(w, "    %s)\n        if (( CURRENT == 3 )); then\n            compadd -- %s\n            return\n        fi\n        cmd=\"%s ${words[3]}\" ;;\n",
				c.Path, strings.Join(append(slices.Clone(c.Subs), "help"), " "), c.Path)
		}
	}
	fmt.Fprintf(w, "    help)\n        compadd -- %s\n        return ;;\n", strings.Join(topNames(tree), " "))
	fmt.Fprintf(w, "    completion)\n        compadd -- %s\n        return ;;\n", strings.Join(Shells, " "))
	w.WriteString("    esac\n    case \"$cmd\" in\n")
	for _, c := range tree {
		if c.Subs != nil || c.Path == "help" || c.Path == "completion" {
			continue
		}
		fmt.Fprintf(w, "    %s)\n        case \"$prev\" in\n", shQuote(c.Path))
		writePrevCases(w, c, func(f Flag) string {
			opt := ""
			if f.Name == "output" {
				opt = "-S '' "
			}
			return fmt.Sprintf("compadd %s-- %s", opt, strings.Join(f.valueWords(), " "))
		}, "_files")
		fmt.Fprintf(w, "        esac\n        if [[ $cur == -* ]]; then\n            compadd -- %s\n        else\n            _files\n        fi ;;\n", strings.Join(flagWords(c), " "))
	}
	w.WriteString("    esac\n}\nif [[ $zsh_eval_context[-1] == loadautofunc ]]; then\n    _authgate \"$@\"\nelse\n    compdef _authgate authgate\nfi\n")
}

func writeFish(w *strings.Builder, tree []Command) {
	w.WriteString("# fish completion for authgate (authgate completion fish)\n# Load it with: authgate completion fish | source\ncomplete -c authgate -f\n")
	top := topNames(tree)
	for _, c := range tree {
		if !strings.Contains(c.Path, " ") {
			fmt.Fprintf(w, "complete -c authgate -n '__fish_use_subcommand' -a %s -d %s\n", c.Path, shQuote(c.Summary))
		}
	}
	fmt.Fprintf(w, "complete -c authgate -n '__fish_seen_subcommand_from help' -a %s\n", shQuote(strings.Join(top, " ")))
	fmt.Fprintf(w, "complete -c authgate -n '__fish_seen_subcommand_from completion' -a %s\n", shQuote(strings.Join(Shells, " ")))
	for _, c := range tree {
		if c.Subs == nil {
			continue
		}
		for _, s := range c.Subs {
			sc := findComp(tree, c.Path+" "+s)
			fmt.Fprintf(w, "complete -c authgate -n '__fish_seen_subcommand_from %s; and not __fish_seen_subcommand_from %s' -a %s -d %s\n",
				c.Path, strings.Join(c.Subs, " "), s, shQuote(sc.Summary))
		}
	}
	for _, c := range tree {
		if c.Subs != nil || len(c.Flags) == 0 {
			continue
		}
		cond := "__fish_seen_subcommand_from " + c.Path
		if i := strings.IndexByte(c.Path, ' '); i > 0 {
			cond = "__fish_seen_subcommand_from " + c.Path[:i] + "; and __fish_seen_subcommand_from " + c.Path[i+1:]
		}
		for _, f := range c.Flags {
			fmt.Fprintf(w, "complete -c authgate -n %s -l %s", shQuote(cond), f.Name)
			if f.Short != "" {
				fmt.Fprintf(w, " -s %s", f.Short)
			}
			switch {
			case len(f.Values) > 0:
				fmt.Fprintf(w, " -x -a %s", shQuote(strings.Join(f.valueWords(), " ")))
			case f.File:
				w.WriteString(" -r -F")
			case f.Value:
				w.WriteString(" -x")
			}
			fmt.Fprintf(w, " -d %s\n", shQuote(firstSentence(f.Usage)))
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

func writePowerShell(w *strings.Builder, tree []Command) {
	w.WriteString("# PowerShell completion for authgate (authgate completion powershell)\n# Load it with: authgate completion powershell | Out-String | Invoke-Expression\n")
	w.WriteString("$authgateSubs = @{\n")
	fmt.Fprintf(w, "    '' = %s\n", psList(topNames(tree)))
	fmt.Fprintf(w, "    'help' = %s\n", psList(topNames(tree)))
	fmt.Fprintf(w, "    'completion' = %s\n", psList(Shells))
	for _, c := range tree {
		if c.Subs != nil {
			fmt.Fprintf(w, "    %s = %s\n", psQuote(c.Path), psList(append(slices.Clone(c.Subs), "help")))
		}
	}
	w.WriteString("}\n$authgateFlags = @{\n")
	for _, c := range tree {
		if c.Subs == nil && c.Path != "help" && c.Path != "completion" {
			fmt.Fprintf(w, "    %s = %s\n", psQuote(c.Path), psList(flagWords(c)))
		}
	}
	w.WriteString("}\n$authgateValues = @{\n")
	for _, c := range tree {
		for _, f := range c.Flags {
			if len(f.Values) > 0 {
				fmt.Fprintf(w, "    %s = %s\n", psQuote(c.Path+" --"+f.Name), psList(f.valueWords()))
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

// writePrevCases writes the `case "$prev"` arms of c that the bash and zsh
// scripts share: a flag with a fixed set of values completes them (values
// gives the shell's command), a file flag completes files (files), and any
// other flag that takes a value completes nothing.
func writePrevCases(w io.Writer, c Command, values func(Flag) string, files string) {
	var plain []string
	for _, f := range c.Flags {
		if !f.Value {
			continue
		}
		pat := "--" + f.Name
		if f.Short != "" {
			pat += "|-" + f.Short
		}
		switch {
		case len(f.Values) > 0:
			fmt.Fprintf(w, "        %s) %s; return ;;\n", pat, values(f))
		case f.File:
			fmt.Fprintf(w, "        %s) %s; return ;;\n", pat, files)
		default:
			plain = append(plain, pat)
		}
	}
	if len(plain) > 0 {
		fmt.Fprintf(w, "        %s) return ;;\n", strings.Join(plain, "|"))
	}
}
