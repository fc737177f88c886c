package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"

	"github.com/authgate/authgate/fetch"
	"github.com/authgate/authgate/gate"
	"github.com/authgate/authgate/reports"
	"github.com/authgate/authgate/result"
)

// The CI files users copy: every authgate command line in them must parse
// with the real flag sets, and each must carry the settings its CI needs.
var ciFiles = []string{
	"action.yml",
	"examples/github/authgate.yml",
	"examples/azure-pipelines.yml",
	"examples/gitlab-ci.yml",
}

// shellWord is one word of a shell command line; dynamic when it holds a
// variable or command substitution.
type shellWord struct {
	text    string
	dynamic bool
}

// shellWords splits a command line as a POSIX shell would, without
// expanding anything; it stops at a comment, ;, && or |.
func shellWords(line string) []shellWord {
	var words []shellWord
	var cur strings.Builder
	dynamic, in := false, false
	flush := func() {
		if in {
			words = append(words, shellWord{cur.String(), dynamic})
		}
		cur.Reset()
		dynamic, in = false, false
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			flush()
		case c == '#' && !in, c == ';', c == '|', c == '&':
			flush()
			return words
		case c == '\'':
			in = true
			j := strings.IndexByte(line[i+1:], '\'')
			if j < 0 {
				j = len(line) - i - 1
			}
			cur.WriteString(line[i+1 : i+1+j])
			i += j + 1
		case c == '"':
			in = true
			for i++; i < len(line) && line[i] != '"'; i++ {
				if line[i] == '\\' && i+1 < len(line) {
					i++
				}
				if line[i] == '$' {
					dynamic = true
				}
				cur.WriteByte(line[i])
			}
		case c == '\\' && i+1 < len(line):
			in = true
			i++
			cur.WriteByte(line[i])
		default:
			if c == '$' {
				dynamic = true
			}
			in = true
			cur.WriteByte(c)
		}
	}
	flush()
	return words
}

// authgateLines returns the authgate command lines in a script: lines whose
// first word is authgate, continuation lines joined.
func authgateLines(script string) [][]shellWord {
	script = strings.ReplaceAll(script, "\\\n", " ")
	var out [][]shellWord
	for _, line := range strings.Split(script, "\n") {
		words := shellWords(strings.TrimSpace(line))
		if len(words) > 1 && words[0].text == "authgate" && !words[0].dynamic { // not a bare name: authgate
			out = append(out, words[1:])
		}
	}
	return out
}

// commandFlagSet builds the flag set a subcommand parses with, without
// running it; it returns the subcommand's name and how many words it used.
func commandFlagSet(words []shellWord) (*pflag.FlagSet, string, int, error) {
	if len(words) == 0 {
		return nil, "", 0, fmt.Errorf("no subcommand")
	}
	name := words[0].text
	fs := newFlagSet(name, name, io.Discard)
	switch name {
	case "check":
		addCheckFlags(fs, &gate.Options{})
	case "fetch":
		var o fetchOptions
		fs.StringVarP(&o.out, "output-file", "o", "", "")
		addFetchFlags(fs, &o)
	case "run":
		addRunFlags(fs, &fetchOptions{}, &gate.Options{})
	case "version":
	case "policy":
		if len(words) < 2 || !slices.ContainsFunc(policySubcommands, func(c command) bool { return c.name == words[1].text }) {
			return nil, "", 0, fmt.Errorf("policy: no or unknown subcommand")
		}
		fs.String("format", "", "")
		addPolicyFlags(fs, &gate.Options{}, words[1].text != "test")
		return fs, "policy " + words[1].text, 2, nil
	default:
		if slices.ContainsFunc(commands(), func(c command) bool { return c.name == name }) {
			return nil, "", 0, fmt.Errorf("subcommand %q exists but this test cannot check its flags: add it to commandFlagSet", name)
		}
		return nil, "", 0, fmt.Errorf("unknown subcommand %q", name)
	}
	return fs, name, 1, nil
}

