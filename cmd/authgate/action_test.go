package main

import (
	"bufio"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"
)

// This file runs the composite action's shell steps as the Actions runner
// would: each step's `if:` decides whether it runs (a step without a status
// function such as always() is skipped once an earlier step has failed),
// expressions in env, with and working-directory are filled in from the
// inputs, the runner's contexts and earlier steps' outputs, run: scripts are
// run with `bash --noprofile --norc -eo pipefail` and the GITHUB_OUTPUT,
// GITHUB_PATH and GITHUB_STEP_SUMMARY files, and continue-on-error turns a
// failed step's conclusion into success. Steps that use another action are
// stubbed: setup-go and the cache succeed (Go is already here), and the two
// uploads can be made to fail, as they do in a private repository without
// code scanning or without `actions: read`.

type actionFile struct {
	Inputs map[string]struct {
		Default string `yaml:"default"`
	} `yaml:"inputs"`
	Runs struct {
		Using string       `yaml:"using"`
		Steps []actionStep `yaml:"steps"`
	} `yaml:"runs"`
}

type actionStep struct {
	Name             string            `yaml:"name"`
	ID               string            `yaml:"id"`
	If               string            `yaml:"if"`
	Uses             string            `yaml:"uses"`
	Shell            string            `yaml:"shell"`
	Run              string            `yaml:"run"`
	WorkingDirectory string            `yaml:"working-directory"`
	Env              map[string]string `yaml:"env"`
	With             map[string]string `yaml:"with"`
	ContinueOnError  bool              `yaml:"continue-on-error"`
}

// actionRun is one simulated job running the action.
type actionRun struct {
	t        *testing.T
	inputs   map[string]string
	contexts map[string]string // github.action_path, runner.temp, ...
	env      []string          // the job's environment
	workdir  string
	failUses map[string]bool // uses prefixes whose stub fails

	outputs  map[string]map[string]string // step id -> outputs
	outcome  map[string]string            // step id -> outcome
	uses     map[string]map[string]string // uses prefix -> evaluated with:
	stdout   strings.Builder              // every step's output, as the log shows it
	summary  string
	failed   bool // the job has failed (a step failed without continue-on-error)
	lastCode int  // exit code of the last run: step that ran
	ran      []string
}

var exprRef = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// value resolves a reference such as inputs.fail-on, steps.run.outputs.code,
// steps.upload-sarif.outcome or github.action_path.
func (r *actionRun) value(ref string) string {
	parts := strings.Split(ref, ".")
	switch {
	case parts[0] == "inputs" && len(parts) == 2:
		v, ok := r.inputs[parts[1]]
		if !ok {
			r.t.Fatalf("action.yml refers to an undeclared input %s", ref)
		}
		return v
	case parts[0] == "steps" && len(parts) == 4 && parts[2] == "outputs":
		return r.outputs[parts[1]][parts[3]]
	case parts[0] == "steps" && len(parts) == 3 && parts[2] == "outcome":
		return r.outcome[parts[1]]
	default:
		v, ok := r.contexts[ref]
		if !ok {
			r.t.Fatalf("action.yml uses %q, which this test's runner does not provide", ref)
		}
		return v
	}
}

// expand fills in ${{ ref }} expressions.
func (r *actionRun) expand(s string) string {
	return exprRef.ReplaceAllStringFunc(s, func(m string) string {
		return r.value(exprRef.FindStringSubmatch(m)[1])
	})
}

