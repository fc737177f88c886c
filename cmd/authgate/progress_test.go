package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/gate"
	"github.com/authgate/authgate/internal/progress"
)

// syncBuffer is stderr shared by the progress goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestCheckProgressLines runs check's pipeline with the progress intervals
// shortened and the evaluation held at its first chunk until a line is out,
// so the test depends on no machine's speed: in a log, plain lines with the
// users evaluated, the controls and the time, then how the check ended.
func TestCheckProgressLines(t *testing.T) {
	snap := generated(t, 3000)
	var stderr syncBuffer
	prog := progress.NewEval(progress.Options{Lines: &stderr, Delay: time.Nanosecond, Interval: time.Millisecond})
	var once sync.Once
	count := prog.OnUsers()
	o := gate.Options{Snapshot: snap, Format: "json", OutputFile: filepath.Join(t.TempDir(), "r.json"), FailOn: "none"}
	o.OnUsers = func(n int) {
		count(n)
		once.Do(func() {
			for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
				if strings.Count(stderr.String(), "\n") >= 2 {
					return
				}
			}
			t.Error("no progress line while the evaluation ran")
		})
	}
	plan, err := prepare(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	if _, err := check(context.Background(), plan, prog, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	controls := len(plan.Controls())
	lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
	re := regexp.MustCompile(`^authgate: checking: (\d+) users evaluated against (\d+) controls, [0-9a-zµ.]+ elapsed$`)
	prev := -1
	for _, l := range lines[:len(lines)-1] {
		m := re.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("not a progress line: %q", l)
		}
		n, _ := strconv.Atoi(m[1])
		if n < prev || n > 3000 || m[2] != strconv.Itoa(controls) {
			t.Errorf("line %q: users %d after %d, controls %s of %d", l, n, prev, m[2], controls)
		}
		prev = n
	}
	if want := fmt.Sprintf("authgate: checked 3000 users against %d controls in ", controls); !strings.HasPrefix(lines[len(lines)-1], want) {
		t.Errorf("last line %q, want %q...", lines[len(lines)-1], want)
	}
}

// TestCheckProgressQuiet: a check shorter than the delay prints no
// progress, --quiet none at all, and a log (not a terminal) gets plain
// lines rather than a live display.
func TestCheckProgressQuiet(t *testing.T) {
	for _, args := range [][]string{
		{"check", "--snapshot", sample, "--fail-on", "none"},
		{"check", "--snapshot", sample, "--fail-on", "none", "--quiet"},
		{"check", "--snapshot", sample, "--fail-on", "none", "-q"},
	} {
		code, _, stderr := cli(t, args...)
		if code != 0 || stderr != "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
	if newEvalProgress(&bytes.Buffer{}, true) != nil {
		t.Error("--quiet still reports")
	}
	if newEvalProgress(&bytes.Buffer{}, false) == nil {
		t.Error("no --quiet, and no progress")
	}
	if o := progressWriters(&bytes.Buffer{}); o.Live != nil || o.Lines == nil {
		t.Errorf("a buffer is a log, want plain lines: %+v", o)
	}
	// run shares fetch's --quiet; both it and check document it.
	for _, cmd := range []string{"check", "run"} {
		_, help, _ := cli(t, cmd, "--help")
		if !strings.Contains(help, "-q, --quiet") {
			t.Errorf("%s --help has no --quiet", cmd)
		}
	}
}
