package evaluator

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/metrics"
	"time"
)

// DefaultMaxMemory bounds the Go heap of an evaluation unless WithMaxMemory
// says otherwise (or the snapshot is large, see heapLimit). A streamed check
// of a million users holds under 300 MB; the bound is for a policy that
// builds values until the runner is killed, which a CI job would report as
// a crash rather than as the inconclusive gate it is.
const DefaultMaxMemory = 4 << 30

// documentFactor scales the default with the snapshot: document scope holds
// the whole snapshot as OPA values, measured at about 13 times the file.
const documentFactor = 16

// heapPoll is how often the heap is measured during an evaluation.
const heapPoll = 20 * time.Millisecond

// WithMaxMemory bounds the Go heap during Evaluate and RunTests: past n
// bytes evaluation stops with a *MemoryError. Zero is the default
// (DefaultMaxMemory, or 16 times the snapshot's size when that is more).
func WithMaxMemory(n uint64) Option { return func(c *config) { c.maxMemory = n } }

// MemoryError is an evaluation stopped because the heap grew past its
// limit: no verdict was reached.
type MemoryError struct {
	// Control is the id of the control (or, for policy test, the test)
	// running when the limit was passed; "" when none was known.
	Control string
	// File and Line locate it, when known.
	File string
	Line int
	// Limit is the bound in bytes.
	Limit uint64
}

func (e *MemoryError) Error() string {
	what := ""
	switch {
	case e.Control != "" && e.File != "":
		what = fmt.Sprintf(" while %s (%s:%d) was running", e.Control, e.File, e.Line)
	case e.Control != "":
		what = " while " + e.Control + " was running"
	}
	return fmt.Sprintf("evaluation stopped: the heap passed --max-memory %d MiB%s (a policy building values without end, or a limit too low for this snapshot)", e.Limit>>20, what)
}

// errHeap is the cause watchHeap cancels with.
var errHeap = errors.New("heap limit passed")

// heapLimit is the bound for a snapshot of size bytes: the configured one,
// or the default scaled to the snapshot.
func heapLimit(configured uint64, size int64) uint64 {
	if configured > 0 {
		return configured
	}
	return max(DefaultMaxMemory, uint64(max(size, 0))*documentFactor)
}

// watchHeap returns ctx, cancelled with errHeap once the heap's objects
// take more than limit bytes, and the function that stops watching.
func watchHeap(ctx context.Context, limit uint64) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(heapPoll)
		defer t.Stop()
		// The heap's objects include garbage not yet collected: over the
		// limit, a collection tells what is live, and only that counts.
		objects := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		over := func(s []metrics.Sample) bool {
			metrics.Read(s)
			return s[0].Value.Kind() == metrics.KindUint64 && s[0].Value.Uint64() > limit
		}
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if !over(objects) {
				continue
			}
			runtime.GC()
			if over(live) {
				cancel(errHeap)
				return
			}
		}
	}()
	return ctx, func() { close(done); cancel(nil) }
}

// heapPassed reports whether ctx was cancelled by watchHeap.
func heapPassed(ctx context.Context) bool { return errors.Is(context.Cause(ctx), errHeap) }

// memoryAt is the MemoryError of control i; Evaluate sets its Limit.
func (e *Engine) memoryAt(i int64) *MemoryError {
	me := &MemoryError{}
	if i >= 0 && int(i) < len(e.controls) {
		c := e.controls[i]
		me.Control, me.File, me.Line = c.ID, c.Source, c.Line
	}
	return me
}
