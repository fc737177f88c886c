package evaluator

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// TestOutcome is the outcome of one Rego test.
type TestOutcome string

// Test outcomes.
const (
	TestPass  TestOutcome = "pass"
	TestFail  TestOutcome = "fail"
	TestError TestOutcome = "error"
	TestSkip  TestOutcome = "skip"
)

// TestResult is the outcome of one Rego test rule (test_*).
type TestResult struct {
	// Package is the test's package without the data. prefix, e.g. "authgate.acme.contractors_test".
	Package string `json:"package"`
	// Name is the test rule's name, e.g. "test_contractor_with_sms_fails".
	Name string `json:"name"`
	// File and Line locate the test rule.
	File string `json:"file"`
	Line int    `json:"line"`
	// Outcome is pass, fail, error or skip (todo_ tests).
	Outcome TestOutcome `json:"outcome"`
	// Error is the message of a test that raised an error (a builtin error
	// under strict mode, conflicting outputs, a timeout).
	Error string `json:"error,omitempty"`
	// Output is what the test printed with print().
	Output string `json:"output,omitempty"`
	// Duration is how long the test took.
	Duration time.Duration `json:"durationNs"`
}

// Passed reports whether the test passed.
func (t *TestResult) Passed() bool { return t.Outcome == TestPass }

// testTimeout bounds one Rego test.
const testTimeout = 30 * time.Second

// RunTests runs the Rego tests (test_* rules of *_test.rego files) of the
// user policies given with WithPolicies, or of the built-in pack when none
// are given, through OPA's tester. The tests see what controls see at
// evaluation: the built-in library, fixtures and taxonomy, the built-in
// controls (unless WithoutBuiltinControls), data.authgate.params with the
// METADATA defaults and WithParams overrides, under the same sandbox
// (WithAllowedBuiltins), strict mode and Rego v1. A policy that does not
// compile, or whose METADATA is invalid, is a *PolicyError. Results are
// sorted by file and line.
func RunTests(ctx context.Context, opts ...Option) ([]TestResult, error) {
	cfg := config{}
	for _, o := range opts {
		o(&cfg)
	}
	ctx, stop := withLimit(ctx, cfg.timeout)
	defer stop()
	limit := heapLimit(cfg.maxMemory, 0)
	ctx, unwatch := watchHeap(ctx, limit)
	defer unwatch()
	builtinTests := len(cfg.policyPaths) == 0
	if builtinTests && cfg.builtinFS == nil {
		return nil, &PolicyError{Msg: "no policies to test: give a policy path"}
	}
	if builtinTests && cfg.noBuiltin {
		return nil, &PolicyError{Msg: "no policies to test: --no-builtin without a policy path"}
	}

	// Every module, tests included; targets are the files whose tests run.
	var mods []module
	targets := map[string]bool{}
	b, err := builtinModules(cfg, true)
	if err != nil {
		return nil, err
	}
	for _, m := range b {
		// The library's fixtures (lib/*_test.rego) serve every test; the
		// controls' own tests run only when they are the target.
		if m.test && strings.HasPrefix(m.name, "policies/builtin/") && !builtinTests {
			continue
		}
		if builtinTests {
			targets[m.name] = true
		}
		mods = append(mods, m)
	}
	user, err := loadPaths(cfg.policyPaths, true)
	if err != nil {
		return nil, err
	}
	for _, m := range user {
		targets[m.name] = true
	}
	mods = append(mods, user...)

	// The controls, their parameters and METADATA, checked as check does.
	var plain []module
	for _, m := range mods {
		if !m.test {
			plain = append(plain, m)
		}
	}
	p, err := compilePack(cfg, plain)
	if err != nil {
		return nil, err
	}
	store := inmem.NewFromObject(map[string]any{"authgate": map[string]any{"params": p.params, "taxonomy": p.tax.raw}})

	set := make(map[string]*ast.Module, len(mods))
	for _, m := range mods {
		if _, dup := set[m.name]; dup {
			return nil, &PolicyError{File: m.name, Msg: "loaded twice"}
		}
		set[m.name] = m.parsed
	}
	tc := ast.NewCompiler().
		WithCapabilities(sandboxCapabilities(cfg.allow)).
		WithStrict(true).
		WithEnablePrintStatements(true).
		WithDefaultRegoVersion(ast.RegoV1)
	txn, err := store.NewTransaction(ctx)
	if err != nil {
		return nil, fmt.Errorf("run tests: %w", err)
	}
	defer store.Abort(ctx, txn)
	ch, err := tester.NewRunner().
		SetCompiler(tc).
		SetStore(store).
		SetModules(set).
		SetDefaultRegoVersion(ast.RegoV1).
		RaiseBuiltinErrors(true).
		CapturePrintOutput(true).
		SetParallel(2).
		SetTimeout(testTimeout).
		RunTests(ctx, txn)
	if err != nil {
		return nil, nameControl(sandboxHint(astError(err)), mods)
	}
	var out []TestResult
	var stopped *TimeoutError // the first test the time limit stopped
	for r := range ch {
		tr := TestResult{
			Package:  strings.TrimPrefix(r.Package, "data."),
			Name:     r.Name,
			Duration: r.Duration,
			Output:   string(r.Output),
		}
		if r.Location != nil {
			tr.File, tr.Line = r.Location.File, r.Location.Row
		}
		if r.Error != nil && stopped == nil && isDeadline(ctx, r.Error) {
			stopped = &TimeoutError{Control: tr.Package + "." + tr.Name, File: tr.File, Line: tr.Line, Limit: cfg.timeout}
		}
		if !targets[tr.File] {
			continue
		}
		switch {
		case r.Error != nil:
			tr.Outcome, tr.Error = TestError, testError(r.Error)
		case r.Skip:
			tr.Outcome = TestSkip
		case r.Fail:
			tr.Outcome = TestFail
		default:
			tr.Outcome = TestPass
		}
		out = append(out, tr)
	}
	if err := ctx.Err(); err != nil {
		if heapPassed(ctx) {
			return nil, &MemoryError{Limit: limit}
		}
		if errors.Is(err, context.DeadlineExceeded) {
			if stopped == nil {
				stopped = &TimeoutError{Limit: cfg.timeout}
			}
			return nil, stopped
		}
		return nil, err
	}
	slices.SortFunc(out, func(a, b TestResult) int {
		return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), strings.Compare(a.Name, b.Name))
	})
	if len(out) == 0 {
		files := slices.Sorted(maps.Keys(targets))
		return nil, &PolicyError{File: strings.Join(files, ", "), Msg: "no tests found (write test_* rules in *_test.rego files)"}
	}
	return out, nil
}

// testError renders a test's error on one line with its location.
func testError(err error) string {
	var te *topdown.Error
	if errors.As(err, &te) {
		msg := te.Code + ": " + te.Message
		if te.Location != nil {
			msg = fmt.Sprintf("%s:%d:%d: %s", te.Location.File, te.Location.Row, te.Location.Col, msg)
		}
		return msg
	}
	if errors.Is(err, context.DeadlineExceeded) || topdown.IsCancel(err) {
		return fmt.Sprintf("timed out after %s", testTimeout)
	}
	return strings.Join(strings.Fields(err.Error()), " ")
}
