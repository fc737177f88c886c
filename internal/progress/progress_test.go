package progress

import (
	"bytes"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// buffer is a writer the reporter's goroutine and the test share.
type buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// waitFor polls until cond holds: the reporter's pace is the test's
// choice, but the machine's is not, so no assertion depends on timing.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestLinesInALog(t *testing.T) {
	var out buffer
	var n atomic.Int64
	r := Start(Options{Lines: &out, Delay: time.Millisecond, Interval: time.Millisecond,
		Status: func(time.Duration) string { return "checking: " + strings.Repeat("x", int(n.Add(1))%3) + " users" }})
	waitFor(t, "three lines", func() bool { return strings.Count(out.String(), "\n") >= 3 })
	if !r.Stop("done: 5 users") {
		t.Fatal("Stop says nothing was shown")
	}
	s := out.String()
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	for _, l := range lines[:len(lines)-1] {
		if !strings.HasPrefix(l, "authgate: checking: ") || strings.Contains(l, "\r") {
			t.Errorf("line %q is not a plain progress line", l)
		}
	}
	if last := lines[len(lines)-1]; last != "authgate: done: 5 users" {
		t.Errorf("last line %q, want the final summary", last)
	}
	// Nothing after Stop, and Stop twice is harmless.
	r.Stop("again")
	time.Sleep(5 * time.Millisecond)
	if out.String() != s {
		t.Errorf("written after Stop: %q", strings.TrimPrefix(out.String(), s))
	}
}

func TestLiveLine(t *testing.T) {
	var out buffer
	status := []string{"a long status line", "short"}
	var i atomic.Int64
	r := Start(Options{Live: &out, Lines: &buffer{}, Delay: time.Millisecond, Refresh: time.Millisecond, Interval: time.Hour,
		Status: func(time.Duration) string { return status[min(i.Add(1)-1, 1)] }})
	waitFor(t, "two redraws", func() bool { return strings.Count(out.String(), "\r") >= 2 })
	r.Stop("finished")
	s := out.String()
	if strings.Count(s, "\n") != 1 || !strings.HasSuffix(s, "\rfinished\n") {
		t.Errorf("live output %q: want redraws in place and one final line", s)
	}
	// The shorter line blanks what the longer one left.
	if !strings.Contains(s, "\rshort"+strings.Repeat(" ", len(status[0])-len("short"))) {
		t.Errorf("the short redraw does not cover the long one: %q", s)
	}
}

// TestQuietBeforeDelay: a task that ends before the delay shows nothing,
// not even its final line.
func TestQuietBeforeDelay(t *testing.T) {
	var out buffer
	r := Start(Options{Lines: &out, Delay: time.Hour, Status: func(time.Duration) string { return "x" }})
	if r.Stop("final") || out.String() != "" {
		t.Fatalf("shown %q", out.String())
	}
	if Start(Options{Status: func(time.Duration) string { return "x" }}) != nil {
		t.Error("a reporter with nowhere to write")
	}
	var nilR *Reporter
	nilR.Stop("x") // a nil reporter is quiet, not a panic
}
