package fetch

import (
	"fmt"
	"io"
	"time"
)

// progress draws a one-line progress display: pages, users, rate and, when
// the tenant's size is known from Graph's summary, the time left.
type progress struct {
	w     io.Writer
	start time.Time
	last  time.Time
	users int64 // users at start (a resumed fetch)
	began bool
}

func (p *progress) update(cp *checkpoint, total int64, done bool) {
	if p == nil {
		return
	}
	if !p.began {
		p.began, p.users = true, cp.Users
	}
	now := time.Now()
	if !done && now.Sub(p.last) < 200*time.Millisecond {
		return
	}
	p.last = now
	el := now.Sub(p.start)
	rate := float64(cp.Users-p.users) / max(el.Seconds(), 0.001)
	line := fmt.Sprintf("\rfetching: %d pages, %d users, %.0f users/s, %s", cp.Pages, cp.Users, rate, el.Round(time.Second))
	if total > 0 && rate > 0 && !done {
		left := time.Duration(float64(max(total-cp.Users, 0)) / rate * float64(time.Second))
		line += fmt.Sprintf(", ~%s left", left.Round(time.Second))
	}
	line += "   "
	if done {
		line += "\n"
	}
	io.WriteString(p.w, line)
}
