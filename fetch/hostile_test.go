package fetch_test

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgate/authgate/fetch"
	"github.com/authgate/authgate/internal/tenantgen"
)

// These tests play a hostile or broken Graph endpoint on loopback, with the
// real HTTP client and azcore pipeline: what it sends must end the fetch
// with a message naming what happened, never exhaust memory or hang.

const detailsPath = "/v1.0/reports/authenticationMethods/userRegistrationDetails"

// userRow is one valid userRegistrationDetails row, as Graph writes it.
func userRow(i int) string {
	u := tenantgen.GenerateUser(testSeed, i, testNow)
	return string(tenantgen.AppendUser(nil, &u, false))
}

// pageOf is a collection page of rows with an optional nextLink.
func pageOf(next string, rows ...string) string {
	s := `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#reports/authenticationMethods/userRegistrationDetails","value":[` + strings.Join(rows, ",") + `]`
	if next != "" {
		s += `,"@odata.nextLink":"` + next + `"`
	}
	return s + "}"
}

// hostile starts a TLS Graph stand-in whose per-user list is served by h,
// and returns fetch options for it (summaries derived: only the list is
// asked for) with fast retries.
func hostile(t *testing.T, h http.HandlerFunc) (*httptest.Server, fetch.Options) {
	t.Helper()
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	return srv, fetch.Options{
		Credential:    staticCredential("hostile-test-token"),
		AuthMode:      "custom",
		TenantID:      "00000000-0000-0000-0000-000000000001",
		Cloud:         fetch.Cloud{Name: "custom", GraphURL: srv.URL, AuthorityHost: srv.URL + "/"},
		Summaries:     fetch.SummariesDerived,
		HTTPClient:    srv.Client(),
		MaxRetries:    2,
		RetryDelay:    10 * time.Millisecond,
		MaxRetryDelay: 2 * time.Second,
		TryTimeout:    30 * time.Second,
		HeaderTimeout: 2 * time.Second,
		IdleTimeout:   2 * time.Second,
		Tool:          "test",
		Now:           func() time.Time { return testNow },
	}
}

// pages serves the given page bodies in turn: page k is asked for with
// $skiptoken=k (k ≥ 2); the first without.
func pages(t *testing.T, bodies func(base string) []string) http.HandlerFunc {
	var mu sync.Mutex
	var served []string
	return func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if served == nil {
			served = bodies("https://" + r.Host + detailsPath)
		}
		list := served
		mu.Unlock()
		if r.URL.Path != detailsPath {
			http.NotFound(w, r)
			return
		}
		k := 1
		if tok := r.URL.Query().Get("$skiptoken"); tok != "" {
			fmt.Sscan(tok, &k)
		}
		if k < 1 || k > len(list) {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json; odata.metadata=minimal")
		w.Write([]byte(list[k-1]))
	}
}

// peakMemory samples the heap the process holds from the OS until stop is
// called and returns the largest value seen.
func peakMemory() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	sample := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		if v := m.HeapSys - m.HeapReleased + m.StackSys; v > peak.Load() {
			peak.Store(v)
		}
	}
	go func() {
		defer close(finished)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				sample()
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-finished
		sample()
		return peak.Load()
	}
}

// gzipBomb is a gzip stream of head, n times 1 MiB of 'a', then tail,
// produced without compressing the n MiB: with a window full of 'a', every
// sync-flushed MiB compresses to the same bytes, so the stream repeats one
// block. The trailer's CRC is computed as the stream goes.
type gzipBomb struct {
	prefix, block, suffix []byte // deflate bytes
	head, tail            []byte // the plain bytes around the 'a's
	n                     int
}

