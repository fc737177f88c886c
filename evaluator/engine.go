package evaluator

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/authgate/authgate/result"
	"github.com/authgate/authgate/scope"
	"github.com/authgate/authgate/snapshot"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

// Mode selects how Evaluate hands the snapshot to OPA.
type Mode string

// Evaluation modes.
const (
	// ModeStream evaluates user-scoped controls over chunks of users in
	// parallel and tenant-scoped controls once over the aggregates.
	ModeStream Mode = "stream"
	// ModeDocument evaluates every control over the whole document at once.
	ModeDocument Mode = "document"
)

// ParseMode parses a --eval-mode value.
func ParseMode(s string) (Mode, error) {
	switch Mode(s) {
	case ModeStream, ModeDocument:
		return Mode(s), nil
	}
	return "", fmt.Errorf("unknown evaluation mode %q (valid: stream, document)", s)
}

type config struct {
	builtinFS   fs.FS
	policyPaths []string
	noBuiltin   bool
	params      map[string]any
	now         time.Time
	mode        Mode
	workers     int
	chunkSize   int
	allow       []string
	baseline    string // WithBaseline
	timeout     time.Duration
	maxMemory   uint64            // heap bound; 0: heapLimit's default
	rewrite     snapshot.Rewriter // WithRewrite

	exclusions *scope.Set      // WithExclusions
	progress   func(users int) // WithProgress
}

// Option configures New.
type Option func(*config)

// WithBuiltin sets the file system of the built-in pack: .rego files under
// builtin/ and lib/, and the taxonomy at data/taxonomy.json.
func WithBuiltin(fsys fs.FS) Option { return func(c *config) { c.builtinFS = fsys } }

// WithoutBuiltinControls leaves the built-in controls out; their library and
// taxonomy stay available to user policies.
func WithoutBuiltinControls() Option { return func(c *config) { c.noBuiltin = true } }

// WithPolicies adds user policies: .rego files or folders of them.
func WithPolicies(paths ...string) Option {
	return func(c *config) { c.policyPaths = append(c.policyPaths, paths...) }
}

// WithParams overrides parameter defaults. Unknown names are errors.
func WithParams(p map[string]any) Option {
	return func(c *config) {
		if c.params == nil {
			c.params = map[string]any{}
		}
		maps.Copy(c.params, p)
	}
}

// WithNow fixes the evaluation time that time.now_ns returns; by default it
// is the snapshot's manifest.fetchedAt.
func WithNow(t time.Time) Option { return func(c *config) { c.now = t } }

// WithMode selects the evaluation mode (ModeStream by default).
func WithMode(m Mode) Option { return func(c *config) { c.mode = m } }

// WithWorkers sets how many chunks are evaluated at once (GOMAXPROCS by default).
func WithWorkers(n int) Option { return func(c *config) { c.workers = n } }

// WithProgress calls f with the number of users in each chunk once it is
// evaluated, from the evaluating goroutines, so a caller can show how far a
// long evaluation has got. f must be cheap and safe for concurrent use.
func WithProgress(f func(users int)) Option { return func(c *config) { c.progress = f } }

// WithChunkSize sets the users per chunk in ModeStream.
func WithChunkSize(n int) Option { return func(c *config) { c.chunkSize = n } }

// WithAllowedBuiltins lifts the sandbox for the named builtins (e.g.
// "http.send"), at the user's explicit request.
func WithAllowedBuiltins(names ...string) Option {
	return func(c *config) { c.allow = append(c.allow, names...) }
}

// Engine holds the compiled controls; it is safe for concurrent use.
type Engine struct {
	cfg      config
	compiler *ast.Compiler
	store    storage.Store
	controls []*controlDef
	params   map[string]any
	defaults map[string]any
	taxonomy *taxonomy
	baseline *Baseline

	userQuery   *rego.PreparedEvalQuery // user-scoped controls' violations
	tenantQuery *rego.PreparedEvalQuery // tenant-scoped violations and every skip
	docQuery    *rego.PreparedEvalQuery // every control over the whole document
	userIdx     []int                   // bindings of userQuery -> control index
	fields      *fieldsOnce             // the user properties the controls read, found at the first large check
}

