package snapshot_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/tenantgen"

	"github.com/authgate/authgate/pseudonym"
	"github.com/authgate/authgate/snapshot"
)

// BenchmarkScan measures the streaming loader alone (decode and validate,
// chunks discarded), as is and with the pseudonymising rewrite of every row
// (check --pseudonymize), to compare with benchstat.
func BenchmarkScan(b *testing.B) {
	now := time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC)
	for _, n := range []int{10_000, 100_000} {
		path := filepath.Join(b.TempDir(), "snap.json")
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriter(f)
		m := snapshot.Manifest{TenantID: tenantgen.DefaultTenantID(1), Cloud: "global", GraphEndpoint: "https://graph.microsoft.com", APIVersion: "v1.0", FetchedAt: now.Format(time.RFC3339)}
		if err := tenantgen.WriteSnapshot(w, tenantgen.Tenant{Seed: 1, Users: n, Now: now}, tenantgen.SnapshotOptions{Manifest: m, Summaries: true}); err != nil {
			b.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
		st, _ := os.Stat(path)
		p, err := pseudonym.New([]byte("a-benchmark-pseudonym-key"))
		if err != nil {
			b.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			rw   snapshot.Rewriter
		}{{"", nil}, {"/pseudonymize", p}} {
			b.Run(fmt.Sprintf("users=%d%s", n, tc.name), func(b *testing.B) {
				scanBench(b, path, st.Size(), n, snapshot.ScanOptions{Rewrite: tc.rw})
			})
		}
	}
}

// scanBench scans the n-user snapshot at path (size bytes) with opts.
func scanBench(b *testing.B, path string, size int64, n int, opts snapshot.ScanOptions) {
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		users := 0
		info, err := snapshot.Scan(context.Background(), path, opts, func(c []snapshot.UserRegistrationDetails) error {
			users += len(c)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if users != n || info.Users != n {
			b.Fatalf("scanned %d users, want %d", users, n)
		}
	}
}