func newGzipBomb(t *testing.T, head, tail string, mib int) *gzipBomb {
	t.Helper()
	var buf bytes.Buffer
	fw, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte("a"), 1<<20)
	emit := func(p []byte) []byte {
		buf.Reset()
		if p != nil {
			fw.Write(p)
		}
		if err := fw.Flush(); err != nil {
			t.Fatal(err)
		}
		return bytes.Clone(buf.Bytes())
	}
	b := &gzipBomb{head: []byte(head), tail: []byte(tail), n: mib}
	b.prefix = emit([]byte(head))
	b.prefix = append(b.prefix, emit(chunk)...) // fills the window with 'a'
	b.block = emit(chunk)
	if again := emit(chunk); !bytes.Equal(again, b.block) {
		t.Fatal("the compressed MiB is not stable: the bomb cannot be repeated")
	}
	buf.Reset()
	fw.Write([]byte(tail))
	fw.Close()
	b.suffix = bytes.Clone(buf.Bytes())
	return b
}

// size is the length of the whole gzip stream.
func (b *gzipBomb) size() int64 {
	return 10 + int64(len(b.prefix)) + int64(b.n-3)*int64(len(b.block)) + 2*int64(len(b.block)) + int64(len(b.suffix)) + 8
}

// writeTo streams the bomb to w until w fails; it returns the bytes sent.
func (b *gzipBomb) writeTo(w http.ResponseWriter) int64 {
	sent := int64(0)
	put := func(p []byte) bool {
		n, err := w.Write(p)
		sent += int64(n)
		return err == nil
	}
	crc := crc32.NewIEEE()
	a := bytes.Repeat([]byte("a"), 1<<20)
	if !put([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}) || !put(b.prefix) {
		return sent
	}
	crc.Write(b.head)
	crc.Write(a) // the MiB in the prefix
	// The prefix's MiB, the checked block and n-2 more: n MiB in all.
	for i := 1; i < b.n; i++ {
		if !put(b.block) {
			return sent
		}
		crc.Write(a)
	}
	crc.Write(b.tail)
	if !put(b.suffix) {
		return sent
	}
	var tr [8]byte
	binary.LittleEndian.PutUint32(tr[:4], crc.Sum32())
	binary.LittleEndian.PutUint32(tr[4:], uint32((int64(len(b.head))+int64(b.n)<<20+int64(len(b.tail)))&0xffffffff))
	put(tr[:])
	return sent
}

// A 5 MB gzip page that expands to 5 GB, and a 300 MB page, each end the
// fetch (exit 4) naming the page and the limit, with the heap far below
// 256 MB: the cap is enforced while the decompressed body is read.
func TestHostileHugePages(t *testing.T) {
	const limit = 256 << 20
	head := `{"value":[{"id":"00000000-0000-0000-0000-00000000000a","userDisplayName":"`
	tail := `"}]}`
	bomb := newGzipBomb(t, head, tail, 5<<10) // 5 GiB of 'a'
	if s := bomb.size(); s > 6<<20 {
		t.Fatalf("the bomb is %d bytes compressed, want about 5 MB", s)
	}
	tests := []struct {
		name  string
		serve func(w http.ResponseWriter, r *http.Request) int64
	}{
		{"5 MB of gzip expanding to 5 GB", func(w http.ResponseWriter, r *http.Request) int64 {
			if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
				t.Errorf("the client does not ask for gzip (Accept-Encoding %q): the bomb would not be decompressed", r.Header.Get("Accept-Encoding"))
			}
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Encoding", "gzip")
			return bomb.writeTo(w)
		}},
		{"the same bomb as the body of a 503", func(w http.ResponseWriter, r *http.Request) int64 {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Encoding", "gzip")
			w.WriteHeader(http.StatusServiceUnavailable)
			return bomb.writeTo(w)
		}},
		{"300 MB page with 200 MB and 100 MB display names", func(w http.ResponseWriter, r *http.Request) int64 {
			w.Header().Set("Content-Type", "application/json")
			sent := int64(0)
			mib := bytes.Repeat([]byte("b"), 1<<20)
			put := func(p []byte) bool { n, err := w.Write(p); sent += int64(n); return err == nil }
			for k, size := range []int{200, 100} {
				sep := `{"value":[`
				if k > 0 {
					sep = `"},`
				}
				if !put([]byte(sep + `{"id":"00000000-0000-0000-0000-00000000000` + fmt.Sprint(k) + `","userDisplayName":"`)) {
					return sent
				}
				for range size {
					if !put(mib) {
						return sent
					}
				}
			}
			put([]byte(`"}]}`))
			return sent
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sent atomic.Int64
			_, o := hostile(t, func(w http.ResponseWriter, r *http.Request) { sent.Add(tt.serve(w, r)) })
			out := filepath.Join(t.TempDir(), "snap.json")
			debug.FreeOSMemory() // measure this case alone
			stop := peakMemory()
			_, err := fetch.Fetch(context.Background(), out, o)
			peak := stop()
			if err == nil {
				t.Fatal("Fetch accepted the page")
			}
			if exitClass(err) != exitInconclusive || !errors.Is(err, fetch.ErrTooLarge) || !errors.Is(err, fetch.ErrAnswer) {
				t.Errorf("error %v: want an answer too large (exit 4)", err)
			}
			wants := []string{"page 1 of userRegistrationDetails", "larger than 64 MiB after decompression", "--max-page-bytes"}
			if strings.Contains(tt.name, "503") {
				wants = []string{"page 1 of userRegistrationDetails", "the body of a 503 answer is larger than 1 MiB after decompression"}
			}
			for _, want := range wants {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if peak > limit {
				t.Errorf("the heap reached %d MB, want under 256 MB", peak>>20)
			}
			t.Logf("peak heap %d MB; the server sent %d MB before the client stopped", peak>>20, sent.Load()>>20)
			checkOutputDir(t, out, false)
		})
	}
}

