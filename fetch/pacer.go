package fetch

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Rate is a request budget: N requests per Per. The zero Rate is unlimited.
type Rate struct {
	N   int
	Per time.Duration
}

// DefaultRate is the reports service's documented limit: 5 requests per 10
// seconds per app and tenant.
var DefaultRate = Rate{N: 5, Per: 10 * time.Second}

// Off reports whether r does not limit anything.
func (r Rate) Off() bool { return r.N <= 0 || r.Per <= 0 }

func (r Rate) String() string {
	if r.Off() {
		return "off"
	}
	return fmt.Sprintf("%d/%s", r.N, r.Per)
}

// ParseRate parses N/DURATION ("5/10s", "50/1s", "50/s", "300/m"); "0" and
// "off" disable pacing.
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	if s == "0" || strings.EqualFold(s, "off") {
		return Rate{}, nil
	}
	n, d, ok := strings.Cut(s, "/")
	if !ok {
		return Rate{}, fmt.Errorf("rate %q: want N/DURATION such as 5/10s, or off", s)
	}
	count, err := strconv.Atoi(n)
	if err != nil || count < 0 {
		return Rate{}, fmt.Errorf("rate %q: %q is not a whole number of requests", s, n)
	}
	if d != "" && (d[0] < '0' || d[0] > '9') {
		d = "1" + d
	}
	per, err := time.ParseDuration(d)
	if err != nil || per <= 0 {
		return Rate{}, fmt.Errorf("rate %q: %q is not a positive duration such as 10s", s, d)
	}
	if count == 0 {
		return Rate{}, nil
	}
	return Rate{N: count, Per: per}, nil
}

// pacer spaces requests evenly, one every Per/N (plus a 1% margin for clock
// and network jitter), so that a server enforcing N per Per with a sliding
// window or a token bucket of any size never sees the client exceed it.
// Callers reserve their slot under the lock and sleep outside it, so
// concurrent callers are served in order.
type pacer struct {
	interval time.Duration
	mu       sync.Mutex
	next     time.Time
}

func newPacer(r Rate) *pacer {
	if r.Off() {
		return nil
	}
	iv := r.Per / time.Duration(r.N)
	return &pacer{interval: iv + iv/100}
}

func (p *pacer) wait(ctx context.Context) error {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	now := time.Now()
	at := p.next
	if at.Before(now) {
		at = now
	}
	p.next = at.Add(p.interval)
	p.mu.Unlock()
	d := time.Until(at)
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// counters are the request statistics the manifest records.
type counters struct {
	calls     atomic.Int64 // logical calls (before retries)
	requests  atomic.Int64 // requests sent, retries included
	throttled atomic.Int64 // 429 answers
}

func (c *counters) retries() int64 { return max(0, c.requests.Load()-c.calls.Load()) }

type policyFunc func(*policy.Request) (*http.Response, error)

func (f policyFunc) Do(r *policy.Request) (*http.Response, error) { return f(r) }

// callPolicy counts logical calls; it runs once per call, before retries.
func callPolicy(c *counters) policy.Policy {
	return policyFunc(func(r *policy.Request) (*http.Response, error) {
		c.calls.Add(1)
		return r.Next()
	})
}

// originPolicy refuses, before the bearer-token policy runs, any request
// whose scheme, host or port is not the Graph endpoint's: the token never
// leaves for another origin, whatever a nextLink says.
func originPolicy(g *origin) policy.Policy {
	return policyFunc(func(r *policy.Request) (*http.Response, error) {
		if err := g.check(r.Raw().URL.String()); err != nil {
			return nil, nonRetriable{err}
		}
		return r.Next()
	})
}

// pacePolicy waits for the pacer before every attempt, retries included.
func pacePolicy(p *pacer) policy.Policy {
	return policyFunc(func(r *policy.Request) (*http.Response, error) {
		if err := p.wait(r.Raw().Context()); err != nil {
			return nil, err
		}
		return r.Next()
	})
}

// countPolicy counts the requests sent and the 429 answers; it sits after the
// bearer-token policy, next to the transport.
func countPolicy(c *counters) policy.Policy {
	return policyFunc(func(r *policy.Request) (*http.Response, error) {
		c.requests.Add(1)
		resp, err := r.Next()
		if err == nil && resp.StatusCode == http.StatusTooManyRequests {
			c.throttled.Add(1)
		}
		return resp, err
	})
}

// nonRetriable marks an error that azcore's retry policy must not retry.
type nonRetriable struct{ error }

func (e nonRetriable) NonRetriable() {}
func (e nonRetriable) Unwrap() error { return e.error }
