package fetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Bounds on what a Graph or token server can make a fetch hold or wait for.
// A hostile or broken endpoint must end the fetch with a message, never
// exhaust the runner's memory or keep it silent for long.
const (
	// DefaultMaxPageBytes caps one response body after decompression: a
	// page of 999 users is about 1 MB, so 64 MiB leaves room for fatter rows
	// while a runner keeps its memory whatever the server sends.
	DefaultMaxPageBytes = 64 << 20
	// DefaultHeaderTimeout is how long a request waits for the status line
	// and headers of the answer.
	DefaultHeaderTimeout = 60 * time.Second
	// DefaultIdleTimeout is how long a body may go without a single byte.
	DefaultIdleTimeout = 60 * time.Second
	// maxTokenBytes caps a token endpoint's answer: a token is a few KB.
	maxTokenBytes = 4 << 20
	// maxErrorBytes caps the body of an answer that is not a success:
	// Graph's error object is a few hundred bytes.
	maxErrorBytes = 1 << 20
	// MaxLinkBytes caps a nextLink: Graph's skip tokens are a few hundred
	// bytes; a longer link is refused as a broken paging chain.
	MaxLinkBytes = 16 << 10
)

// ErrTooLarge is wrapped by the error of a response body larger than the
// cap (Options.MaxPageBytes).
var ErrTooLarge = errors.New("answer too large")

// tooLargeError is a body that passed the cap. It is not retried: the same
// request would send the same body.
type tooLargeError struct {
	limit  int64
	status int // of an error answer, whose cap is maxErrorBytes; 0 for a success
}

func (e *tooLargeError) Error() string {
	if e.status != 0 {
		return fmt.Sprintf("the body of a %d answer is larger than %s after decompression (an error answer is a few hundred bytes)", e.status, byteSize(e.limit))
	}
	return fmt.Sprintf("the answer is larger than %s after decompression (raise --max-page-bytes if Graph really sends pages that large)", byteSize(e.limit))
}
func (e *tooLargeError) Unwrap() error { return ErrTooLarge }
func (e *tooLargeError) NonRetriable() {}

// stallError is a request that waited too long for headers or for the next
// byte of a body. It is retried like any transient network failure.
type stallError struct {
	host    string
	waiting string // "headers" or "the next byte of the body"
	after   time.Duration
}

func (e *stallError) Error() string {
	return fmt.Sprintf("%s sent nothing for %s while authgate waited for %s (a stalled connection or a slow proxy)", e.host, e.after, e.waiting)
}

// Timeout marks the error as a timeout for net.Error-style checks.
func (e *stallError) Timeout() bool { return true }

// guard bounds every request it sends: headers must arrive within header,
// the body must not pause for more than idle, and it may not exceed limit
// bytes after decompression (the transport below decompresses gzip
// transparently, so the count is of what the decoder sees). notify, when
// not nil, hears about stalls as they happen.
type guard struct {
	next   policy.Transporter
	limit  int64
	header time.Duration
	idle   time.Duration
	notify func(string)
}

func (g *guard) Do(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancelCause(req.Context())
	req = req.WithContext(ctx)
	var stall error
	var mu sync.Mutex
	fire := func(err error) {
		mu.Lock()
		if stall == nil {
			stall = err
		}
		mu.Unlock()
		if g.notify != nil {
			g.notify(err.Error() + ": this try is abandoned, and retried while retries remain")
		}
		cancel(err)
	}
	host := req.URL.Host
	ht := time.AfterFunc(g.header, func() { fire(&stallError{host, "headers", g.header}) })
	resp, err := g.next.Do(req)
	ht.Stop()
	if err != nil {
		mu.Lock()
		s := stall
		mu.Unlock()
		cancel(nil)
		if s != nil {
			return nil, s
		}
		return nil, err
	}
	b := &guardedBody{body: resp.Body, limit: g.limit, cancel: cancel}
	if resp.StatusCode >= 300 {
		b.limit, b.status = min(g.limit, maxErrorBytes), resp.StatusCode
	}
	b.timer = time.AfterFunc(g.idle, func() { fire(&stallError{host, "the next byte of the body", g.idle}) })
	b.stall = func() error { mu.Lock(); defer mu.Unlock(); return stall }
	b.idle = g.idle
	resp.Body = b
	return resp, nil
}

// guardedBody enforces the idle deadline and the size cap while the body is
// read, so that neither a trickle nor a decompression bomb is ever held.
type guardedBody struct {
	body   io.ReadCloser
	limit  int64
	status int // see tooLargeError
	n      int64
	idle   time.Duration
	timer  *time.Timer
	cancel context.CancelCauseFunc
	stall  func() error
}