// The cap is an option: a smaller one stops a page accordingly, and a page
// under it passes.
func TestMaxPageBytesOption(t *testing.T) {
	_, o := hostile(t, pages(t, func(string) []string { return []string{pageOf("", userRow(0), userRow(1))} }))
	o.MaxPageBytes = 500
	_, err := fetch.Fetch(context.Background(), filepath.Join(t.TempDir(), "a.json"), o)
	if !errors.Is(err, fetch.ErrTooLarge) || !strings.Contains(err.Error(), "larger than 500 bytes") {
		t.Errorf("error %v: want the page refused at 500 bytes", err)
	}
	o.MaxPageBytes = 64 << 10
	if _, err := fetch.Fetch(context.Background(), filepath.Join(t.TempDir(), "b.json"), o); err != nil {
		t.Errorf("a 2-user page under a 64 KiB cap: %v", err)
	}
}

// Rows and fields longer than Entra allows are refused like a wrongly typed
// value: the error names the page, the row and the field, and is never
// called a paging failure.
func TestHostileRows(t *testing.T) {
	long := func(field string, n int) string {
		r := userRow(1)
		i := strings.Index(r, `"`+field+`":"`) + len(field) + 4
		j := i + strings.IndexByte(r[i:], '"')
		return r[:i] + strings.Repeat("x", n) + r[j:]
	}
	tests := []struct {
		name string
		row  string
		want []string // in the message; "" rows pass
	}{
		{"display name at Entra's limit", long("userDisplayName", 256), nil},
		{"display name of 100,000 characters", long("userDisplayName", 100000), []string{"page 1 row 2", "the row is 100531 bytes long, more than the 64 KiB"}},
		{"display name of 5,000 characters", long("userDisplayName", 5000), []string{"page 1 row 2", "userDisplayName is 5000 characters long", "Entra allows 256"}},
		{"display name of 600 characters", long("userDisplayName", 600), []string{"page 1 row 2", "userDisplayName is 600 characters long"}},
		{"UPN of 300 characters", long("userPrincipalName", 300), []string{"page 1 row 2", "userPrincipalName is 300 characters long", "Entra allows 113"}},
		{"row over 64 KiB of unknown properties", strings.Replace(userRow(1), `{`, `{"futureProperty":"`+strings.Repeat("y", 70<<10)+`",`, 1), []string{"page 1 row 2", "more than the 64 KiB"}},
		{"wrongly typed value", strings.Replace(userRow(1), `"isAdmin":`, `"isAdmin":"no","x":`, 1), []string{"page 1 row 2", "isAdmin"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.row == userRow(1) {
				t.Fatal("the test row was not changed")
			}
			_, o := hostile(t, pages(t, func(string) []string { return []string{pageOf("", userRow(0), tt.row)} }))
			out := filepath.Join(t.TempDir(), "snap.json")
			_, err := fetch.Fetch(context.Background(), out, o)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("a row within the limits was refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("the row was accepted")
			}
			if !errors.Is(err, fetch.ErrRow) || errors.Is(err, fetch.ErrPaging) || strings.Contains(err.Error(), "paging failed") || exitClass(err) != exitInconclusive {
				t.Errorf("error %v: want an invalid row (exit 4), not a paging failure", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			checkOutputDir(t, out, false)
		})
	}
}

// A page repeating earlier rows verbatim is kept once and counted; a row
// repeated with other content ends the fetch naming the id and both pages.
func TestDuplicateRows(t *testing.T) {
	t.Run("identical repeats are kept once and counted", func(t *testing.T) {
		_, o := hostile(t, pages(t, func(base string) []string {
			return []string{
				pageOf(base+"?$skiptoken=2", userRow(0), userRow(1)),
				pageOf(base+"?$skiptoken=3", userRow(0), userRow(1), userRow(2)),
				pageOf("", userRow(2), userRow(3), userRow(3)),
			}
		}))
		out := filepath.Join(t.TempDir(), "snap.json")
		res, err := fetch.Fetch(context.Background(), out, o)
		if err != nil {
			t.Fatal(err)
		}
		if res.Manifest.DuplicateRows != 4 || res.Manifest.UserCount != 4 {
			t.Errorf("manifest: %d users, %d duplicate rows; want 4 and 4", res.Manifest.UserCount, res.Manifest.DuplicateRows)
		}
		if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "4 user rows more than once") {
			t.Errorf("warnings %q: want one naming the 4 repeats", res.Warnings)
		}
		ids, info := readSnapshot(t, out)
		want := []string{}
		for i := range 4 {
			u := tenantgen.GenerateUser(testSeed, i, testNow)
			want = append(want, u.ID)
		}
		if strings.Join(ids, ",") != strings.Join(want, ",") {
			t.Errorf("snapshot ids %v, want %v", ids, want)
		}
		if info.Manifest.DuplicateRows != 4 {
			t.Errorf("the written manifest says duplicateRows %d, want 4", info.Manifest.DuplicateRows)
		}
	})
	t.Run("a conflicting repeat ends the fetch", func(t *testing.T) {
		u := tenantgen.GenerateUser(testSeed, 1, testNow)
		changed := strings.Replace(userRow(1), fmt.Sprintf(`"isAdmin":%v`, u.IsAdmin), fmt.Sprintf(`"isAdmin":%v`, !u.IsAdmin), 1)
		_, o := hostile(t, pages(t, func(base string) []string {
			return []string{
				pageOf(base+"?$skiptoken=2", userRow(0), userRow(1)),
				pageOf("", userRow(2), changed),
			}
		}))
		out := filepath.Join(t.TempDir(), "snap.json")
		_, err := fetch.Fetch(context.Background(), out, o)
		if !errors.Is(err, fetch.ErrChanged) || exitClass(err) != exitInconclusive {
			t.Fatalf("error %v: want the report changed (exit 4)", err)
		}
		for _, w := range []string{u.ID, "page 1", "page 2", "fetch again"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not say %q", err, w)
			}
		}
		checkOutputDir(t, out, false)
	})
}

