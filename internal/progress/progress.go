// Package progress reports how a long task is going, the way CI logs and
// terminals each need it: on a terminal one line rewritten in place, in a
// log a plain line every interval, and nothing at all for a task that ends
// before the delay, so short runs stay quiet.
package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Defaults of Options.
const (
	DefaultDelay    = 5 * time.Second  // nothing is shown for a shorter task
	DefaultInterval = 30 * time.Second // between plain lines in a log
	DefaultRefresh  = time.Second      // between redraws of the live line
)

// Options configure a Reporter. Status is called from the reporter's own
// goroutine and must be safe for that.
type Options struct {
	// Live is a terminal: the status is redrawn in place on one line.
	Live io.Writer
	// Lines is a log, used when Live is nil: "authgate: STATUS" lines.
	Lines io.Writer
	// Status describes the task now ("250000 users evaluated, ...").
	Status func(elapsed time.Duration) string
	// Delay, Interval and Refresh default to the constants above; tests
	// make them short.
	Delay, Interval, Refresh time.Duration
}

// Reporter shows a task's progress until Stop.
type Reporter struct {
	o     Options
	start time.Time
	done  chan struct{}
	wg    sync.WaitGroup
	stop  sync.Once
	shown bool // a line was written (read after wg.Wait)
	live  int  // width of the live line last drawn
}

// Start begins reporting; a nil Reporter (no writer, or no Status) is
// valid and reports nothing.
func Start(o Options) *Reporter {
	if (o.Live == nil && o.Lines == nil) || o.Status == nil {
		return nil
	}
	if o.Delay <= 0 {
		o.Delay = DefaultDelay
	}
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.Refresh <= 0 {
		o.Refresh = DefaultRefresh
	}
	r := &Reporter{o: o, start: time.Now(), done: make(chan struct{})}
	r.wg.Add(1)
	go r.loop()
	return r
}

func (r *Reporter) loop() {
	defer r.wg.Done()
	delay := time.NewTimer(r.o.Delay)
	defer delay.Stop()
	select {
	case <-r.done:
		return
	case <-delay.C:
	}
	every := r.o.Interval
	if r.o.Live != nil {
		every = r.o.Refresh
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		r.write()
		select {
		case <-r.done:
			return
		case <-t.C:
		}
	}
}

func (r *Reporter) write() {
	status := r.o.Status(time.Since(r.start))
	r.shown = true
	if r.o.Live == nil {
		fmt.Fprintf(r.o.Lines, "authgate: %s\n", status)
		return
	}
	// Pad over what the last, longer, line left behind.
	pad := max(r.live-len(status), 0)
	r.live = len(status)
	fmt.Fprintf(r.o.Live, "\r%s%s", status, strings.Repeat(" ", pad))
}

// Stop ends the reporting and, when anything was shown, writes final (a
// summary of the finished task, "" for none) so the log says how it ended
// and the terminal's cursor leaves the live line. It returns whether
// anything was shown. Stop may be called more than once.
func (r *Reporter) Stop(final string) bool {
	if r == nil {
		return false
	}
	shown := false
	r.stop.Do(func() {
		close(r.done)
		r.wg.Wait()
		shown = r.shown
		if !shown {
			return
		}
		switch {
		case r.o.Live != nil && final != "":
			fmt.Fprintf(r.o.Live, "\r%s%s\n", final, strings.Repeat(" ", max(r.live-len(final), 0)))
		case r.o.Live != nil:
			fmt.Fprintln(r.o.Live)
		case final != "":
			fmt.Fprintf(r.o.Lines, "authgate: %s\n", final)
		}
	})
	return shown
}
