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

// hoardBody keeps every number below 50 million in one array: gigabytes of
// OPA values, and never a violation.
const hoardBody = `violation contains {"message": "never"} if {
	xs := [x | some x in numbers.range(1, 50000000)]
	count(xs) == -1
}
`

// TestMemoryLimitStopsHoardingPolicy: a control that builds values without
// end stops at the heap bound, in every scope and mode, with no result and
// an error naming the control and the bound, long before the time limit.
func TestMemoryLimitStopsHoardingPolicy(t *testing.T) {
	path := sbSnapshot(t, "2026-11-27T08:00:00Z")
	const limit = 256 << 20
	for _, tt := range limitCases {
		t.Run(tt.scope+"/"+string(tt.mode), func(t *testing.T) {
			src := strings.Replace(sbControl("SB-HOARD", hoardBody), "scope: tenant", "scope: "+tt.scope, 1)
			dir := sbWrite(t, map[string]string{"hoard.rego": src})
			e, err := evaluator.New(context.Background(), evaluator.WithBuiltin(policies.FS), evaluator.WithPolicies(dir),
				evaluator.WithMode(tt.mode), evaluator.WithMaxMemory(limit), evaluator.WithTimeout(2*time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			res, err := e.Evaluate(context.Background(), path, snapshot.ScanOptions{})
			if res != nil {
				t.Errorf("a result came back: %+v", res)
			}
			var me *evaluator.MemoryError
			if !errors.As(err, &me) {
				t.Fatalf("error %v (%T), want a *MemoryError", err, err)
			}
			want := "evaluation stopped: the heap passed --max-memory 256 MiB while SB-HOARD (" + filepath.Join(dir, "hoard.rego") + ":12) was running"
			if !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q, want it to start %q", err, want)
			}
		})
	}
}

// TestMemoryLimitInPolicyTest: policy test stops a hoarding test the same way.
func TestMemoryLimitInPolicyTest(t *testing.T) {
	dir := sbWrite(t, map[string]string{
		"hoard.rego":      sbControl("SB-HOARD", "violation contains {\"message\": \"x\"} if false\n"),
		"hoard_test.rego": "package authgate.sb_test\n\nimport data.authgate.sb\n\ntest_hoard if {\n\txs := [x | some x in numbers.range(1, 50000000)]\n\tcount(xs) > count(sb.violation)\n}\n",
	})
	_, err := evaluator.RunTests(context.Background(), evaluator.WithBuiltin(policies.FS), evaluator.WithPolicies(dir),
		evaluator.WithMaxMemory(256<<20), evaluator.WithTimeout(2*time.Minute))
	var me *evaluator.MemoryError
	if !errors.As(err, &me) || me.Limit != 256<<20 {
		t.Fatalf("error %v (%T), want a *MemoryError at 256 MiB", err, err)
	}
}
