package main

import (
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/term"

	"github.com/authgate/authgate/internal/progress"
)

// evalProgress shows how a long evaluation is going, as fetch does for a
// fetch: past a few seconds, a live line on a terminal, else a plain stderr
// line every 30 s, so a 1,000,000-user check in CI is not read as a hang.
// A nil *evalProgress (--quiet) shows nothing.
type evalProgress struct {
	users       atomic.Int64
	live, lines io.Writer
	timing      progress.Options // Delay, Interval, Refresh: zero for the defaults
	controls    int
	rep         *progress.Reporter
	start       time.Time
}

// newEvalProgress reports to stderr unless quiet.
func newEvalProgress(stderr io.Writer, quiet bool) *evalProgress {
	if quiet {
		return nil
	}
	p := &evalProgress{lines: stderr}
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.live, p.lines = f, nil
	}
	return p
}

// onUsers is gate.Options.OnUsers: nil when there is nothing to report.
func (p *evalProgress) onUsers() func(int) {
	if p == nil {
		return nil
	}
	return func(n int) { p.users.Add(int64(n)) }
}

func (p *evalProgress) begin(controls int) {
	if p == nil {
		return
	}
	p.controls, p.start = controls, time.Now()
	o := p.timing
	o.Live, o.Lines = p.live, p.lines
	o.Status = func(el time.Duration) string {
		if p.live != nil {
			return fmt.Sprintf("checking: %d users, %d controls, %s", p.users.Load(), p.controls, el.Round(time.Second))
		}
		return fmt.Sprintf("checking: %d users evaluated against %d controls, %s elapsed", p.users.Load(), p.controls, el.Round(time.Second))
	}
	p.rep = progress.Start(o)
}

// end stops the display; after a shown display it says how it ended.
func (p *evalProgress) end(err error) {
	if p == nil {
		return
	}
	final := fmt.Sprintf("checked %d users against %d controls in %s", p.users.Load(), p.controls, time.Since(p.start).Round(time.Second))
	if err != nil {
		final = fmt.Sprintf("check stopped after %d users, %s", p.users.Load(), time.Since(p.start).Round(time.Second))
	}
	p.rep.Stop(final)
}
