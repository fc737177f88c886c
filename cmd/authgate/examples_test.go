package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"

	"github.com/authgate/authgate/fetch"
	"github.com/authgate/authgate/reports"
	"github.com/authgate/authgate/result"
)

// The CI files users copy: every authgate command line in them must parse
// with the real flag sets, and each must carry the settings its CI needs.
var ciFiles = []string{
	"action.yml",
	"examples/github/authgate.yml",
	"examples/github/audit.yml",
	"examples/azure-pipelines/azure-pipelines.yml",
	"examples/gitlab/gitlab-ci.yml",
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

// commandFlagSet returns the flag set a subcommand parses with, read from
// the command itself (commandFlags); it returns the subcommand's name and
// how many words it used.
func commandFlagSet(words []shellWord) (*pflag.FlagSet, string, int, error) {
	if len(words) == 0 {
		return nil, "", 0, fmt.Errorf("no subcommand")
	}
	c, _, ok := findCommand([]string{words[0].text})
	if !ok {
		return nil, "", 0, fmt.Errorf("unknown subcommand %q", words[0].text)
	}
	path, used := c.name, 1
	if c.subs != nil {
		if len(words) < 2 {
			return nil, "", 0, fmt.Errorf("%s: no subcommand", c.name)
		}
		sub, _, ok := findCommand([]string{c.name, words[1].text})
		if !ok {
			return nil, "", 0, fmt.Errorf("%s: unknown subcommand %q", c.name, words[1].text)
		}
		c, path, used = sub, c.name+" "+sub.name, 2
	}
	fs := commandFlags(c)
	if fs == nil {
		return nil, "", 0, fmt.Errorf("%s has no flags", path)
	}
	return fs, path, used, nil
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
		for _, in := range []string{"tenant-id", "client-id", "auth", "fail-on", "formats", "working-directory"} {
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
		if sarif == nil || lookup(sarif, "with", "category") == nil || !strings.Contains(lookup(sarif, "with", "category").Value, "steps.run.outputs.category") {
			t.Error("no SARIF upload with the per-tenant category")
		}
		if findStep(doc, "uses", "actions/upload-artifact@") == nil {
			t.Error("no reports artifact upload")
		}
		for _, in := range []string{"sarif-category", "artifact-name", "retention-days", "waivers", "upload-snapshot"} {
			if lookup(doc, "inputs", in) == nil {
				t.Errorf("no input %s", in)
			}
		}
		all := strings.Join(scalars(doc), "\n")
		for _, want := range []string{"$GITHUB_STEP_SUMMARY", `echo "code=$code"`, `exit "${CODE:-4}"`, "--output"} {
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
		for perm, want := range map[string]string{"id-token": "write", "security-events": "write", "contents": "read", "actions": "read"} {
			if got := lookup(doc, "permissions", perm); got == nil || got.Value != want {
				t.Errorf("permissions.%s is not %s", perm, want)
			}
		}
		if n := len(lookup(doc, "permissions").Content) / 2; n != 4 {
			t.Errorf("%d permissions, want exactly the 4 the job needs", n)
		}
		if lookup(doc, "on", "schedule") == nil || lookup(doc, "on", "workflow_dispatch") == nil {
			t.Error("no schedule or workflow_dispatch trigger")
		}
		if g := lookup(doc, "concurrency", "group"); g == nil || !strings.Contains(g.Value, "AZURE_TENANT_ID") {
			t.Error("no concurrency group per tenant")
		}
		step := findStep(doc, "uses", "authgate/authgate@")
		if step == nil {
			t.Fatal("the example does not use the action")
		}
		if !strings.Contains(lookup(step, "with", "args").Value, "--pseudonymize") {
			t.Error("the example does not pseudonymize its shared reports")
		}
		for _, in := range []string{"config", "waivers"} {
			f := lookup(step, "with", in)
			if f == nil {
				t.Fatalf("the action step has no %s", in)
			}
			if _, err := os.Stat(filepath.Join(repoRoot, "examples", "github", f.Value)); err != nil {
				t.Errorf("the recipe's %s is not beside it: %v", in, err)
			}
		}
		if r := lookup(step, "with", "retention-days"); r == nil || !slices.Contains([]string{"1", "2", "3", "4", "5", "6", "7"}, r.Value) {
			t.Error("no artifact retention of a week or less")
		}
	})
	t.Run("examples/github/audit.yml", func(t *testing.T) {
		doc := readYAML(t, "examples/github/audit.yml")
		if lookup(doc, "on", "schedule") == nil {
			t.Error("the audit recipe is not scheduled")
		}
		if lookup(doc, "permissions", "actions") == nil || lookup(doc, "concurrency", "group") == nil {
			t.Error("no actions: read (to download the previous snapshot) or no concurrency group")
		}
		all := strings.Join(scalars(doc), "\n")
		for _, want := range []string{"--baseline previous/snapshot.json", "gh run download", "--pseudonymize", "--evidence"} {
			if !strings.Contains(all, want) {
				t.Errorf("the audit recipe lacks %q", want)
			}
		}
	})
	t.Run("examples/azure-pipelines/azure-pipelines.yml", func(t *testing.T) {
		doc := readYAML(t, "examples/azure-pipelines/azure-pipelines.yml")
		if findStep(doc, "task", "AzureCLI") != nil {
			t.Error("the recipe uses AzureCLI, whose az login fails without a subscription role")
		}
		run := findStep(doc, "displayName", "authgate run")
		if run == nil || lookup(run, "script") == nil || !strings.Contains(lookup(run, "script").Value, "--auth azure-pipelines") {
			t.Fatal("no plain script step running authgate run --auth azure-pipelines")
		}
		for name, want := range map[string]string{
			"SYSTEM_ACCESSTOKEN": "$(System.AccessToken)", "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID": "$(",
			"AZURESUBSCRIPTION_TENANT_ID": "$(", "AZURESUBSCRIPTION_CLIENT_ID": "$(",
		} {
			if v := lookup(run, "env", name); v == nil || !strings.HasPrefix(v.Value, want) {
				t.Errorf("the script step does not map %s, which --auth azure-pipelines needs", name)
			}
		}
		sum := findStep(doc, "displayName", "Publish the run summary")
		if sum == nil || !strings.Contains(lookup(sum, "script").Value, "##vso[task.uploadsummary]") ||
			lookup(sum, "condition") == nil || lookup(sum, "condition").Value != "succeededOrFailed()" {
			t.Error("the Markdown report is not published to the run summary when the gate fails")
		}
		pub := findStep(doc, "task", "PublishTestResults@2")
		if pub == nil || lookup(pub, "inputs", "testResultsFormat").Value != "JUnit" {
			t.Error("no PublishTestResults@2 with testResultsFormat JUnit")
		}
		if c := lookup(pub, "condition"); c == nil || c.Value != "succeededOrFailed()" {
			t.Error("the JUnit report is not published when the gate fails")
		}
	})
	t.Run("examples/gitlab/gitlab-ci.yml", func(t *testing.T) {
		doc := readYAML(t, "examples/gitlab/gitlab-ci.yml")
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

// TestExampleConfigsLoad checks the recipe's authgate.yaml and waivers.yaml
// against the sample snapshot: both load, the waiver matches a finding (it
// is not reported unused), and the gate fails on the sample's findings, not
// on the files (exit 1, not 2).
func TestExampleConfigsLoad(t *testing.T) {
	for _, d := range []string{"github", "azure-pipelines", "gitlab"} {
		t.Run(d, func(t *testing.T) {
			dir := filepath.Join(repoRoot, "examples", d)
			code, out, errOut := cli(t, "check", "--snapshot", filepath.Join(repoRoot, "testdata", "sample.snapshot.json"),
				"--config", filepath.Join(dir, "authgate.yaml"), "--waivers", filepath.Join(dir, "waivers.yaml"),
				"--now", "2026-11-01T00:00:00Z", "--format", "json")
			if code != exitViolations {
				t.Fatalf("exit %d, want %d: %s", code, exitViolations, errOut)
			}
			var res struct {
				Summary struct {
					Waived int `json:"waived"`
				} `json:"summary"`
			}
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatal(err)
			}
			if res.Summary.Waived != 1 {
				t.Errorf("%d waived findings, want the example's 1", res.Summary.Waived)
			}
			if strings.Contains(errOut+out, "unused") {
				t.Errorf("the example's waiver is reported unused")
			}
		})
	}
}

// Every recipe pseudonymizes what it shares and has its config beside it.
func TestRecipesPseudonymizeAndAreComplete(t *testing.T) {
	for _, rel := range ciFiles[1:] {
		all := strings.Join(scalars(readYAML(t, rel)), "\n")
		if !strings.Contains(all, "--pseudonymize") {
			t.Errorf("%s: no --pseudonymize for the reports it shares", rel)
		}
		for _, f := range []string{"authgate.yaml", "waivers.yaml"} {
			if strings.Contains(all, f) {
				if _, err := os.Stat(filepath.Join(repoRoot, filepath.Dir(rel), f)); err != nil {
					t.Errorf("%s names %s, which is not beside it: %v", rel, f, err)
				}
			}
		}
	}
}