// checkCommandLine parses an authgate command line from a CI file with the
// real flag set. Dynamic words that stand alone (a variable holding more
// arguments) are skipped; dynamic flag values are checked where literal.
func checkCommandLine(words []shellWord) error {
	fs, name, used, err := commandFlagSet(words)
	if err != nil {
		return err
	}
	words = words[used:]
	positional := 0
	for i := 0; i < len(words); i++ {
		w := words[i]
		if !strings.HasPrefix(w.text, "-") {
			if !w.dynamic {
				positional++
			}
			continue
		}
		flagName, value, hasValue := strings.Cut(strings.TrimLeft(w.text, "-"), "=")
		var f *pflag.Flag
		if strings.HasPrefix(w.text, "--") {
			f = fs.Lookup(flagName)
		} else if len(flagName) == 1 {
			f = fs.ShorthandLookup(flagName)
		}
		if f == nil {
			return fmt.Errorf("%s: unknown flag %s", name, w.text)
		}
		dynamic := w.dynamic
		if !hasValue && f.Value.Type() != "bool" {
			if i+1 >= len(words) {
				return fmt.Errorf("%s: flag %s needs a value", name, w.text)
			}
			i++
			value, dynamic = words[i].text, words[i].dynamic
		}
		if err := checkFlagValue(f.Name, value, dynamic); err != nil {
			return fmt.Errorf("%s: --%s %s: %v", name, f.Name, value, err)
		}
		if !dynamic && f.Value.Type() != "bool" {
			if err := fs.Set(f.Name, value); err != nil {
				return fmt.Errorf("%s: --%s: %v", name, f.Name, err)
			}
		}
	}
	if positional > 0 && !strings.HasPrefix(name, "policy") {
		return fmt.Errorf("%s: takes no arguments", name)
	}
	return nil
}

// checkFlagValue checks the literal part of the values with a fixed set.
func checkFlagValue(flag, value string, dynamic bool) error {
	literal := !dynamic || !strings.Contains(value, "$")
	switch flag {
	case "auth":
		if literal && !slices.Contains(fetch.AuthModes, value) {
			return fmt.Errorf("not an auth mode (%s)", strings.Join(fetch.AuthModes, ", "))
		}
	case "fail-on":
		if literal && value != result.FailOnNone {
			if _, err := result.ParseSeverity(value); err != nil {
				return err
			}
		}
	case "format":
		if literal && !slices.Contains(reports.Formats(), value) {
			return fmt.Errorf("not a format (%s)", strings.Join(reports.Formats(), ", "))
		}
	case "output":
		format, path, ok := strings.Cut(value, "=")
		if !ok || path == "" {
			return fmt.Errorf("want FORMAT=PATH")
		}
		if !strings.Contains(format, "$") && !slices.Contains(reports.Formats(), format) {
			return fmt.Errorf("not a format: %s", format)
		}
	}
	return nil
}

// scalars returns every string scalar in a YAML document.
func scalars(n *yaml.Node) []string {
	if n.Kind == yaml.ScalarNode {
		return []string{n.Value}
	}
	var out []string
	for _, c := range n.Content {
		out = append(out, scalars(c)...)
	}
	return out
}

// lookup follows a path of mapping keys (or sequence indexes as "0"...).
func lookup(n *yaml.Node, path ...string) *yaml.Node {
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for _, p := range path {
		var next *yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == p {
					next = n.Content[i+1]
				}
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				if fmt.Sprint(i) == p {
					next = c
				}
			}
		}
		if next == nil {
			return nil
		}
		n = next
	}
	return n
}

func readYAML(t *testing.T, rel string) *yaml.Node {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, rel))
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return &doc
}

