package gate

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"strings"
	"time"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/evidence"
	"github.com/authgate/authgate/policies"
	"github.com/authgate/authgate/pseudonym"
	"github.com/authgate/authgate/result"
	"github.com/authgate/authgate/scope"
	"github.com/authgate/authgate/snapshot"
	"github.com/authgate/authgate/waivers"
)

// FailOnValues are the values of --fail-on, the strictest first.
var FailOnValues = []string{"critical", "high", "medium", "low", "info", result.FailOnNone}

// DefaultTimeout bounds one evaluation unless Options.Timeout says otherwise.
const DefaultTimeout = 10 * time.Minute

// Options are everything a check is asked to do, as given on the command
// line: Prepare validates them all.
type Options struct {
	// Snapshot is the file to evaluate; "" when it is not known yet (run
	// fetches it after Prepare: see Plan.WithSnapshot).
	Snapshot         string
	MaxSnapshotBytes int64

	Policies      []string
	NoBuiltin     bool
	AllowBuiltins []string
	// Pack is the built-in pack; nil for the embedded one.
	Pack fs.FS
	// Config is authgate.yaml (params, waivers, max_waiver_days, exclusions).
	Config string
	// Exclusions are added to Config's; ExclusionsSource names where they
	// were declared, for messages (a bundle's settings).
	Exclusions       []scope.Exclusion
	ExclusionsSource string
	// Sets are --set name=value overrides, applied after Config's params.
	Sets []string
	// Params are applied after Config's params and before Sets.
	Params map[string]any
	// Waivers is a waivers file, added to Config's.
	Waivers string
	// MaxWaiverDays overrides Config's max_waiver_days when positive.
	MaxWaiverDays int

	FailOn   string // a severity name or "none"; "" is "high"
	EvalMode string // stream or document; "" is stream
	Now      string // RFC 3339; "" is the snapshot's fetchedAt
	Baseline string

	Pseudonymize     bool
	PseudonymKeyFile string

	// Timeout bounds Run; 0 is DefaultTimeout.
	Timeout time.Duration
	// MaxMemory bounds the Go heap during evaluation, in bytes; 0 is the
	// evaluator's default (evaluator.DefaultMaxMemory, more for a large
	// snapshot). Past it evaluation stops with an *evaluator.MemoryError.
	MaxMemory int64
	// OnUsers, when set, is told of each chunk of users once evaluated
	// (evaluator.WithProgress): the command shows progress with it.
	OnUsers func(users int)
	// Tool names the program in the results.
	Tool result.Tool

	// Outputs are the renderings Plan.Write produces: the first is
	// --format with -o (Path "" for stdout), the others --output.
	Format        string
	OutputFile    string
	ExtraOutputs  []string // FORMAT=PATH
	MaxPerControl int

	// Evidence is a bundle to write after the check; SignKey signs it.
	// EvidenceFlag is the flag that named it, for errors ("" is --evidence).
	Evidence     string
	EvidenceFlag string
	SignKey      string

	// SnapshotOut is the snapshot run fetches before the check: an output
	// of the command, checked with the others by Prepare, written by the
	// fetch.
	SnapshotOut string
	// Inputs are other files the command reads (run's
	// --client-certificate), which no output may overwrite.
	Inputs []PathArg
}

// Plan is a validated check: the compiled controls, the parameters,
// waivers, pseudonymiser and outputs, settled before any snapshot is read.
type Plan struct {
	opts          Options
	engine        *evaluator.Engine
	params        map[string]any
	waivers       []waivers.Entry
	maxWaiverDays int
	pseudo        *pseudonym.Pseudonymizer
	now           time.Time // --now; zero: the snapshot's fetchedAt
	outs          []Output
	signKey       ed25519.PrivateKey
	bundle        string // the bundle folder, when evaluating a bundle
	exclusions    *scope.Set
	// view is exclusions resolved against the real identities of the
	// snapshot viewOf, for a pseudonymised evaluation (viewExclusions).
	view   *scope.Set
	viewOf string
}

// Outcome is what Run decided.
type Outcome struct {
	Result *result.Result
	// EvaluatedAt is the evaluation time: --now, else the snapshot's
	// fetchedAt; zero when neither waivers nor a bundle needed it.
	EvaluatedAt time.Time
}