// A page that stalls mid-body is given up after the idle deadline and
// retried; a progress line says what is slow. A server that always stalls
// ends the fetch within the deadlines and retries.
func TestStalledPage(t *testing.T) {
	stall := func(w http.ResponseWriter, r *http.Request, headers bool) {
		if headers {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			w.Write([]byte(`{"value":[`))
			w.(http.Flusher).Flush()
		}
		select {
		case <-r.Context().Done():
		case <-time.After(time.Minute):
		}
	}
	t.Run("recovers", func(t *testing.T) {
		var n atomic.Int64
		good := pages(t, func(string) []string { return []string{pageOf("", userRow(0))} })
		_, o := hostile(t, func(w http.ResponseWriter, r *http.Request) {
			switch n.Add(1) {
			case 1:
				stall(w, r, true)
			case 2:
				stall(w, r, false)
			default:
				good(w, r)
			}
		})
		o.IdleTimeout, o.HeaderTimeout = time.Second, time.Second
		var log bytes.Buffer
		o.ProgressLines = &syncWriter{w: &log}
		start := time.Now()
		res, err := fetch.Fetch(context.Background(), filepath.Join(t.TempDir(), "snap.json"), o)
		if err != nil {
			t.Fatal(err)
		}
		if el := time.Since(start); el > 10*time.Second {
			t.Errorf("took %s to recover from two 1 s stalls", el)
		}
		if res.Manifest.UserCount != 1 || res.Manifest.Retries != 2 {
			t.Errorf("manifest: %d users, %d retries; want 1 and 2", res.Manifest.UserCount, res.Manifest.Retries)
		}
		for _, w := range []string{"authgate: slow (page 1 of userRegistrationDetails)", "sent nothing for 1s while authgate waited for the next byte of the body", "waited for headers", "this try is abandoned, and retried", "userRegistrationDetails complete: 1 pages, 1 users"} {
			if !strings.Contains(log.String(), w) {
				t.Errorf("progress lines %q do not say %q", log.String(), w)
			}
		}
	})
	t.Run("gives up", func(t *testing.T) {
		_, o := hostile(t, func(w http.ResponseWriter, r *http.Request) { stall(w, r, true) })
		o.IdleTimeout, o.MaxRetries = time.Second, 2
		out := filepath.Join(t.TempDir(), "snap.json")
		start := time.Now()
		_, err := fetch.Fetch(context.Background(), out, o)
		if err == nil || !strings.Contains(err.Error(), "sent nothing for 1s") || exitClass(err) != exitInconclusive {
			t.Fatalf("error %v: want the stall named (exit 4)", err)
		}
		if el := time.Since(start); el > 8*time.Second {
			t.Errorf("took %s to give up on 3 tries with a 1 s idle deadline", el)
		}
	})
}

