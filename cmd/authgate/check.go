package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/internal/atomicfile"
	"github.com/authgate/authgate/policies"
	"github.com/authgate/authgate/pseudonym"
	"github.com/authgate/authgate/reports"
	"github.com/authgate/authgate/scope"
	"github.com/authgate/authgate/snapshot"
	"github.com/authgate/authgate/waivers"
	"github.com/spf13/pflag"
)

// checkOptions are the flags of check (and of run, which adds fetch's).
type checkOptions struct {
	snapshot      string
	policies      []string
	noBuiltin     bool
	config        string
	sets          []string
	format        string
	out           string
	outputs       []string // FORMAT=PATH
	failOn        string
	evalMode      string
	now           string
	maxPerControl int
	maxBytes      int64
	allow         []string
	waivers       string
	audit         auditOptions // --baseline, --pseudonymize, --evidence (evidence.go)

	cfg *config // authgate.yaml, once read
}

// addCheckFlags registers check's flags on fs.
func addCheckFlags(fs *pflag.FlagSet, o *checkOptions) {
	fs.StringVar(&o.snapshot, "snapshot", "", "snapshot `FILE` to check (required)")
	fs.StringArrayVar(&o.policies, "policy", nil, "user policy `PATH` (file or folder; repeatable)")
	fs.BoolVar(&o.noBuiltin, "no-builtin", false, "leave the built-in controls out (their library and taxonomy stay available)")
	fs.StringVar(&o.config, "config", "", "configuration `FILE` (authgate.yaml with params:)")
	fs.StringArrayVar(&o.sets, "set", nil, "set a parameter, `name=value` (repeatable; the value is YAML: 0.9, [a, b])")
	fs.StringVar(&o.format, "format", "text", "output `FORMAT` for stdout or -o: "+strings.Join(reports.Formats(), "|"))
	fs.StringVarP(&o.out, "output-file", "o", "", "write the --format output to `FILE` instead of stdout")
	fs.StringArrayVar(&o.outputs, "output", nil, "also write `FORMAT=PATH` (repeatable)")
	fs.StringVar(&o.failOn, "fail-on", "high", "lowest severity that fails the gate: critical|high|medium|low|info|none")
	fs.StringVar(&o.evalMode, "eval-mode", "stream", "evaluation `MODE`: stream (chunked, parallel) or document (whole document at once)")
	fs.StringVar(&o.now, "now", "", "evaluation time (RFC 3339) that time.now_ns returns; default: the snapshot's fetchedAt")
	fs.IntVar(&o.maxPerControl, "max-per-control", 0, "violations listed per control (0: the format's default, 1000 in sarif and junit)")
	fs.Int64Var(&o.maxBytes, "max-snapshot-bytes", snapshot.DefaultMaxBytes, "refuse snapshots larger than `N` bytes")
	fs.StringVar(&o.waivers, "waivers", "", "waivers `FILE` (YAML): accepted risks with owner, reason and expiry; adds to authgate.yaml's waivers")
	fs.StringArrayVar(&o.allow, "allow-builtin", nil, "let policies use a sandboxed Rego builtin (`NAME`: http.send, net.*, opa.runtime, ...)")
	addAuditFlags(fs, &o.audit, true)
}

func cmdCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o checkOptions
	fs := newFlagSet("check", "check --snapshot FILE [flags]", stdout)
	addCheckFlags(fs, &o)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("check: unexpected argument %q", fs.Arg(0))
	}
	_, err := runCheck(ctx, &o, stdout, stderr)
	return err
}

// output is one requested rendering.
type output struct {
	format string
	path   string // "" for stdout
}

