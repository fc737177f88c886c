package evaluator

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/topdown"
	"github.com/open-policy-agent/opa/v1/types"
)

// TimeoutError is an evaluation stopped at its time limit: no verdict was
// reached. It wraps context.DeadlineExceeded, so errors.Is finds it.
type TimeoutError struct {
	// Control is the id of the control still running, or for policy test
	// the test ("authgate.acme_test.test_x"); "" when evaluation was between
	// controls (reading the snapshot).
	Control string
	// File and Line locate it, when known.
	File string
	Line int
	// Limit is the time limit given with WithTimeout; 0 when the deadline
	// came from the caller's context.
	Limit time.Duration

	phase string // what was running when Control is "", e.g. "reading the snapshot"
}

func (e *TimeoutError) Error() string {
	what := e.Control
	if e.File != "" {
		what = fmt.Sprintf("%s (%s:%d)", e.Control, e.File, e.Line)
	}
	if e.Limit == 0 {
		// The caller set the deadline and says what it was.
		switch {
		case what != "":
			return what + " was still running when evaluation stopped"
		case e.phase != "":
			return "evaluation stopped while " + e.phase
		}
		return "evaluation stopped"
	}
	limit := "at the " + e.Limit.String() + " time limit"
	switch {
	case what != "":
		return fmt.Sprintf("evaluation stopped %s while %s was still running", limit, what)
	case e.phase != "":
		return fmt.Sprintf("evaluation stopped %s while %s", limit, e.phase)
	}
	return "evaluation stopped " + limit
}

// Unwrap makes errors.Is(err, context.DeadlineExceeded) true.
func (e *TimeoutError) Unwrap() error { return context.DeadlineExceeded }

// WithTimeout bounds evaluation (Evaluate, RunTests as a whole): past d it
// stops, even inside one long-running query, with a *TimeoutError. Zero
// means no limit but the context's.
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// withLimit applies the configured time limit to ctx.
func withLimit(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d > 0 {
		return context.WithTimeout(ctx, d)
	}
	return context.WithCancel(ctx)
}

// isDeadline reports whether err is evaluation stopped by ctx's deadline.
func isDeadline(ctx context.Context, err error) bool {
	return err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) &&
		(topdown.IsCancel(err) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled))
}

// The queries evaluate the controls one after the other; before each, they
// call runningBuiltin with the control's index, which it records in the
// evaluation's context, so that a timeout can name the control that was
// running. It is not part of the policy sandbox: policies may not call it.
const runningBuiltin = "authgate_running"

var runningDecl = &ast.Builtin{
	Name: runningBuiltin,
	Decl: types.NewFunction(types.Args(types.N), types.B),
}

type runningKey struct{}

// runningFunc implements runningBuiltin.
var runningFunc = rego.Function1(&rego.Function{Name: runningBuiltin, Decl: runningDecl.Decl},
	func(bctx rego.BuiltinContext, a *ast.Term) (*ast.Term, error) {
		if p, ok := bctx.Context.Value(runningKey{}).(*atomic.Int64); ok {
			if n, ok := a.Value.(ast.Number).Int64(); ok {
				p.Store(n)
			}
		}
		return ast.InternedTerm(true), nil
	})

// withRunning returns ctx recording the control the query runs.
func withRunning(ctx context.Context) (context.Context, *atomic.Int64) {
	p := &atomic.Int64{}
	p.Store(-1)
	return context.WithValue(ctx, runningKey{}, p), p
}

// timeoutAt returns the TimeoutError naming control index i (or none).
func (e *Engine) timeoutAt(i int64) *TimeoutError {
	te := &TimeoutError{Limit: e.cfg.timeout, phase: "reading the snapshot"}
	if i >= 0 && int(i) < len(e.controls) {
		c := e.controls[i]
		te.Control, te.File, te.Line = c.ID, c.Source, c.Line
	}
	return te
}