// condition evaluates an if: of terms joined by &&: always(), success(),
// failure(), REF == 'x', REF != 'x'. Without a status function the runner
// adds success(), so the step is skipped after a failure.
func (r *actionRun) condition(cond string) bool {
	cond = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(cond), "${{"), "}}"))
	status := false
	ok := true
	if cond != "" {
		for _, term := range strings.Split(cond, "&&") {
			term = strings.TrimSpace(term)
			switch {
			case term == "always()":
				status = true
			case term == "success()":
				status, ok = true, ok && !r.failed
			case term == "failure()":
				status, ok = true, ok && r.failed
			default:
				var op string
				for _, o := range []string{"==", "!="} {
					if strings.Contains(term, o) {
						op = o
					}
				}
				left, right, found := strings.Cut(term, op)
				if op == "" || !found {
					r.t.Fatalf("if: %q: this test's runner understands only always(), REF == 'x' and REF != 'x'", cond)
				}
				lit := strings.TrimSpace(right)
				if len(lit) < 2 || lit[0] != '\'' || lit[len(lit)-1] != '\'' {
					r.t.Fatalf("if: %q: want a quoted literal on the right", cond)
				}
				eq := r.value(strings.TrimSpace(left)) == lit[1:len(lit)-1]
				ok = ok && (eq == (op == "=="))
			}
		}
	}
	if !status && r.failed {
		return false
	}
	return ok
}

// buildCache keeps the build step's result across runs in one test binary,
// keyed by its script and environment: the step is run for real once.
var buildCache sync.Map