// plan validates the output flags before any work is done.
func (o *checkOptions) plan() ([]output, error) {
	if _, err := reports.New(o.format, reports.Options{}); err != nil {
		return nil, usagef("--format: %v", err)
	}
	if o.maxPerControl < 0 {
		return nil, usagef("--max-per-control %d: want 0 (the format's default) or more", o.maxPerControl)
	}
	for _, name := range o.allow {
		if !evaluator.IsSandboxed(name) {
			return nil, usagef("--allow-builtin %q: not one of the builtins the sandbox refuses (%s)", name, strings.Join(evaluator.DeniedBuiltins, ", "))
		}
	}
	outs := []output{{format: o.format, path: o.out}}
	if o.out == "-" {
		outs[0].path = ""
	}
	seen := map[string]bool{}
	if o.out != "" && o.out != "-" {
		seen[filepath.Clean(o.out)] = true
	}
	for _, spec := range o.outputs {
		format, path, ok := strings.Cut(spec, "=")
		if !ok || format == "" || path == "" {
			return nil, usagef("--output %q: want FORMAT=PATH", spec)
		}
		if _, err := reports.New(format, reports.Options{}); err != nil {
			return nil, usagef("--output %q: %v", spec, err)
		}
		if seen[filepath.Clean(path)] {
			return nil, usagef("--output %q: %s is written twice", spec, path)
		}
		seen[filepath.Clean(path)] = true
		outs = append(outs, output{format: format, path: path})
	}
	for i, out := range outs {
		if out.path == "" {
			continue
		}
		flag := "-o " + out.path
		if i > 0 {
			flag = fmt.Sprintf("--output %s=%s", out.format, out.path)
		}
		if err := writablePath(out.path); err != nil {
			return nil, usagef("%s: %v", flag, err)
		}
	}
	return outs, nil
}

// writablePath refuses an output path that is a directory or whose
// directory does not exist, before any work is done.
func writablePath(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return errors.New("is a directory")
	}
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("directory %s does not exist", dir)
	}
	return nil
}

// params returns the parameter overrides: authgate.yaml's params, then --set.
func (o *checkOptions) params() (map[string]any, error) {
	params := map[string]any{}
	cfg, err := o.loadConfig()
	if err != nil {
		return nil, err
	}
	if cfg != nil {
		maps.Copy(params, cfg.Params)
	}
	for _, s := range o.sets {
		name, value, err := parseSet(s)
		if err != nil {
			return nil, err
		}
		params[name] = value
	}
	return params, nil
}

// engineOptions turns the policy, parameter and sandbox flags into evaluator options.
func (o *checkOptions) engineOptions() ([]evaluator.Option, error) {
	opts := []evaluator.Option{evaluator.WithBuiltin(policies.FS), evaluator.WithPolicies(o.policies...), evaluator.WithAllowedBuiltins(o.allow...)}
	if o.noBuiltin {
		opts = append(opts, evaluator.WithoutBuiltinControls())
	}
	params, err := o.params()
	if err != nil {
		return nil, err
	}
	opts = append(opts, evaluator.WithParams(params))
	mode, err := evaluator.ParseMode(o.evalMode)
	if err != nil {
		return nil, usagef("--eval-mode: %v", err)
	}
	opts = append(opts, evaluator.WithMode(mode))
	opts = append(opts, o.audit.engineOptions()...)
	if o.now != "" {
		t, err := time.Parse(time.RFC3339, o.now)
		if err != nil {
			return nil, usagef("--now %q: not an RFC 3339 time (e.g. 2026-11-27T08:00:00Z)", o.now)
		}
		opts = append(opts, evaluator.WithNow(t))
	}
	return opts, nil
}

// loadConfig reads --config once; nil when none was given.
func (o *checkOptions) loadConfig() (*config, error) {
	if o.cfg != nil || o.config == "" {
		return o.cfg, nil
	}
	cfg, err := loadConfig(o.config)
	if err != nil {
		return nil, err
	}
	o.cfg = cfg
	return cfg, nil
}

// loadWaivers reads the waivers of authgate.yaml, then those of --waivers.
func (o *checkOptions) loadWaivers() ([]waivers.Entry, error) {
	cfg, err := o.loadConfig()
	if err != nil {
		return nil, err
	}
	var out []waivers.Entry
	if cfg != nil {
		es, err := cfg.waivers()
		if err != nil {
			return nil, err
		}
		out = append(out, es...)
	}
	if o.waivers != "" {
		es, err := waivers.Load(o.waivers)
		if err != nil {
			return nil, invalid(err)
		}
		out = append(out, es...)
	}
	return out, nil
}