func (b *guardedBody) Read(p []byte) (int, error) {
	if b.n > b.limit {
		return 0, &tooLargeError{b.limit, b.status}
	}
	if rest := b.limit + 1 - b.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := b.body.Read(p)
	b.n += int64(n)
	if err == io.EOF {
		b.timer.Stop() // the body is complete, however late it is closed
	} else if n > 0 {
		b.timer.Reset(b.idle)
	}
	if err != nil {
		// After the deadline, whatever the cut-off connection reports (an
		// error, or an EOF that would pass a truncated body) is the stall.
		if s := b.stall(); s != nil {
			return n, s
		}
	}
	if b.n > b.limit {
		b.timer.Stop()
		return n, &tooLargeError{b.limit, b.status}
	}
	return n, err
}

func (b *guardedBody) Close() error {
	b.timer.Stop()
	err := b.body.Close()
	b.cancel(nil)
	return err
}

// noRedirects returns an *http.Client that sends through t (nil: Go's
// default transport) and never follows a redirect: the 3xx answer is
// returned as it is, so no header, token, secret or assertion is ever
// re-sent to where a redirect points.
func noRedirects(t policy.Transporter) policy.Transporter {
	switch c := t.(type) {
	case nil:
		return &http.Client{Transport: http.DefaultTransport, CheckRedirect: refuseRedirect}
	case *http.Client:
		hc := *c
		hc.CheckRedirect = refuseRedirect
		return &hc
	}
	return t
}

func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// tokenGuard refuses a redirect from the token endpoint with an error that
// names it: a token request carries the client secret or assertion, which
// must go to the authority only.
type tokenGuard struct{ next policy.Transporter }

func (t tokenGuard) Do(req *http.Request) (*http.Response, error) {
	resp, err := t.next.Do(req)
	if err != nil || resp.StatusCode < 300 || resp.StatusCode > 399 {
		return resp, err
	}
	loc := resp.Header.Get("Location")
	resp.Body.Close()
	if len(loc) > 200 {
		loc = loc[:200] + "…"
	}
	return nil, nonRetriable{fmt.Errorf("%s answered %d, a redirect to %q: authgate does not follow redirects from the authority, so the credential is never re-sent elsewhere (check --authority-host and any proxy in between)",
		req.URL.Host, resp.StatusCode, loc)}
}

// byteSize formats n bytes for messages: 64 MiB, 1.5 GiB, 512 bytes.
func byteSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// ParseByteSize parses a size such as 64MiB, 512KiB, 1GiB, 64M or 1048576
// (bytes); K, M and G are binary units too.
func ParseByteSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(strings.ToUpper(t), strings.ToUpper(u.suffix)) {
			t, mult = strings.TrimSpace(t[:len(t)-len(u.suffix)]), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("size %q: want a positive number of bytes such as 64MiB", s)
	}
	return n * mult, nil
}

// bodyKey marks, in a request's context, where downloadPolicy puts the body.
type bodyKey struct{}

// downloadPolicy reads each answer's body (bounded by the guard beneath)
// inside the retry loop, so that a stalled body is retried like any network
// failure, into pieces joined once at the end: a body cut off at the cap
// costs the cap, not a growing buffer's copies. The body lands in the
// *[]byte the request's context holds under bodyKey.
func downloadPolicy() policy.Policy {
	return policyFunc(func(r *policy.Request) (*http.Response, error) {
		resp, err := r.Next()
		if err != nil {
			return resp, err
		}
		holder, _ := r.Raw().Context().Value(bodyKey{}).(*[]byte)
		if holder == nil {
			return resp, nil
		}
		b, err := readPieces(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		*holder = b
		resp.Body = io.NopCloser(bytes.NewReader(b))
		return resp, nil
	})
}

// readPieces reads r to its end in pieces of growing size.
func readPieces(r io.Reader) ([]byte, error) {
	var pieces [][]byte
	total, size := 0, 32<<10
	cur := make([]byte, 0, size)
	for {
		if len(cur) == cap(cur) {
			pieces = append(pieces, cur)
			size = min(size*2, 1<<20)
			cur = make([]byte, 0, size)
		}
		n, err := r.Read(cur[len(cur):cap(cur)])
		cur = cur[:len(cur)+n]
		total += n
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if len(pieces) == 0 {
		return cur, nil
	}
	out := make([]byte, 0, total)
	for _, p := range pieces {
		out = append(out, p...)
	}
	return append(out, cur...), nil
}