// New loads, checks and compiles the controls once.
func New(ctx context.Context, opts ...Option) (*Engine, error) {
	cfg := config{mode: ModeStream, workers: runtime.GOMAXPROCS(0)}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.workers < 1 {
		cfg.workers = 1
	}
	mods, err := loadModules(cfg, false)
	if err != nil {
		return nil, err
	}
	p, err := compilePack(cfg, mods)
	if err != nil {
		return nil, err
	}
	if len(p.controls) == 0 {
		return nil, &PolicyError{Msg: "no controls to evaluate (--no-builtin without --policy?)"}
	}
	compiler, controls, defaults, params, tax := p.compiler, p.controls, p.defaults, p.params, p.tax
	data := map[string]any{"params": params, "taxonomy": tax.raw}
	base, err := loadBaseline(ctx, cfg.baseline, tax, cfg.rewrite)
	if err != nil {
		return nil, err
	}
	if base != nil {
		data["baseline"] = base.dataJSON()
	}
	store := inmem.NewFromObject(map[string]any{"authgate": data})
	e := &Engine{cfg: cfg, compiler: compiler, store: store, controls: controls, params: params, defaults: defaults, taxonomy: tax, baseline: base, fields: &fieldsOnce{}}
	if err := e.prepare(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

// pack is a compiled, checked set of controls with the parameters and
// taxonomy they are evaluated with: what New and RunTests share.
type pack struct {
	compiler *ast.Compiler
	controls []*controlDef
	defaults map[string]any // the controls' declared parameter defaults
	params   map[string]any // the values in force
	tax      *taxonomy
}

// compilePack compiles mods (no tests) under the sandbox, reads the
// controls' METADATA and settles their parameters.
func compilePack(cfg config, mods []module) (*pack, error) {
	tax, err := loadTaxonomy(cfg.builtinFS)
	if err != nil {
		return nil, err
	}
	compiler, err := compile(mods, cfg.allow)
	if err != nil {
		return nil, err
	}
	controls, err := controlsFrom(compiler, mods)
	if err != nil {
		return nil, err
	}
	defaults, err := paramDefaults(controls)
	if err != nil {
		return nil, err
	}
	ranges, err := paramRanges(controls)
	if err != nil {
		return nil, err
	}
	params, err := mergeParams(defaults, ranges, cfg.params)
	if err != nil {
		return nil, err
	}
	return &pack{compiler: compiler, controls: controls, defaults: defaults, params: params, tax: tax}, nil
}

// builtinModules parses the built-in library and, unless --no-builtin, the
// built-in controls; tests only when withTests.
func builtinModules(cfg config, withTests bool) ([]module, error) {
	if cfg.builtinFS == nil {
		return nil, nil
	}
	roots := []string{"lib"}
	if !cfg.noBuiltin {
		roots = append(roots, "builtin")
	}
	return loadFS(cfg.builtinFS, roots, "policies", withTests)
}

func loadModules(cfg config, withTests bool) ([]module, error) {
	mods, err := builtinModules(cfg, withTests)
	if err != nil {
		return nil, err
	}
	user, err := loadPaths(cfg.policyPaths, withTests)
	if err != nil {
		return nil, err
	}
	return append(mods, user...), nil
}

func compile(mods []module, allow []string) (*ast.Compiler, error) {
	set := make(map[string]*ast.Module, len(mods))
	for _, m := range mods {
		if _, dup := set[m.name]; dup {
			return nil, &PolicyError{File: m.name, Msg: "loaded twice"}
		}
		set[m.name] = m.parsed
	}
	caps := sandboxCapabilities(allow)
	caps.Builtins = append(caps.Builtins, runningDecl) // for the queries only: checkReserved refuses it in policies
	c := ast.NewCompiler().
		WithCapabilities(caps).
		WithStrict(true).
		WithEnablePrintStatements(false)
	if c.Compile(set); c.Failed() {
		return nil, nameControl(sandboxHint(astError(c.Errors)), mods)
	}
	return c, nil
}

func paramDefaults(controls []*controlDef) (map[string]any, error) {
	out := map[string]any{}
	owner := map[string]string{}
	for _, c := range controls {
		for _, name := range slices.Sorted(maps.Keys(c.params)) {
			v := c.params[name]
			if prev, ok := out[name]; ok && !jsonEqual(prev, v) {
				return nil, &PolicyError{File: c.Source, Line: c.Line, Control: c.ID, Msg: fmt.Sprintf("parameter %s defaults to %s here but to %s in %s", name, jsonString(v), jsonString(prev), owner[name])}
			}
			out[name] = v
			owner[name] = c.ID
		}
	}
	return out, nil
}

// mergeParams applies overrides to the defaults, refusing unknown names,
// values whose JSON type differs from the default's and values outside a
// declared range.
func mergeParams(defaults map[string]any, ranges map[string]paramRange, overrides map[string]any) (map[string]any, error) {
	out := maps.Clone(defaults)
	for _, name := range slices.Sorted(maps.Keys(overrides)) {
		def, ok := defaults[name]
		if !ok {
			known := slices.Sorted(maps.Keys(defaults))
			return nil, &ParamError{Name: name, Msg: fmt.Sprintf("unknown (known: %s)", strings.Join(known, ", "))}
		}
		if _, err := json.Marshal(overrides[name]); err != nil {
			// Infinities, NaN and maps with non-string keys (YAML allows
			// them) have no JSON form: OPA would panic on them.
			return nil, &ParamError{Name: name, Msg: "not a JSON value (numbers must be finite, object keys strings)"}
		}
		v := normalize(overrides[name])
		if jt, dt := jsonType(v), jsonType(def); jt != dt {
			return nil, &ParamError{Name: name, Msg: fmt.Sprintf("want %s, got %s", dt, jt)}
		}
		if r, ok := ranges[name]; ok {
			if why := r.check(v); why != "" {
				return nil, &ParamError{Name: name, Msg: why}
			}
		}
		out[name] = v
	}
	return out, nil
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number, float64, int:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func jsonEqual(a, b any) bool { return jsonString(a) == jsonString(b) }

// Controls returns the loaded controls' metadata, sorted by id, with the
// parameters in force.
func (e *Engine) Controls() []result.Control {
	out := make([]result.Control, 0, len(e.controls))
	for _, c := range e.controls {
		ctl := c.Control
		for _, name := range slices.Sorted(maps.Keys(c.params)) {
			p := result.Param{Name: name, Default: e.defaults[name], Value: e.params[name]}
			if r, ok := c.ranges[name]; ok {
				p.Minimum, p.Maximum = r.Min, r.Max
			}
			ctl.Params = append(ctl.Params, p)
		}
		ctl.Violations = []result.Violation{}
		out = append(out, ctl)
	}
	return out
}

// Params returns the parameters in force, by name.
func (e *Engine) Params() map[string]any { return maps.Clone(e.params) }

// TaxonomyVersion returns the version of the method taxonomy in use.
func (e *Engine) TaxonomyVersion() string { return e.taxonomy.version }

func (e *Engine) prepare(ctx context.Context) error {
	var user, tenant, doc []string
	for i, c := range e.controls {
		// Each binding is preceded by a call recording which control runs.
		mark := fmt.Sprintf("%s(%d); ", runningBuiltin, i)
		ref := c.path.Append(ast.StringTerm(c.ruleName)).String()
		doc = append(doc, fmt.Sprintf("%sv%d = %s", mark, i, ref))
		if c.hasSkip {
			sref := c.path.Append(ast.StringTerm("skip")).String()
			tenant = append(tenant, fmt.Sprintf("%ss%d = %s", mark, i, sref))
			doc = append(doc, fmt.Sprintf("%ss%d = %s", mark, i, sref))
		}
		switch c.Scope {
		case result.ScopeUser:
			user = append(user, fmt.Sprintf("%sv%d = %s", mark, i, ref))
			e.userIdx = append(e.userIdx, i)
		case result.ScopeTenant:
			tenant = append(tenant, fmt.Sprintf("%sv%d = %s", mark, i, ref))
		}
	}
	var err error
	if e.userQuery, err = e.prepareQuery(ctx, user); err != nil {
		return err
	}
	if e.tenantQuery, err = e.prepareQuery(ctx, tenant); err != nil {
		return err
	}
	// The whole-document query is needed only in document mode or for
	// document-scoped controls: preparing it costs check's start-up.
	if e.cfg.mode == ModeDocument || slices.ContainsFunc(e.controls, func(c *controlDef) bool { return c.Scope == result.ScopeDocument }) {
		e.docQuery, err = e.prepareQuery(ctx, doc)
	}
	return err
}

func (e *Engine) prepareQuery(ctx context.Context, exprs []string) (*rego.PreparedEvalQuery, error) {
	if len(exprs) == 0 {
		return nil, nil
	}
	sort.Strings(exprs)
	pq, err := rego.New(
		rego.Query(strings.Join(exprs, "; ")),
		rego.Compiler(e.compiler),
		rego.Store(e.store),
		rego.StrictBuiltinErrors(true),
		runningFunc,
	).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("prepare query: %w", err)
	}
	return &pq, nil
}