func (r *actionRun) run(a *actionFile) {
	t := r.t
	tmp := t.TempDir()
	files := map[string]string{}
	for _, name := range []string{"GITHUB_OUTPUT", "GITHUB_PATH", "GITHUB_STEP_SUMMARY", "GITHUB_ENV"} {
		files[name] = filepath.Join(tmp, strings.ToLower(name))
		if err := os.WriteFile(files[name], nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var path []string
	for _, s := range a.Runs.Steps {
		if !r.condition(s.If) {
			r.ran = append(r.ran, "skipped: "+s.Name)
			if s.ID != "" {
				r.outcome[s.ID] = "skipped"
			}
			continue
		}
		r.ran = append(r.ran, s.Name)
		outcome := "success"
		switch {
		case s.Uses != "":
			with := map[string]string{}
			for k, v := range s.With {
				with[k] = r.expand(v)
			}
			prefix, _, _ := strings.Cut(s.Uses, "@")
			r.uses[prefix] = with
			if r.failUses[prefix] {
				outcome = "failure"
				fmt.Fprintf(&r.stdout, "##[error]%s: stubbed failure\n", prefix)
			}
		case s.Run != "":
			if s.Shell != "bash" {
				t.Fatalf("step %q: shell %q, want bash (Windows runners have bash too; sh lacks arrays)", s.Name, s.Shell)
			}
			env := append([]string{}, r.env...)
			if len(path) > 0 {
				env = append(env, "PATH="+strings.Join(path, ":")+":"+os.Getenv("PATH"))
			}
			for k, v := range files {
				env = append(env, k+"="+v)
			}
			env = append(env, "GITHUB_ACTION_PATH="+r.contexts["github.action_path"], "RUNNER_TEMP="+r.contexts["runner.temp"])
			for k, v := range s.Env {
				env = append(env, k+"="+r.expand(v))
			}
			// The output file is per step.
			if err := os.WriteFile(files["GITHUB_OUTPUT"], nil, 0o600); err != nil {
				t.Fatal(err)
			}
			dir := r.workdir
			if s.WorkingDirectory != "" {
				dir = filepath.Join(r.workdir, r.expand(s.WorkingDirectory))
			}
			key := ""
			if s.ID == "build" {
				k := s.Run
				for name, v := range s.Env {
					k += "\x00" + name + "=" + r.expand(v)
				}
				h := sha256.Sum256([]byte(k))
				key = hex.EncodeToString(h[:])
			}
			var code int
			var out []byte
			if c, ok := buildCache.Load(key); key != "" && ok {
				res := c.(buildResult)
				code, out = res.code, res.out
				if err := os.WriteFile(files["GITHUB_OUTPUT"], res.output, 0o600); err != nil {
					t.Fatal(err)
				}
				f, err := os.OpenFile(files["GITHUB_PATH"], os.O_APPEND|os.O_WRONLY, 0)
				if err != nil {
					t.Fatal(err)
				}
				_, err = f.Write(res.path)
				f.Close()
				if err != nil {
					t.Fatal(err)
				}
			} else {
				script := filepath.Join(tmp, "step.sh")
				if err := os.WriteFile(script, []byte(s.Run), 0o600); err != nil {
					t.Fatal(err)
				}
				before, _ := os.ReadFile(files["GITHUB_PATH"])
				cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", script)
				cmd.Env, cmd.Dir = env, dir
				var err error
				out, err = cmd.CombinedOutput()
				if ee, ok := err.(*exec.ExitError); ok {
					code = ee.ExitCode()
				} else if err != nil {
					t.Fatalf("step %q: %v", s.Name, err)
				}
				if key != "" && code == 0 {
					output, _ := os.ReadFile(files["GITHUB_OUTPUT"])
					after, _ := os.ReadFile(files["GITHUB_PATH"])
					buildCache.Store(key, buildResult{code, out, output, after[len(before):]})
				}
			}
			r.stdout.Write(out)
			r.lastCode = code
			if code != 0 {
				outcome = "failure"
				fmt.Fprintf(&r.stdout, "##[error]step %q: exit %d\n", s.Name, code)
			}
			if s.ID != "" {
				r.outputs[s.ID] = readGitHubOutput(t, files["GITHUB_OUTPUT"])
			}
			path = readLines(t, files["GITHUB_PATH"])
		default:
			t.Fatalf("step %q neither runs nor uses anything", s.Name)
		}
		if s.ID != "" {
			r.outcome[s.ID] = outcome
		}
		if outcome == "failure" && !s.ContinueOnError {
			r.failed = true
		}
	}
	b, err := os.ReadFile(files["GITHUB_STEP_SUMMARY"])
	if err != nil {
		t.Fatal(err)
	}
	r.summary = string(b)
}

type buildResult struct {
	code              int
	out, output, path []byte
}

// readGitHubOutput parses NAME=VALUE lines and NAME<<DELIM blocks.
func readGitHubOutput(t *testing.T, file string) map[string]string {
	t.Helper()
	out := map[string]string{}
	lines := readLines(t, file)
	for i := 0; i < len(lines); i++ {
		if name, delim, ok := strings.Cut(lines[i], "<<"); ok && !strings.Contains(name, "=") {
			var val []string
			for i++; i < len(lines) && lines[i] != delim; i++ {
				val = append(val, lines[i])
			}
			if i == len(lines) {
				t.Fatalf("GITHUB_OUTPUT: %s<<%s is not closed", name, delim)
			}
			out[name] = strings.Join(val, "\n")
			continue
		}
		name, val, ok := strings.Cut(lines[i], "=")
		if !ok {
			t.Fatalf("GITHUB_OUTPUT: malformed line %q", lines[i])
		}
		out[name] = val
	}
	return out
}

func readLines(t *testing.T, file string) []string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if sc.Text() != "" {
			lines = append(lines, sc.Text())
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

func loadAction(t *testing.T) *actionFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a actionFile
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	if err := dec.Decode(&a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	if a.Runs.Using != "composite" {
		t.Fatalf("action.yml: runs.using %q, want composite", a.Runs.Using)
	}
	return &a
}

// emulatorCertFile writes the emulator's certificate as a PEM file, for
// SSL_CERT_FILE: the built binary then trusts it as it would a system CA.
func emulatorCertFile(t *testing.T, graphURL string, pool *x509.CertPool, dir string) string {
	t.Helper()
	u, err := url.Parse(graphURL)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := tls.Dial("tcp", u.Host, &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	der := conn.ConnectionState().PeerCertificates[0].Raw
	file := filepath.Join(dir, "emulator.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestActionSurvivesFailedUploads builds authgate with the action's own
// build step, fetches from the emulator with the action's run step, makes
// both uploads fail, and checks that the job summary is written, each failed
// upload is a warning, and the job ends with authgate's exit code.
func TestActionSurvivesFailedUploads(t *testing.T) {
	if testing.Short() {
		t.Skip("builds authgate and runs the action's steps")
	}
	a := loadAction(t)
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	s := newTestEmulator(t, 200)
	certDir := t.TempDir()
	certFile := emulatorCertFile(t, s.GraphURL(), s.CertPool(), certDir)
	// One runner.temp for every case, as the build step's result is reused.
	runnerTemp := t.TempDir()

	type want struct {
		code       int // the gate step's exit code: the job's result
		failed     bool
		warnings   int
		summaryHas []string
	}
	cases := []struct {
		name     string
		inputs   map[string]string
		failUses []string
		want     want
	}{
		{
			name:     "failing controls, both uploads fail",
			failUses: []string{"github/codeql-action/upload-sarif", "actions/upload-artifact"},
			want:     want{code: exitViolations, failed: true, warnings: 2, summaryHas: []string{"SARIF upload to code scanning failed", "artifact upload failed", "FAIL"}},
		},
		{
			name:     "fail-on none, SARIF upload fails: the job passes",
			inputs:   map[string]string{"fail-on": "none"},
			failUses: []string{"github/codeql-action/upload-sarif"},
			want:     want{code: exitOK, failed: false, warnings: 1, summaryHas: []string{"SARIF upload to code scanning failed"}},
		},
		{
			name: "uploads succeed, no SARIF requested",
			inputs: map[string]string{"formats": "markdown\njunit", "sarif-category": "mine",
				"artifact-name": "reports-x", "retention-days": "3"},
			want: want{code: exitViolations, failed: true, warnings: 0},
		},
		{
			name:   "authentication fails: no report, the summary says so, exit 3",
			inputs: map[string]string{"client-id": "00000000-0000-0000-0000-00000000bad1"},
			want:   want{code: exitAuth, failed: true, warnings: 0, summaryHas: []string{"authgate exited 3"}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			work := t.TempDir()
			if err := os.Mkdir(filepath.Join(work, "with space"), 0o700); err != nil {
				t.Fatal(err)
			}
			r := &actionRun{
				t: t, inputs: map[string]string{}, workdir: work,
				contexts: map[string]string{
					"github.action_path": root, "github.action_ref": "v9.9.9-test",
					"runner.temp": runnerTemp, "runner.os": "Linux", "runner.arch": "X64",
				},
				failUses: map[string]bool{},
				outputs:  map[string]map[string]string{}, outcome: map[string]string{}, uses: map[string]map[string]string{},
			}
			for k, v := range a.Inputs {
				r.inputs[k] = v.Default
			}
			r.inputs["tenant-id"] = s.TenantID()
			r.inputs["client-id"] = cmdTestClientID
			r.inputs["auth"] = "client-secret"
			// Arguments one per line; the folder name with a space shows
			// that no line is split.
			r.inputs["args"] = strings.Join([]string{
				"--graph-url", s.GraphURL(), "--authority-host", s.AuthorityHost(),
				"--rate", "off", "--output", "text=with space/report.txt", "",
			}, "\n")
			for k, v := range c.inputs {
				r.inputs[k] = v
			}
			for _, u := range c.failUses {
				r.failUses[u] = true
			}
			for _, kv := range os.Environ() {
				if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AZURE_") || strings.HasPrefix(k, "ACTIONS_") || k == "SSL_CERT_FILE" || k == "SSL_CERT_DIR" {
					continue
				}
				r.env = append(r.env, kv)
			}
			r.env = append(r.env, "AZURE_CLIENT_SECRET="+cmdTestSecret, "SSL_CERT_FILE="+certFile, "SSL_CERT_DIR="+certDir)
			if err := os.MkdirAll(r.contexts["runner.temp"], 0o700); err != nil {
				t.Fatal(err)
			}
			r.run(a)
			log := r.stdout.String()
			t.Logf("steps: %q", r.ran)

			if r.outcome["build"] != "success" {
				t.Fatalf("the build step failed:\n%s", log)
			}
			if !strings.Contains(log, "authgate v9.9.9-test") {
				t.Errorf("the built binary does not report the action's ref as its version:\n%s", log)
			}
			if got := r.ran[len(r.ran)-1]; got != "Gate on authgate's exit code" {
				t.Fatalf("the last step was %q, not the gate", got)
			}
			if r.lastCode != c.want.code || r.outputs["run"]["code"] != fmt.Sprint(c.want.code) {
				t.Errorf("gate exit %d, run output code %q; want %d\n%s", r.lastCode, r.outputs["run"]["code"], c.want.code, log)
			}
			if r.failed != c.want.failed {
				t.Errorf("job failed = %v, want %v", r.failed, c.want.failed)
			}
			if n := strings.Count(log, "::warning title=authgate::"); n != c.want.warnings {
				t.Errorf("%d upload warnings, want %d:\n%s", n, c.want.warnings, log)
			}
			for _, w := range c.want.summaryHas {
				if !strings.Contains(r.summary, w) {
					t.Errorf("job summary lacks %q:\n%s", w, r.summary)
				}
			}
			if c.want.code == exitAuth {
				if _, ok := r.uses["actions/upload-artifact"]; !ok {
					t.Error("the artifact upload did not run after authgate failed to sign in")
				}
				return
			}
			if !strings.Contains(r.summary, "authgate") || len(r.summary) < 200 {
				t.Errorf("the job summary does not hold the Markdown report:\n%s", r.summary)
			}
			if _, err := os.Stat(filepath.Join(work, "with space", "report.txt")); err != nil {
				t.Errorf("an argument with a space was split: %v", err)
			}
			art, ok := r.uses["actions/upload-artifact"]
			if !ok {
				t.Fatal("the artifact upload did not run")
			}
			wantName := "authgate-" + s.TenantID()
			if c.inputs["artifact-name"] != "" {
				wantName = c.inputs["artifact-name"]
			}
			if art["name"] != wantName {
				t.Errorf("artifact name %q, want %q", art["name"], wantName)
			}
			if art["retention-days"] != r.inputs["retention-days"] {
				t.Errorf("artifact retention %q, want %q", art["retention-days"], r.inputs["retention-days"])
			}
			if strings.Contains(art["path"], "snapshot.json") {
				t.Error("the raw snapshot (every UPN) is uploaded though upload-snapshot is false")
			}
			matches, _ := filepath.Glob(strings.Split(art["path"], "\n")[0])
			if len(matches) == 0 {
				t.Errorf("the artifact path %q matches no file", art["path"])
			}
			sarif, uploaded := r.uses["github/codeql-action/upload-sarif"]
			if strings.Contains(r.inputs["formats"], "sarif") {
				if !uploaded || sarif["category"] != "authgate-"+s.TenantID() {
					t.Errorf("SARIF upload %v, category %q; want authgate-%s", uploaded, sarif["category"], s.TenantID())
				}
				if _, err := os.Stat(sarif["sarif_file"]); err != nil {
					t.Errorf("SARIF file: %v", err)
				}
				for _, f := range []string{"authgate.json", "authgate.html", "authgate.xml"} {
					if _, err := os.Stat(filepath.Join(r.outputs["run"]["dir"], f)); err != nil {
						t.Errorf("default formats: %v", err)
					}
				}
			} else if uploaded {
				t.Error("a SARIF upload ran without a SARIF report")
			}
		})
	}
}

// The simulated runner must skip a step without always() after a failure,
// or the test above would pass for an action that lacks them.
func TestActionRunnerSkipsAfterFailure(t *testing.T) {
	a := &actionFile{}
	a.Runs.Using = "composite"
	a.Runs.Steps = []actionStep{
		{Name: "upload", ID: "up", Uses: "actions/upload-artifact@v7"},
		{Name: "summary", Shell: "bash", Run: `echo summary >> "$GITHUB_STEP_SUMMARY"`},
		{Name: "gate", If: "always()", Shell: "bash", Run: "exit 0"},
	}
	r := &actionRun{t: t, inputs: map[string]string{}, workdir: t.TempDir(),
		contexts: map[string]string{"github.action_path": "", "runner.temp": t.TempDir()},
		failUses: map[string]bool{"actions/upload-artifact": true},
		outputs:  map[string]map[string]string{}, outcome: map[string]string{}, uses: map[string]map[string]string{}}
	r.run(a)
	if !r.failed || r.summary != "" || r.ran[1] != "skipped: summary" || r.ran[2] != "gate" {
		t.Errorf("failed=%v summary=%q ran=%q", r.failed, r.summary, r.ran)
	}
}