// syncWriter serialises writes from the progress ticker and the fetch.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// Plain progress lines come every interval, with the counts and the pace.
func TestProgressLines(t *testing.T) {
	var n atomic.Int64
	good := pages(t, func(base string) []string {
		return []string{pageOf(base+"?$skiptoken=2", userRow(0)), pageOf("", userRow(1))}
	})
	_, o := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 2 {
			time.Sleep(350 * time.Millisecond) // slower than the interval, not stalled
		}
		good(w, r)
	})
	var log bytes.Buffer
	o.ProgressLines, o.ProgressInterval = &syncWriter{w: &log}, 100*time.Millisecond
	if _, err := fetch.Fetch(context.Background(), filepath.Join(t.TempDir(), "snap.json"), o); err != nil {
		t.Fatal(err)
	}
	s := log.String()
	if c := strings.Count(s, "authgate: fetching page 2 of userRegistrationDetails: 1 pages, 1 users, "); c < 2 {
		t.Errorf("progress lines %q: want at least two periodic lines while page 2 is slow", s)
	}
	for _, w := range []string{"requests, 0 throttled, ", " elapsed", "userRegistrationDetails complete: 2 pages, 2 users"} {
		if !strings.Contains(s, w) {
			t.Errorf("progress lines %q do not say %q", s, w)
		}
	}
}

