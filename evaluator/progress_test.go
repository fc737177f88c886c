package evaluator_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/snapshot"
)

// TestProgressCountsEveryUser: the progress callback sees each chunk once,
// so its sum is the snapshot's user count, in both modes.
func TestProgressCountsEveryUser(t *testing.T) {
	path := writeSnapshot(t, 1234, 1, false)
	for _, mode := range []evaluator.Mode{evaluator.ModeStream, evaluator.ModeDocument} {
		var users, calls atomic.Int64
		e := newEngine(t, evaluator.WithMode(mode), evaluator.WithChunkSize(100), evaluator.WithWorkers(3),
			evaluator.WithProgress(func(n int) { users.Add(int64(n)); calls.Add(1) }))
		res, err := e.Evaluate(context.Background(), path, snapshot.ScanOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if users.Load() != 1234 || calls.Load() != 13 || res.Aggregates.Users != 1234 {
			t.Errorf("%s: progress saw %d users in %d calls, want 1234 in 13", mode, users.Load(), calls.Load())
		}
	}
}
