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

	"github.com/authgate/authgate/snapshot"
)

// BenchmarkScan measures the streaming loader alone (decode and validate,
// chunks discarded), to compare with benchstat.
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
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			b.SetBytes(st.Size())
			b.ReportAllocs()
			for b.Loop() {
				users := 0
				info, err := snapshot.Scan(context.Background(), path, snapshot.ScanOptions{}, func(c []snapshot.UserRegistrationDetails) error {
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
		})
	}
}