// findStep returns the first step (in any job) whose key has the value.
func findStep(doc *yaml.Node, key, value string) *yaml.Node {
	var found *yaml.Node
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if found != nil {
			return
		}
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == key && strings.HasPrefix(n.Content[i+1].Value, value) {
					found = n
					return
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(doc)
	return found
}

var goInstall = regexp.MustCompile(`go install\s+\S*authgate\S*`)

func TestCIFilesCommandLines(t *testing.T) {
	for _, rel := range ciFiles {
		t.Run(rel, func(t *testing.T) {
			doc := readYAML(t, rel)
			n := 0
			for _, s := range scalars(doc) {
				for _, m := range goInstall.FindAllString(s, -1) {
					if !strings.HasPrefix(strings.Fields(m)[2], `"github.com/authgate/authgate/cmd/authgate@`) &&
						!strings.HasPrefix(strings.Fields(m)[2], "github.com/authgate/authgate/cmd/authgate@") {
						t.Errorf("a go install that is not of github.com/authgate/authgate/cmd/authgate@VERSION: %q", m)
					}
				}
				for _, words := range authgateLines(s) {
					n++
					if err := checkCommandLine(words); err != nil {
						t.Errorf("authgate %s: %v", joinWords(words), err)
					}
				}
			}
			if n == 0 && rel != "examples/github/authgate.yml" {
				t.Error("no authgate command line")
			}
			t.Logf("%d authgate command lines", n)
		})
	}
}

func joinWords(ws []shellWord) string {
	s := make([]string, len(ws))
	for i, w := range ws {
		s[i] = w.text
	}
	return strings.Join(s, " ")
}

// The checker itself refuses what authgate would refuse.
func TestCheckCommandLineRefuses(t *testing.T) {
	for _, line := range []string{
		"authgate chekc --snapshot s.json",
		"authgate run --frobnicate",
		"authgate run --auth password",
		"authgate run --fail-on severe",
		"authgate run --output sarif",
		"authgate run --output pdf=x.pdf",
		"authgate fetch -o s.json --max-pages many",
		"authgate check --snapshot s.json extra",
		"authgate run --snapshot-out",
		"authgate policy frob",
	} {
		lines := authgateLines(line)
		if len(lines) != 1 {
			t.Fatalf("%q: %d command lines", line, len(lines))
		}
		if err := checkCommandLine(lines[0]); err == nil {
			t.Errorf("%q was accepted", line)
		}
	}
	for _, line := range []string{
		`authgate run --auth "$AUTHGATE_AUTH" --fail-on high "${outputs[@]}" $ARGS --output "sarif=$out/a.sarif"`,
		"authgate fetch -o s.json --auth github-oidc --debug --max-pages 10",
		"authgate policy test policies/ --format json",
		"authgate version",
	} {
		if err := checkCommandLine(authgateLines(line)[0]); err != nil {
			t.Errorf("%q: %v", line, err)
		}
	}
}

// TestCIFilesSettings checks what each CI needs besides the command line.
func TestCIFilesSettings(t *testing.T) {
	t.Run("action.yml", func(t *testing.T) {
		doc := readYAML(t, "action.yml")
		if got := lookup(doc, "runs", "using"); got == nil || got.Value != "composite" {
			t.Error("not a composite action")
		}
		for _, in := range []string{"tenant-id", "client-id", "auth", "fail-on", "formats", "version", "working-directory"} {
			if lookup(doc, "inputs", in) == nil {
				t.Errorf("no input %s", in)
			}
		}
		if d := lookup(doc, "inputs", "auth", "default"); d == nil || d.Value != fetch.AuthGitHubOIDC {
			t.Error("the auth input does not default to github-oidc")
		}
		if findStep(doc, "uses", "actions/setup-go@") == nil {
			t.Error("no actions/setup-go step")
		}
		sarif := findStep(doc, "uses", "github/codeql-action/upload-sarif@")
		if sarif == nil || lookup(sarif, "with", "category") == nil || lookup(sarif, "with", "category").Value != "authgate" {
			t.Error("no SARIF upload with category authgate")
		}
		if findStep(doc, "uses", "actions/upload-artifact@") == nil {
			t.Error("no JUnit artefact upload")
		}
		all := strings.Join(scalars(doc), "\n")
		for _, want := range []string{"$GITHUB_STEP_SUMMARY", `echo "code=$code" >> "$GITHUB_OUTPUT"`, `exit "${CODE:-4}"`, "--output"} {
			if !strings.Contains(all, want) {
				t.Errorf("action.yml lacks %q", want)
			}
		}
		// Inputs reach scripts through env, never expanded into their text.
		for _, s := range scalars(doc) {
			if strings.Contains(s, "\n") && strings.Contains(s, "${{ inputs.") {
				t.Errorf("a script expands an input into its text: %.60q", s)
			}
		}
	})
	t.Run("examples/github/authgate.yml", func(t *testing.T) {
		doc := readYAML(t, "examples/github/authgate.yml")
		for perm, want := range map[string]string{"id-token": "write", "security-events": "write", "contents": "read"} {
			if got := lookup(doc, "permissions", perm); got == nil || got.Value != want {
				t.Errorf("permissions.%s is not %s", perm, want)
			}
		}
		if lookup(doc, "on", "schedule") == nil || lookup(doc, "on", "workflow_dispatch") == nil {
			t.Error("no schedule or workflow_dispatch trigger")
		}
		if findStep(doc, "uses", "authgate/authgate@") == nil {
			t.Error("the example does not use the action")
		}
	})
	t.Run("examples/azure-pipelines.yml", func(t *testing.T) {
		doc := readYAML(t, "examples/azure-pipelines.yml")
		cli := findStep(doc, "task", "AzureCLI@2")
		if cli == nil || lookup(cli, "inputs", "azureSubscription") == nil {
			t.Fatal("no AzureCLI@2 task with a service connection (azureSubscription)")
		}
		if tok := lookup(cli, "env", "SYSTEM_ACCESSTOKEN"); tok == nil || tok.Value != "$(System.AccessToken)" {
			t.Error("the AzureCLI@2 task does not map SYSTEM_ACCESSTOKEN, which --auth azure-pipelines needs")
		}
		if !strings.Contains(lookup(cli, "inputs", "inlineScript").Value, "--auth azure-pipelines") {
			t.Error("the AzureCLI@2 task does not run --auth azure-pipelines")
		}
		pub := findStep(doc, "task", "PublishTestResults@2")
		if pub == nil || lookup(pub, "inputs", "testResultsFormat").Value != "JUnit" {
			t.Error("no PublishTestResults@2 with testResultsFormat JUnit")
		}
		if c := lookup(pub, "condition"); c == nil || c.Value != "succeededOrFailed()" {
			t.Error("the JUnit report is not published when the gate fails")
		}
	})
	t.Run("examples/gitlab-ci.yml", func(t *testing.T) {
		doc := readYAML(t, "examples/gitlab-ci.yml")
		job := lookup(doc, "authgate")
		if job == nil {
			t.Fatal("no authgate job")
		}
		if aud := lookup(job, "id_tokens", "AZURE_FEDERATED_TOKEN", "aud"); aud == nil || aud.Value != fetch.GitHubAudience {
			t.Errorf("id_tokens.AZURE_FEDERATED_TOKEN.aud is not %s", fetch.GitHubAudience)
		}
		if lookup(job, "artifacts", "reports", "junit") == nil {
			t.Error("no artifacts:reports:junit")
		}
		if w := lookup(job, "artifacts", "when"); w == nil || w.Value != "always" {
			t.Error("artifacts are not kept when the gate fails")
		}
		script := strings.Join(scalars(lookup(job, "script")), "\n")
		for _, want := range []string{"AZURE_FEDERATED_TOKEN_FILE", "--auth workload-identity"} {
			if !strings.Contains(script, want) {
				t.Errorf("the script lacks %q", want)
			}
		}
	})
}