// Each broken answer gets its own message, naming what Graph sent.
func TestHostileMessages(t *testing.T) {
	long := strings.Repeat("x", 20<<10)
	tests := []struct {
		name   string
		h      http.HandlerFunc
		is     error
		not    error
		want   []string
		resume bool // the partial output is kept for --resume
	}{
		{name: "error object under a 200", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"error":{"code":"UnknownError","message":"The report is being regenerated","innerError":{"request-id":"rid-200"}}}`))
		}, want: []string{"Graph answered 200 UnknownError: The report is being regenerated", "rid-200", "an error object under a 200 status"}},
		{name: "proxy sign-in page", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(`<!DOCTYPE html><html><body><form action="/login">Sign in to continue</form></body></html>`))
		}, is: fetch.ErrAnswer, want: []string{"page 1 of userRegistrationDetails", `not JSON (Content-Type "text/html; charset=utf-8")`, "proxy"}},
		{name: "capped Retry-After", h: func() http.HandlerFunc {
			var n atomic.Int64
			ok := pages(t, func(base string) []string {
				return []string{pageOf(base+"?$skiptoken=2", userRow(0)), pageOf("", userRow(1))}
			})
			return func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) == 1 {
					ok(w, r)
					return
				}
				w.Header().Set("Retry-After", "86400")
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusTooManyRequests)
				w.Write([]byte(`{"error":{"code":"TooManyRequests","message":"Too many requests"}}`))
			}
		}(), resume: true, want: []string{"Graph answered 429 TooManyRequests", "asked to wait 24h0m0s", "not now", "once Graph's wait is over, run again with --resume"}},
		{name: "relative nextLink", h: pages(t, func(string) []string {
			return []string{pageOf(detailsPath+"?$skiptoken=2", userRow(0))}
		}), is: fetch.ErrPaging, want: []string{`relative nextLink "` + detailsPath + `?$skiptoken=2"`}},
		{name: "nextLink over the cap", h: pages(t, func(base string) []string {
			return []string{pageOf(base+"?$skiptoken="+long, userRow(0))}
		}), is: fetch.ErrPaging, want: []string{"nextLink of 20574 bytes, more than the 16 KiB"}},
		{name: "paging loop", h: pages(t, func(base string) []string {
			return []string{pageOf(base+"?$skiptoken=2", userRow(0)), pageOf(base+"?$skiptoken=2", userRow(1))}
		}), is: fetch.ErrPaging, want: []string{"paging failed", "already returned", "loop"}},
		{name: "malformed JSON", h: pages(t, func(string) []string { return []string{`{"value":[` + userRow(0) + `,{"id":`} }),
			is: fetch.ErrAnswer, not: fetch.ErrPaging, want: []string{"page 1 of userRegistrationDetails is not valid JSON"}},
		{name: "wrong envelope", h: pages(t, func(string) []string { return []string{`{"values":[` + userRow(0) + `]}`} }),
			is: fetch.ErrAnswer, not: fetch.ErrPaging, want: []string{"page 1 of userRegistrationDetails is not a Graph collection page: it has no value array"}},
		{name: "bad row", h: pages(t, func(string) []string {
			return []string{pageOf("", userRow(0), strings.Replace(userRow(1), `"isMfaCapable":`, `"isMfaCapable":"maybe","x":`, 1))}
		}), is: fetch.ErrRow, not: fetch.ErrPaging, want: []string{"invalid row: page 1 row 2: ", "isMfaCapable"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, o := hostile(t, tt.h)
			out := filepath.Join(t.TempDir(), "snap.json")
			_, err := fetch.Fetch(context.Background(), out, o)
			if err == nil {
				t.Fatal("Fetch succeeded")
			}
			if exitClass(err) != exitInconclusive {
				t.Errorf("error %v: want exit 4", err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v does not wrap %v", err, tt.is)
			}
			if tt.not != nil && (errors.Is(err, tt.not) || strings.Contains(err.Error(), tt.not.Error())) {
				t.Errorf("error %v is reported as %v", err, tt.not)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), long) {
				t.Error("the error holds the whole 20 KiB link")
			}
			checkOutputDir(t, out, tt.resume)
		})
	}
}

// The token endpoint's 307 is not followed: the listener it points at
// receives nothing, so the client secret never reaches it, and the fetch
// ends as an authentication failure naming the redirect.
func TestTokenRedirectNotFollowed(t *testing.T) {
	var elsewhere atomic.Int64
	other := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		http.Error(w, "should not be here", http.StatusTeapot)
	}))
	defer other.Close()
	var tokenPosts atomic.Int64
	o := withAuthority(t, func(w http.ResponseWriter, r *http.Request) {
		tokenPosts.Add(1)
		http.Redirect(w, r, other.URL+"/steal/token", http.StatusTemporaryRedirect)
	}, fetch.CredentialOptions{}, other)
	_, err := fetch.Fetch(context.Background(), filepath.Join(t.TempDir(), "snap.json"), o)
	if err == nil || exitClass(err) != exitAuth {
		t.Fatalf("error %v: want an authentication failure (exit 3)", err)
	}
	if tokenPosts.Load() == 0 {
		t.Fatal("the token endpoint was never asked: the test proves nothing")
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the redirect target received %d requests", n)
	}
	for _, w := range []string{"answered 307, a redirect to", other.URL + "/steal/token", "does not follow redirects"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
	if strings.Contains(err.Error(), testSecret) {
		t.Error("the error shows the client secret")
	}
}

// Snapshot-level check that a duplicate-free fetch records no duplicateRows.
func TestNoDuplicatesRecordsNothing(t *testing.T) {
	_, o := hostile(t, pages(t, func(string) []string { return []string{pageOf("", userRow(0), userRow(1))} }))
	out := filepath.Join(t.TempDir(), "snap.json")
	if _, err := fetch.Fetch(context.Background(), out, o); err != nil {
		t.Fatal(err)
	}
	_, info := readSnapshot(t, out)
	if info.Manifest.DuplicateRows != 0 {
		t.Errorf("duplicateRows %d, want 0", info.Manifest.DuplicateRows)
	}
}

// After --resume, the users written before the interruption still count:
// a later page repeating one of them is dropped and counted, or, with other
// content, ends the fetch naming the page fetched before the resume.
func TestDuplicateRowsAcrossResume(t *testing.T) {
	for _, conflict := range []bool{false, true} {
		t.Run(fmt.Sprintf("conflict=%v", conflict), func(t *testing.T) {
			u := tenantgen.GenerateUser(testSeed, 1, testNow)
			repeat := userRow(1)
			if conflict {
				repeat = strings.Replace(repeat, fmt.Sprintf(`"isAdmin":%v`, u.IsAdmin), fmt.Sprintf(`"isAdmin":%v`, !u.IsAdmin), 1)
			}
			var down atomic.Bool
			down.Store(true)
			ok := pages(t, func(base string) []string {
				return []string{pageOf(base+"?$skiptoken=2", userRow(0), userRow(1)), pageOf("", repeat, userRow(2))}
			})
			_, o := hostile(t, func(w http.ResponseWriter, r *http.Request) {
				if down.Load() && r.URL.Query().Get("$skiptoken") == "2" {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusServiceUnavailable)
					w.Write([]byte(`{"error":{"code":"serviceNotAvailable","message":"down"}}`))
					return
				}
				ok(w, r)
			})
			o.MaxRetries = 1
			out := filepath.Join(t.TempDir(), "snap.json")
			if _, err := fetch.Fetch(context.Background(), out, o); err == nil || !strings.Contains(err.Error(), "--resume") {
				t.Fatalf("first run: %v, want an interruption kept for --resume", err)
			}
			down.Store(false)
			o.Resume = true
			res, err := fetch.Fetch(context.Background(), out, o)
			if conflict {
				if !errors.Is(err, fetch.ErrChanged) || !strings.Contains(err.Error(), "listed on a page fetched before --resume and again on page 2") {
					t.Fatalf("error %v: want the conflict across the resume named", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !res.Resumed || res.Manifest.UserCount != 3 || res.Manifest.DuplicateRows != 1 {
				t.Errorf("resumed %v, %d users, %d duplicate rows; want a resume, 3 and 1", res.Resumed, res.Manifest.UserCount, res.Manifest.DuplicateRows)
			}
		})
	}
}

// withAuthority returns options for a hostile Graph serving one user and a
// loopback Entra authority whose token endpoint is token, with azidentity's
// real client secret credential (co adds settings); extra servers are
// trusted too.
func withAuthority(t *testing.T, token http.HandlerFunc, co fetch.CredentialOptions, extra ...*httptest.Server) fetch.Options {
	t.Helper()
	authority := newAuthority(t, token)
	graph, o := hostile(t, pages(t, func(string) []string { return []string{pageOf("", userRow(0))} }))
	pool := graph.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs.Clone()
	pool.AddCert(authority.Certificate())
	for _, e := range extra {
		pool.AddCert(e.Certificate())
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig.RootCAs = pool
	client := &http.Client{Transport: tr}
	cloud := fetch.Cloud{Name: "custom", GraphURL: graph.URL, AuthorityHost: authority.URL + "/"}
	co.Mode, co.TenantID, co.ClientID, co.ClientSecret, co.Cloud, co.Transport = fetch.AuthClientSecret, authorityTenant, testClientID, testSecret, cloud, client
	cred, err := fetch.NewCredential(co)
	if err != nil {
		t.Fatal(err)
	}
	o.Credential, o.Cloud, o.HTTPClient, o.AuthMode = cred, cloud, client, fetch.AuthClientSecret
	return o
}

const authorityTenant = "00000000-0000-0000-0000-0000000000aa"

// newAuthority starts a loopback Entra authority for authorityTenant: its
// OpenID configuration, and token as its token endpoint.
func newAuthority(t *testing.T, token http.HandlerFunc) *httptest.Server {
	t.Helper()
	const tenant = authorityTenant
	var authority *httptest.Server
	authority = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		base := authority.URL + "/" + tenant
		switch {
		case strings.HasSuffix(r.URL.Path, "/.well-known/openid-configuration"):
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"token_endpoint":%q,"authorization_endpoint":%q,"issuer":%q,"device_authorization_endpoint":%q,"jwks_uri":%q,"token_endpoint_auth_methods_supported":["client_secret_post"],"response_types_supported":["code"],"subject_types_supported":["pairwise"],"id_token_signing_alg_values_supported":["RS256"],"scopes_supported":["openid"]}`,
				base+"/oauth2/v2.0/token", base+"/oauth2/v2.0/authorize", base+"/v2.0", base+"/oauth2/v2.0/devicecode", base+"/discovery/v2.0/keys")
		case strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/token"):
			token(w, r)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(authority.Close)
	return authority
}

// A token endpoint that never sends its headers is given up after the
// header timeout and asked again, so the fetch recovers in seconds.
func TestStalledTokenRequest(t *testing.T) {
	var posts atomic.Int64
	o := withAuthority(t, func(w http.ResponseWriter, r *http.Request) {
		if posts.Add(1) == 1 {
			io.Copy(io.Discard, r.Body) // so that the server notices the client leave
			select {
			case <-r.Context().Done():
			case <-time.After(time.Minute):
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"token_type":"Bearer","expires_in":3600,"ext_expires_in":3600,"access_token":"a-token-from-the-second-try"}`))
	}, fetch.CredentialOptions{HeaderTimeout: time.Second, IdleTimeout: time.Second})
	var log bytes.Buffer
	o.ProgressLines, o.HeaderTimeout = &syncWriter{w: &log}, time.Second
	start := time.Now()
	res, err := fetch.Fetch(context.Background(), filepath.Join(t.TempDir(), "snap.json"), o)
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Errorf("took %s to recover from a 1 s token stall", el)
	}
	if posts.Load() != 2 || res.Manifest.UserCount != 1 {
		t.Errorf("%d token requests, %d users; want 2 and 1", posts.Load(), res.Manifest.UserCount)
	}
	if !strings.Contains(log.String(), "authgate: slow (page 1 of userRegistrationDetails): no token from the authority after 1s (--auth client-secret): still trying") {
		t.Errorf("progress lines %q do not say the token is slow", log.String())
	}
}

// An authority that never answers ends the fetch as network trouble (exit
// 4, inconclusive), not as a refused credential, naming the stall.
func TestStalledAuthorityGivesUp(t *testing.T) {
	t.Parallel()
	o := withAuthority(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-time.After(time.Minute):
		}
	}, fetch.CredentialOptions{HeaderTimeout: 500 * time.Millisecond})
	start := time.Now()
	_, err := fetch.Fetch(context.Background(), filepath.Join(t.TempDir(), "snap.json"), o)
	t.Logf("after %s: %v", time.Since(start), err)
	if err == nil || exitClass(err) != exitInconclusive || !strings.Contains(err.Error(), "sent nothing for 500ms while authgate waited for headers") {
		t.Errorf("error %v: want the authority's stall, exit 4", err)
	}
}
