package progress

import (
	"fmt"
	"sync/atomic"
	"time"
)

// Eval shows how a long evaluation of users against controls is going, so
// a 1,000,000-user check in CI is not read as a hang. A nil *Eval (--quiet)
// shows nothing; every method may be called on it.
type Eval struct {
	users    atomic.Int64
	o        Options // Live or Lines, and the timing; Status is Eval's own
	controls int
	rep      *Reporter
	start    time.Time
}

// NewEval returns an Eval that reports to o.Live or o.Lines, with o's
// timing (zero for the defaults); o.Status is ignored.
func NewEval(o Options) *Eval { return &Eval{o: o} }

// OnUsers returns the callback the evaluation calls with each chunk's
// number of users evaluated; nil when there is nothing to report.
func (p *Eval) OnUsers() func(int) {
	if p == nil {
		return nil
	}
	return func(n int) { p.users.Add(int64(n)) }
}

// Begin starts the display for an evaluation of controls controls.
func (p *Eval) Begin(controls int) {
	if p == nil {
		return
	}
	p.controls, p.start = controls, time.Now()
	o := p.o
	o.Status = func(el time.Duration) string {
		if o.Live != nil {
			return fmt.Sprintf("checking: %d users, %d controls, %s", p.users.Load(), p.controls, el.Round(time.Second))
		}
		return fmt.Sprintf("checking: %d users evaluated against %d controls, %s elapsed", p.users.Load(), p.controls, el.Round(time.Second))
	}
	p.rep = Start(o)
}

// End stops the display; after a shown display it says how the
// evaluation ended: err is its error, nil when it finished.
func (p *Eval) End(err error) {
	if p == nil {
		return
	}
	final := fmt.Sprintf("checked %d users against %d controls in %s", p.users.Load(), p.controls, time.Since(p.start).Round(time.Second))
	if err != nil {
		final = fmt.Sprintf("check stopped after %d users, %s", p.users.Load(), time.Since(p.start).Round(time.Second))
	}
	p.rep.Stop(final)
}
