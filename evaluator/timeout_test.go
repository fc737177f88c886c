package evaluator_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/policies"
	"github.com/authgate/authgate/snapshot"
)

// loopBody pairs every number below 100000 with every other: 10^10 pairs,
// hours of work, and never a violation.
const loopBody = `violation contains {"message": "never"} if {
	some i in numbers.range(1, 100000)
	some j in numbers.range(1, 100000)
	i * j == -1
}
`

// limitCases are the ways a control can run that a limit must reach: user
// controls in chunks on parallel workers, tenant controls once, and the
// whole document at once.
var limitCases = []struct {
	scope string
	mode  evaluator.Mode
}{{"user", evaluator.ModeStream}, {"tenant", evaluator.ModeStream}, {"tenant", evaluator.ModeDocument}}

// TestTimeoutStopsLongQuery proves that a time limit stops evaluation
// inside one long-running query, for user-scoped controls evaluated in
// chunks by parallel workers, for tenant-scoped controls and in document
// mode, and that the error names the control still running and wraps
// context.DeadlineExceeded.
func TestTimeoutStopsLongQuery(t *testing.T) {
	path := sbSnapshot(t, "2026-11-27T08:00:00Z")
	const limit = time.Second
	for _, tt := range limitCases {
		t.Run(tt.scope+"/"+string(tt.mode), func(t *testing.T) {
			src := strings.Replace(sbControl("SB-LOOP", loopBody), "scope: tenant", "scope: "+tt.scope, 1)
			dir := sbWrite(t, map[string]string{"loop.rego": src})
			e, err := evaluator.New(context.Background(), evaluator.WithBuiltin(policies.FS), evaluator.WithPolicies(dir),
				evaluator.WithMode(tt.mode), evaluator.WithTimeout(limit))
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			res, err := e.Evaluate(context.Background(), path, snapshot.ScanOptions{})
			took := time.Since(start)
			if res != nil {
				t.Errorf("a result came back: %+v", res)
			}
			var te *evaluator.TimeoutError
			if !errors.As(err, &te) || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("error %v (%T), want a *TimeoutError wrapping context.DeadlineExceeded", err, err)
			}
			want := "evaluation stopped at the 1s time limit while SB-LOOP (" + filepath.Join(dir, "loop.rego") + ":12) was still running"
			if err.Error() != want {
				t.Errorf("error %q, want %q", err, want)
			}
			if took > limit+2*time.Second {
				t.Errorf("evaluation took %s with a %s limit", took, limit)
			}
		})
	}
}

// TestTimeoutFromContext proves that the caller's deadline stops evaluation
// too, without WithTimeout, and that cancelling is not read as a policy
// error.
func TestTimeoutFromContext(t *testing.T) {
	path := sbSnapshot(t, "2026-11-27T08:00:00Z")
	dir := sbWrite(t, map[string]string{"loop.rego": sbControl("SB-LOOP", loopBody)})
	e, err := evaluator.New(context.Background(), evaluator.WithBuiltin(policies.FS), evaluator.WithPolicies(dir))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_, err = e.Evaluate(ctx, path, snapshot.ScanOptions{})
	var te *evaluator.TimeoutError
	if !errors.As(err, &te) || te.Control != "SB-LOOP" || te.Limit != 0 || !strings.HasSuffix(err.Error(), ":12) was still running when evaluation stopped") {
		t.Fatalf("error %v, want a *TimeoutError naming SB-LOOP", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	_, err = e.Evaluate(ctx, path, snapshot.ScanOptions{})
	var pe *evaluator.PolicyError
	if !errors.Is(err, context.Canceled) || errors.As(err, &pe) || errors.As(err, &te) {
		t.Fatalf("cancelled: error %v (%T), want context.Canceled", err, err)
	}
}

// TestTimeoutInPolicyTest proves policy test's overall limit stops a test
// inside its query and names it, while the per-test limit still applies
// below it.
func TestTimeoutInPolicyTest(t *testing.T) {
	dir := sbWrite(t, map[string]string{
		"loop.rego":      sbControl("SB-LOOP", loopBody),
		"loop_test.rego": "package authgate.sb_test\n\nimport data.authgate.sb\n\ntest_loop if count(sb.violation) == 0\n",
	})
	start := time.Now()
	_, err := evaluator.RunTests(context.Background(), evaluator.WithBuiltin(policies.FS), evaluator.WithPolicies(dir), evaluator.WithTimeout(time.Second))
	var te *evaluator.TimeoutError
	if !errors.As(err, &te) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v (%T), want a *TimeoutError", err, err)
	}
	want := "evaluation stopped at the 1s time limit while authgate.sb_test.test_loop (" + filepath.Join(dir, "loop_test.rego") + ":5) was still running"
	if err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("policy test took %s with a 1s limit", took)
	}
}

// TestPoliciesCannotCallTheRunningMarker proves the builtin the queries use
// to name the running control is not open to policies.
func TestPoliciesCannotCallTheRunningMarker(t *testing.T) {
	dir := sbWrite(t, map[string]string{"m.rego": sbControl("SB-1", "violation contains {\"message\": \"m\"} if authgate_running(1)\n")})
	_, err := evaluator.New(context.Background(), evaluator.WithBuiltin(policies.FS), evaluator.WithPolicies(dir))
	var pe *evaluator.PolicyError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), filepath.Join(dir, "m.rego")+":14: authgate_running is authgate's own") {
		t.Fatalf("error %v, want a policy error naming m.rego:14", err)
	}
}
