package fetch

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// DefaultProgressInterval is how often plain progress lines are written.
const DefaultProgressInterval = 30 * time.Second

// progress reports how a fetch is going: on a terminal a one-line display
// rewritten in place, elsewhere (a CI log) a plain line every interval, at
// the end of each section and whenever a request stalls, so that a long or
// stuck fetch is never silent. A nil *progress reports nothing.
type progress struct {
	live  io.Writer // a terminal, or nil
	lines io.Writer // a log, or nil
	count *counters
	start time.Time

	mu      sync.Mutex
	last    time.Time
	pages   int64
	users   int64
	base    int64 // users at start (a resumed fetch)
	total   int64
	began   bool
	current string // what is being fetched now
	done    chan struct{}
	stopped sync.Once
}

func newProgress(live, lines io.Writer, interval time.Duration, c *counters) *progress {
	if live == nil && lines == nil {
		return nil
	}
	p := &progress{live: live, count: c, start: time.Now(), done: make(chan struct{})}
	if live == nil {
		p.lines = lines
		if interval <= 0 {
			interval = DefaultProgressInterval
		}
		go p.tick(interval)
	}
	return p
}

func (p *progress) tick(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-p.done:
			return
		case <-t.C:
			p.mu.Lock()
			p.writeLine("")
			p.mu.Unlock()
		}
	}
}

func (p *progress) stop() {
	if p == nil {
		return
	}
	p.stopped.Do(func() { close(p.done) })
}

// section says what is being fetched now ("page 3 of userRegistrationDetails").
func (p *progress) section(what string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.current = what
	p.mu.Unlock()
}

// boundary writes a line at the end of a section (plain lines only; the
// live display is always current).
func (p *progress) boundary(what string) {
	if p == nil || p.lines == nil {
		return
	}
	p.mu.Lock()
	p.writeLine(what)
	p.mu.Unlock()
}

// note reports something slow as it happens, on its own line.
func (p *progress) note(msg string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	w, prefix := p.lines, ""
	if w == nil {
		w, prefix = p.live, "\n"
	}
	cur := ""
	if p.current != "" {
		cur = " (" + p.current + ")"
	}
	fmt.Fprintf(w, "%sauthgate: slow%s: %s\n", prefix, cur, msg)
}

// update records the per-user list's progress.
func (p *progress) update(pages, users, total int64, done bool) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.began {
		p.began, p.base = true, users
	}
	p.pages, p.users, p.total = pages, users, total
	if p.live == nil {
		if done {
			p.writeLine("userRegistrationDetails complete")
		}
		return
	}
	now := time.Now()
	if !done && now.Sub(p.last) < 200*time.Millisecond {
		return
	}
	p.last = now
	el := now.Sub(p.start)
	rate := float64(users-p.base) / max(el.Seconds(), 0.001)
	line := fmt.Sprintf("\rfetching: %d pages, %d users, %.0f users/s, %s", pages, users, rate, el.Round(time.Second))
	if total > 0 && rate > 0 && !done {
		left := time.Duration(float64(max(total-users, 0)) / rate * float64(time.Second))
		line += fmt.Sprintf(", ~%s left", left.Round(time.Second))
	}
	line += "   "
	if done {
		line += "\n"
	}
	io.WriteString(p.live, line)
}

// writeLine writes one plain progress line; head, when set, names the
// section just ended. p.mu is held.
func (p *progress) writeLine(head string) {
	if p.lines == nil {
		return
	}
	el := time.Since(p.start)
	var req, thr int64
	if p.count != nil {
		req, thr = p.count.requests.Load(), p.count.throttled.Load()
	}
	what := head
	if what == "" {
		what = "fetching"
		if p.current != "" {
			what = "fetching " + p.current
		}
	}
	line := fmt.Sprintf("authgate: %s: %d pages, %d users, %d requests, %d throttled, %s elapsed", what, p.pages, p.users, req, thr, el.Round(time.Second))
	if rate := float64(p.users-p.base) / max(el.Seconds(), 0.001); p.total > 0 && rate > 0 && p.users < p.total {
		left := time.Duration(float64(p.total-p.users) / rate * float64(time.Second))
		line += fmt.Sprintf(", ~%s left at the current pace", left.Round(time.Second))
	}
	fmt.Fprintln(p.lines, line)
}
