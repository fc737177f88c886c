package fetch_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/tenantgen"

	"github.com/authgate/authgate/fetch"
	"github.com/authgate/authgate/internal/graphfake"
)

// BenchmarkFetch fetches a whole emulated tenant through the real client
// (azidentity client secret, azcore pipeline, streaming writer).
//
//	AUTHGATE_BENCH_USERS  tenant size (default 20000; the lead's script uses 1000000)
//	AUTHGATE_BENCH_RATE   emulator limit and client pace, N/DURATION (default off)
//
// It reports users/s, the pages-over-rate floor and the ratio of the time to
// it, the throttled share, and the Go heap high-water mark (run under
// /usr/bin/time -v for the process's peak RSS):
//
//	go test -c -o /tmp/fetch.test ./fetch
//	AUTHGATE_BENCH_USERS=1000000 /usr/bin/time -v /tmp/fetch.test -test.run '^$' -test.bench BenchmarkFetch -test.benchtime 1x
func BenchmarkFetch(b *testing.B) {
	users := 20000
	if v := os.Getenv("AUTHGATE_BENCH_USERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatalf("AUTHGATE_BENCH_USERS: %v", err)
		}
		users = n
	}
	rate := fetch.Rate{}
	if v := os.Getenv("AUTHGATE_BENCH_RATE"); v != "" {
		r, err := fetch.ParseRate(v)
		if err != nil {
			b.Fatal(err)
		}
		rate = r
	}
	so := graphfake.Options{Rate: -1}
	if !rate.Off() {
		so.Rate, so.Per = rate.N, rate.Per
	}
	so.Tenant = tenantgen.Tenant{Seed: testSeed, Users: users, Now: testNow}
	so.ClientID, so.ClientSecret = testClientID, testSecret
	s, err := graphfake.New(so)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	cloud, err := fetch.ResolveCloud("", s.GraphURL(), s.AuthorityHost())
	if err != nil {
		b.Fatal(err)
	}
	cred, err := fetch.NewCredential(fetch.CredentialOptions{Mode: fetch.AuthClientSecret, TenantID: s.TenantID(),
		ClientID: testClientID, ClientSecret: testSecret, Cloud: cloud, Transport: s.Client()})
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	var peakHeap uint64
	stop := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
				runtime.ReadMemStats(&ms)
				peakHeap = max(peakHeap, ms.HeapInuse)
			}
		}
	}()
	var res *fetch.Result
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		out := filepath.Join(dir, "snap"+strconv.Itoa(i)+".json")
		o := fetch.Options{Credential: cred, AuthMode: fetch.AuthClientSecret, TenantID: s.TenantID(), Cloud: cloud,
			HTTPClient: s.Client(), Rate: rate, Tool: "bench"}
		res, err = fetch.Fetch(context.Background(), out, o)
		if err != nil {
			b.Fatal(err)
		}
		os.Remove(out)
	}
	el := time.Since(start) / time.Duration(b.N)
	b.StopTimer()
	close(stop)
	m := res.Manifest
	b.ReportMetric(float64(users)/el.Seconds(), "users/s")
	b.ReportMetric(float64(m.Requests), "requests/op")
	b.ReportMetric(float64(m.Throttled)/float64(max(m.Requests, 1))*100, "%throttled")
	b.ReportMetric(float64(peakHeap)/(1<<20), "MB-peak-heap")
	if !rate.Off() {
		floor := time.Duration(float64(m.Requests-1) / float64(rate.N) * float64(rate.Per))
		b.ReportMetric(floor.Seconds(), "s-floor")
		b.ReportMetric(el.Seconds()/floor.Seconds(), "x-floor")
	}
}