// Prepare validates every option and file and compiles the controls, so
// that a bad flag fails before a fetch or an evaluation that may take
// minutes. Errors are InputErrors unless a file could not be read.
func Prepare(ctx context.Context, o Options) (*Plan, error) {
	if o.FailOn == "" {
		o.FailOn = "high"
	}
	if o.FailOn != result.FailOnNone {
		if _, err := result.ParseSeverity(o.FailOn); err != nil {
			return nil, Inputf("--fail-on: unknown severity %q (valid: %s)", o.FailOn, strings.Join(FailOnValues, ", "))
		}
	}
	if o.Timeout < 0 {
		return nil, Inputf("--timeout %s: want a positive duration", o.Timeout)
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	p := &Plan{opts: o}
	if o.Now != "" {
		t, err := time.Parse(time.RFC3339, o.Now)
		if err != nil {
			return nil, Inputf("--now %q: not an RFC 3339 time (e.g. 2026-11-27T08:00:00Z)", o.Now)
		}
		p.now = t
	}
	outs, err := planOutputs(o)
	if err != nil {
		return nil, err
	}
	p.outs = outs
	if o.SignKey != "" {
		if o.Evidence == "" {
			return nil, Inputf("--sign-key signs an evidence bundle: add --evidence FILE")
		}
		k, err := evidence.LoadPrivateKey(o.SignKey)
		if err != nil {
			return nil, AsInput(err)
		}
		p.signKey = k
	}
	if o.Pseudonymize {
		if p.pseudo, err = pseudonym.LoadKey(o.PseudonymKeyFile); err != nil {
			return nil, AsInput(err)
		}
	} else if o.PseudonymKeyFile != "" {
		return nil, Inputf("--pseudonym-key-file is used only with --pseudonymize")
	}
	cfg, err := loadConfig(o.Config)
	if err != nil {
		return nil, err
	}
	if err := checkPaths(o, outs, cfg); err != nil {
		return nil, err
	}
	if p.params, err = params(cfg, o); err != nil {
		return nil, err
	}
	p.maxWaiverDays = cfg.maxWaiverDays()
	if o.MaxWaiverDays > 0 {
		p.maxWaiverDays = o.MaxWaiverDays
	}
	if cfg != nil {
		if p.waivers, err = cfg.waivers(); err != nil {
			return nil, err
		}
	}
	if o.Waivers != "" {
		es, err := waivers.Load(o.Waivers)
		if err != nil {
			return nil, AsInput(err)
		}
		p.waivers = append(p.waivers, es...)
	}
	if p.pseudo != nil {
		p.pseudonymizeInputs()
	}
	eopts, err := engineOptions(o, p.params, p.now)
	if err != nil {
		return nil, err
	}
	if p.pseudo != nil {
		eopts = append(eopts, evaluator.WithRewrite(p.pseudo))
	}
	excl, source := exclusionEntries(cfg, o)
	if p.exclusions, err = exclusionSet(source, excl, nil); err != nil {
		return nil, err
	}
	// A pseudonymised plan evaluates with the exclusions resolved to
	// tokens (viewExclusions), set by Run once the snapshot is known.
	if p.engine, err = evaluator.New(ctx, withExclusions(eopts, p.exclusions)...); err != nil {
		return nil, err
	}
	if err := knownControls(p, source, excl); err != nil {
		return nil, err
	}
	return p, nil
}

// pseudonymizeInputs turns the identifiers in the parameters (such as
// break_glass_accounts) and the waivers' subjects into tokens, as the
// snapshot's rows become tokens while they are read: the controls compare
// tokens with tokens, and nothing they report, waive or echo holds a real
// identifier. Errors about waivers name them by token too, for the same
// CI log.
func (p *Plan) pseudonymizeInputs() {
	keep := map[string]bool{}
	for k, v := range p.params {
		p.params[k] = p.pseudo.Value(v, keep)
	}
	for i := range p.waivers {
		if s := p.waivers[i].Subject; strings.Contains(s, "@") {
			p.waivers[i].Subject = p.pseudo.UPN(s)
		} else {
			p.waivers[i].Subject = p.pseudo.ID(s)
		}
	}
}

// params are the parameters in force: authgate.yaml's, then o.Params, then --set.
func params(cfg *config, o Options) (map[string]any, error) {
	out := map[string]any{}
	if cfg != nil {
		maps.Copy(out, cfg.Params)
	}
	maps.Copy(out, o.Params)
	for _, s := range o.Sets {
		name, value, err := ParseSet(s)
		if err != nil {
			return nil, err
		}
		out[name] = value
	}
	return out, nil
}

// engineOptions turns the policy, parameter and sandbox options into
// evaluator options.
func engineOptions(o Options, params map[string]any, now time.Time) ([]evaluator.Option, error) {
	for _, name := range o.AllowBuiltins {
		if !evaluator.IsSandboxed(name) {
			return nil, Inputf("--allow-builtin %q: not one of the builtins the sandbox refuses (%s)", name, strings.Join(evaluator.DeniedBuiltins, ", "))
		}
	}
	mode := evaluator.ModeStream
	if o.EvalMode != "" {
		var err error
		if mode, err = evaluator.ParseMode(o.EvalMode); err != nil {
			return nil, Inputf("--eval-mode: %v", err)
		}
	}
	pack := o.Pack
	if pack == nil {
		pack = policies.FS
	}
	eopts := []evaluator.Option{evaluator.WithBuiltin(pack), evaluator.WithPolicies(o.Policies...),
		evaluator.WithAllowedBuiltins(o.AllowBuiltins...), evaluator.WithParams(params), evaluator.WithMode(mode)}
	if o.NoBuiltin {
		eopts = append(eopts, evaluator.WithoutBuiltinControls())
	}
	if o.MaxMemory < 0 {
		return nil, Inputf("--max-memory %d: want a positive size", o.MaxMemory)
	}
	if o.MaxMemory > 0 {
		eopts = append(eopts, evaluator.WithMaxMemory(uint64(o.MaxMemory)))
	}
	if o.OnUsers != nil {
		eopts = append(eopts, evaluator.WithProgress(o.OnUsers))
	}
	if o.Baseline != "" {
		eopts = append(eopts, evaluator.WithBaseline(o.Baseline))
	}
	if !now.IsZero() {
		eopts = append(eopts, evaluator.WithNow(now))
	}
	return eopts, nil
}

// Test runs the Rego tests of o's policies with o's parameters, each under
// the evaluator's per-test limit and all of them within o.Timeout.
func Test(ctx context.Context, o Options) ([]evaluator.TestResult, error) {
	if o.Timeout < 0 {
		return nil, Inputf("--timeout %s: want a positive duration", o.Timeout)
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	cfg, err := loadConfig(o.Config)
	if err != nil {
		return nil, err
	}
	ps, err := params(cfg, o)
	if err != nil {
		return nil, err
	}
	eopts, err := engineOptions(o, ps, time.Time{})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	res, err := evaluator.RunTests(ctx, eopts...)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		// Tests cut short are no verdict, whatever the others said.
		if err == nil {
			err = ctx.Err()
		}
		return nil, &TimeoutError{Limit: o.Timeout, Err: err}
	}
	return res, err
}

// fetchedAhead reads the snapshot's fetchedAt, the evaluation time when
// --now is not given, and returns the pass over the file that found it,
// which Evaluate then need not make again.
func (p *Plan) fetchedAhead(ctx context.Context) (time.Time, *snapshot.Sections, error) {
	sec, err := snapshot.PeekSections(ctx, p.opts.Snapshot)
	if ctxErr := ctx.Err(); ctxErr != nil {
		return time.Time{}, nil, ctxErr
	}
	if err != nil {
		// As in Evaluate: no sections, the scan names the fault, and the
		// manifest is read on its own.
		sec = &snapshot.Sections{}
	}
	m, err := sec.ReadManifest(p.opts.Snapshot)
	if err != nil {
		return time.Time{}, nil, err
	}
	t, err := m.FetchedTime(p.opts.Snapshot)
	return t, sec, err
}

// WithSnapshot returns a copy of the plan that evaluates path: run knows
// its snapshot only after the fetch, diff evaluates two.
func (p *Plan) WithSnapshot(path string) *Plan {
	q := *p
	q.opts.Snapshot = path
	return &q
}

// Controls returns the metadata of the plan's controls.
func (p *Plan) Controls() []result.Control { return p.engine.Controls() }

// Snapshot returns the snapshot the plan evaluates.
func (p *Plan) Snapshot() string { return p.opts.Snapshot }

// TimeoutError is an evaluation that did not finish within Options.Timeout:
// no verdict, so the gate is inconclusive.
type TimeoutError struct {
	Limit time.Duration
	Err   error
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("no verdict within --timeout %s: %v", e.Limit, e.Err)
}

// Unwrap gives context.DeadlineExceeded and the evaluator's error.
func (e *TimeoutError) Unwrap() []error { return []error{context.DeadlineExceeded, e.Err} }

// Run evaluates the plan's snapshot (its pseudonymised view, when the plan
// pseudonymises), applies waivers and decides the verdict. It writes nothing.
func Run(ctx context.Context, p *Plan) (*Outcome, error) {
	if p.opts.Snapshot == "" {
		return nil, Inputf("--snapshot FILE is required")
	}
	ctx, cancel := context.WithTimeout(ctx, p.opts.Timeout)
	defer cancel()
	now := p.now
	var ahead *snapshot.Sections
	if now.IsZero() && (len(p.waivers) > 0 || p.bundle != "") {
		t, sec, err := p.fetchedAhead(ctx)
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, &TimeoutError{Limit: p.opts.Timeout, Err: ctx.Err()}
		}
		if err != nil {
			return nil, err
		}
		now, ahead = t, sec
	}
	if len(p.waivers) > 0 {
		if err := waivers.Validate(p.waivers, p.engine.Controls(), now, p.maxWaiverDays); err != nil {
			return nil, AsInput(err)
		}
	}
	engine := p.engine
	if p.pseudo != nil && p.exclusions != nil {
		view, err := p.viewExclusions(ctx)
		if err != nil {
			return nil, err
		}
		engine = engine.WithExclusions(view)
	}
	res, err := engine.Evaluate(ctx, p.opts.Snapshot, snapshot.ScanOptions{MaxBytes: p.opts.MaxSnapshotBytes, Ahead: ahead})
	// A result that arrives after the deadline is still late: OPA checks for
	// cancellation only between steps, so a short evaluation can finish
	// without noticing, and a gate must not pass on a run it was told to stop.
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		if err == nil {
			err = ctx.Err()
		}
		return nil, &TimeoutError{Limit: p.opts.Timeout, Err: err}
	}
	if err != nil {
		return nil, err
	}
	if shown := p.shownExclusions(); p.pseudo != nil && shown != nil {
		// The outputs name each entry as declared, by token, not by the
		// list of tokens a pattern was resolved to.
		for i := range res.Exclusions {
			if x := res.Exclusions[i].Index; x >= 0 && x < len(shown.Entries) {
				res.Exclusions[i].Exclusion = shown.Entries[x]
			}
		}
	}
	if len(p.waivers) > 0 {
		waivers.Apply(res, p.waivers, now)
	}
	res.Tool = p.opts.Tool
	if err := res.Decide(p.opts.FailOn); err != nil {
		return nil, Inputf("--fail-on: %v", err)
	}
	if p.bundle != "" {
		p.bundleResult(res)
	}
	return &Outcome{Result: res, EvaluatedAt: now}, nil
}

// MethodsPolicy reads the authentication methods policy section of the
// snapshot at path as the plan's controls see it: pseudonymised when the
// plan pseudonymises (diff compares it beside the results). Nil without one.
func (p *Plan) MethodsPolicy(path string) (*snapshot.MethodsPolicy, error) {
	sec, err := snapshot.PeekSections(context.Background(), path)
	if err != nil {
		return nil, err
	}
	if sec.MethodsPolicy == nil || p.pseudo == nil {
		return sec.MethodsPolicy, nil
	}
	in := &snapshot.Info{Path: path, MethodsPolicy: sec.MethodsPolicy}
	if m, err := sec.ReadManifest(path); err == nil {
		in.Manifest = *m
	}
	if err := p.pseudo.Info(in); err != nil {
		return nil, err
	}
	return in.MethodsPolicy, nil
}
