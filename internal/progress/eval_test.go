package progress

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestEvalLines: in a log, lines with the users counted so far and the
// controls, then how the evaluation ended, finished or stopped.
func TestEvalLines(t *testing.T) {
	for _, c := range []struct {
		err  error
		last string
	}{
		{nil, `^authgate: checked 1500 users against 12 controls in \d+s$`},
		{errors.New("interrupted"), `^authgate: check stopped after 1500 users, \d+s$`},
	} {
		var log buffer
		p := NewEval(Options{Lines: &log, Delay: time.Nanosecond, Interval: time.Hour})
		on := p.OnUsers()
		on(1000)
		on(500)
		p.Begin(12)
		waitFor(t, "a progress line", func() bool { return strings.Contains(log.String(), "\n") })
		p.End(c.err)
		lines := strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n")
		if len(lines) != 2 || !regexp.MustCompile(`^authgate: checking: 1500 users evaluated against 12 controls, \d+s elapsed$`).MatchString(lines[0]) ||
			!regexp.MustCompile(c.last).MatchString(lines[1]) {
			t.Errorf("log %q, want a progress line then one matching %s", lines, c.last)
		}
	}
}

// TestEvalLive: on a terminal, the short status redrawn in place, and the
// final line ends it.
func TestEvalLive(t *testing.T) {
	var term buffer
	p := NewEval(Options{Live: &term, Delay: time.Nanosecond, Refresh: time.Hour})
	p.OnUsers()(7)
	p.Begin(3)
	waitFor(t, "the live line", func() bool { return strings.Contains(term.String(), "\r") })
	p.End(nil)
	if !regexp.MustCompile(`^\rchecking: 7 users, 3 controls, \d+s\s*\rchecked 7 users against 3 controls in \d+s\s*\n$`).MatchString(term.String()) {
		t.Errorf("terminal got %q", term.String())
	}
}

// TestEvalNil: a nil Eval (--quiet) reports nothing and takes no callback.
func TestEvalNil(t *testing.T) {
	var p *Eval
	if p.OnUsers() != nil {
		t.Error("a nil Eval gives a callback")
	}
	p.Begin(1)
	p.End(errors.New("x"))
}

// TestEvalShort: an evaluation that ends before the delay shows nothing.
func TestEvalShort(t *testing.T) {
	var log buffer
	p := NewEval(Options{Lines: &log, Delay: time.Hour})
	p.OnUsers()(5)
	p.Begin(2)
	p.End(nil)
	if log.String() != "" {
		t.Errorf("a short evaluation logged %q", log.String())
	}
}
