package evaluator_test

import (
	"context"
	"os"
	"testing"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/policies"
	"github.com/authgate/authgate/pseudonym"
	"github.com/authgate/authgate/snapshot"
)

// BenchmarkEvaluateFile evaluates the built-in pack, and the custom
// two-rule pack of bench/custompack, over the snapshot named by
// AUTHGATE_BENCH_SNAPSHOT (e.g. bench/out/snap-1000000.json from
// bench/run.sh), as is and the built-in pack through the pseudonymised view
// (check --pseudonymize), for profiling at scale:
//
//	AUTHGATE_BENCH_SNAPSHOT=$PWD/bench/out/snap-1000000.json GOGC=400 \
//	  go test ./evaluator -run '^$' -bench EvaluateFile -benchtime 1x -cpuprofile cpu.prof
func BenchmarkEvaluateFile(b *testing.B) {
	path := os.Getenv("AUTHGATE_BENCH_SNAPSHOT")
	if path == "" {
		b.Skip("AUTHGATE_BENCH_SNAPSHOT is not set")
	}
	p, err := pseudonym.New([]byte("a-benchmark-pseudonym-key"))
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opts []evaluator.Option
	}{
		{"builtin", nil},
		{"builtin+pseudonymize", []evaluator.Option{evaluator.WithRewrite(p)}},
		{"custom", []evaluator.Option{evaluator.WithoutBuiltinControls(), evaluator.WithPolicies("../bench/custompack")}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			e, err := evaluator.New(context.Background(), append([]evaluator.Option{evaluator.WithBuiltin(policies.FS), evaluator.WithMode(evaluator.ModeStream)}, tc.opts...)...)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := e.Evaluate(context.Background(), path, snapshot.ScanOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkStartup is what check pays before the first user: compiling the
// built-in pack and preparing its queries, then evaluating a 100-user
// snapshot (figure 5 of bench/run.sh).
func BenchmarkStartup(b *testing.B) {
	path := writeSnapshot(b, 100, 1, true)
	b.Run("new", func(b *testing.B) {
		for b.Loop() {
			if _, err := evaluator.New(context.Background(), evaluator.WithBuiltin(policies.FS)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("new+evaluate", func(b *testing.B) {
		for b.Loop() {
			e, err := evaluator.New(context.Background(), evaluator.WithBuiltin(policies.FS))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := e.Evaluate(context.Background(), path, snapshot.ScanOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