// evalTime is the evaluation time: --now, else the snapshot's fetchedAt.
func (o *checkOptions) evalTime() (time.Time, error) {
	if o.now != "" {
		t, err := time.Parse(time.RFC3339, o.now)
		if err != nil {
			return time.Time{}, usagef("--now %q: not an RFC 3339 time (e.g. 2026-11-27T08:00:00Z)", o.now)
		}
		return t, nil
	}
	m, err := snapshot.PeekManifest(o.snapshot)
	if err != nil {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339, m.FetchedAt)
	if err != nil {
		return time.Time{}, &snapshot.Error{File: o.snapshot, Path: "manifest.fetchedAt", Msg: fmt.Sprintf("%q is not an RFC 3339 time", m.FetchedAt)}
	}
	return t, nil
}

// reportWaivers warns on stderr about waivers that expired or matched nothing.
func reportWaivers(stderr io.Writer, res *evaluator.Result) {
	for _, w := range res.Waivers {
		who := strings.TrimSpace(w.Control + " " + w.Subject)
		switch w.State {
		case evaluator.WaiverExpired:
			fmt.Fprintf(stderr, "authgate: warning: waiver %s (%s) expired on %s and no longer applies (%d %s)\n",
				w.Source, who, w.Expires, w.Matched, plural(w.Matched, "violation", "violations"))
		case evaluator.WaiverOrphaned:
			fmt.Fprintf(stderr, "authgate: warning: waiver %s (%s) matched no violation: remove it\n", w.Source, who)
		}
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// checkPlan is what a check settles before it reads the snapshot: the
// validated outputs, the compiled controls, the waivers and the pseudonymiser.
type checkPlan struct {
	outs    []output
	engine  *evaluator.Engine
	waivers []waivers.Entry
	pseudo  *pseudonym.Pseudonymizer

	exclusions *scope.Set // authgate.yaml's exclusions, or nil
}

// prepare validates every flag and file of a check and compiles the
// controls, so that run can fail fast before a fetch that may take minutes.
func (o *checkOptions) prepare(ctx context.Context) (*checkPlan, error) {
	if o.failOn != evaluator.FailOnNone {
		if _, err := evaluator.ParseSeverity(o.failOn); err != nil {
			return nil, usagef("--fail-on: %v", err)
		}
	}
	outs, err := o.plan()
	if err != nil {
		return nil, err
	}
	if err := o.audit.validate(); err != nil {
		return nil, err
	}
	pseudo, err := o.audit.pseudonymizer()
	if err != nil {
		return nil, err
	}
	opts, err := o.engineOptions()
	if err != nil {
		return nil, err
	}
	wvs, err := o.loadWaivers()
	if err != nil {
		return nil, err
	}
	excl, err := o.cfg.exclusions(nil)
	if err != nil {
		return nil, err
	}
	if excl != nil {
		opts = append(opts, evaluator.WithExclusions(excl))
	}
	engine, err := evaluator.New(ctx, opts...)
	if err != nil {
		return nil, err
	}
	if _, err := checkExclusions(o.cfg, engine); err != nil {
		return nil, err
	}
	return &checkPlan{outs: outs, engine: engine, waivers: wvs, pseudo: pseudo, exclusions: excl}, nil
}

// runCheck evaluates o.snapshot and writes the requested outputs. It returns
// errGateFailed, after writing every output, when the verdict is fail.
func runCheck(ctx context.Context, o *checkOptions, stdout, stderr io.Writer) (*evaluator.Result, error) {
	if o.snapshot == "" {
		return nil, usagef("check: --snapshot FILE is required")
	}
	p, err := o.prepare(ctx)
	if err != nil {
		return nil, err
	}
	return o.execute(ctx, p, stdout, stderr)
}

// execute evaluates o.snapshot under a prepared plan and writes the outputs.
func (o *checkOptions) execute(ctx context.Context, p *checkPlan, stdout, stderr io.Writer) (*evaluator.Result, error) {
	outs, engine, wvs, pseudo := p.outs, p.engine, p.waivers, p.pseudo
	var now time.Time
	var err error
	if len(wvs) > 0 {
		if now, err = o.evalTime(); err != nil {
			return nil, err
		}
		if err := waivers.Validate(wvs, engine.Controls(), now, o.cfg.maxWaiverDays()); err != nil {
			return nil, invalid(err)
		}
	}
	res, err := engine.Evaluate(ctx, o.snapshot, snapshot.ScanOptions{MaxBytes: o.maxBytes})
	if err != nil {
		return nil, err
	}
	if len(wvs) > 0 {
		waivers.Apply(res, wvs, now)
		reportWaivers(stderr, res)
	}
	reportExclusions(stderr, p.exclusions, res)
	if pseudo != nil {
		pseudo.Result(res)
		pseudonymizeExclusions(pseudo, res)
	}
	res.Tool = evaluator.Tool{Name: "authgate", Version: readBuildInfo().Version}
	if err := res.Decide(o.failOn); err != nil {
		return nil, usagef("--fail-on: %v", err)
	}
	exit := exitOK
	if res.Verdict == evaluator.VerdictFail {
		exit = exitViolations
	}
	ropts, err := o.reportOptions(res, outs, exit)
	if err != nil {
		return nil, err
	}
	ropts.HTML = htmlOptions(engine)
	if err := writeOutputs(outs, res, ropts, stdout); err != nil {
		return nil, err
	}
	if o.audit.evidence != "" {
		if _, err := createEvidence(ctx, o, &o.audit, o.audit.evidence, stderr); err != nil {
			return nil, err
		}
	}
	if res.Verdict == evaluator.VerdictFail {
		return res, errGateFailed
	}
	return res, nil
}

// reportOptions fills what the writers need: the snapshot's URI relative to
// the working directory, line numbers for the findings, where the full list is.
func (o *checkOptions) reportOptions(res *evaluator.Result, outs []output, exit int) (reports.Options, error) {
	ro := reports.Options{SnapshotURI: relPath(o.snapshot), MaxPerControl: o.maxPerControl, ExitCode: exit}
	for _, out := range outs {
		if out.format == "json" && out.path != "" {
			ro.FullList = out.path
			break
		}
	}
	needLines := slices.ContainsFunc(outs, func(out output) bool { return out.format == "sarif" || out.format == "github" })
	if needLines {
		offsets := []int64{res.Snapshot.ManifestOffset}
		for _, c := range res.Controls {
			for _, v := range c.Violations {
				offsets = append(offsets, v.Offset)
			}
		}
		lineOf, err := snapshot.Lines(o.snapshot, offsets)
		if err != nil {
			return ro, err
		}
		ro.LineOf = lineOf
	}
	return ro, nil
}

// relPath returns path relative to the working directory with forward
// slashes, or path itself when that is not possible.
func relPath(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.ToSlash(path)
	}
	wd, err := os.Getwd()
	if err != nil {
		return filepath.ToSlash(path)
	}
	rel, err := filepath.Rel(wd, abs)
	if err != nil {
		return filepath.ToSlash(path)
	}
	return filepath.ToSlash(rel)
}

// writeOutputs renders every output; files are written atomically, so a
// failure leaves no partial file.
func writeOutputs(outs []output, res *evaluator.Result, ro reports.Options, stdout io.Writer) error {
	for _, out := range outs {
		w, err := reports.New(out.format, ro)
		if err != nil {
			return usagef("%v", err)
		}
		if out.path == "" {
			bw := bufio.NewWriterSize(stdout, 64<<10)
			if err := w.Write(bw, res); err != nil {
				return fmt.Errorf("write %s output: %w", out.format, err)
			}
			if err := bw.Flush(); err != nil {
				return fmt.Errorf("write %s output: %w", out.format, err)
			}
			continue
		}
		err = atomicfile.Write(out.path, 0o644, func(f io.Writer) error {
			bw := bufio.NewWriterSize(f, 256<<10)
			if err := w.Write(bw, res); err != nil {
				return fmt.Errorf("write %s output %s: %w", out.format, out.path, err)
			}
			return bw.Flush()
		})
		if err != nil {
			return err
		}
	}
	return nil
}
