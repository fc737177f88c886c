package fetch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/go-json-experiment/json"
)

// origin is the scheme, host and port of the Graph endpoint.
type origin struct{ scheme, host, port string }

func newOrigin(graphURL string) (*origin, error) {
	u, err := url.Parse(graphURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("graph URL %q is not an absolute URL", graphURL)
	}
	return &origin{strings.ToLower(u.Scheme), strings.ToLower(u.Hostname()), effectivePort(u)}, nil
}

func effectivePort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

// check returns an error wrapping ErrPaging unless link has the origin's
// scheme, host and port.
func (o *origin) check(link string) error {
	u, err := url.Parse(link)
	if err != nil {
		return pagingErrorf("nextLink is not a URL: %v", err)
	}
	if !u.IsAbs() || strings.ToLower(u.Scheme) != o.scheme || strings.ToLower(u.Hostname()) != o.host || effectivePort(u) != o.port {
		return pagingErrorf("refused to follow a nextLink to %s://%s: it is not the Graph endpoint %s://%s (the token is only ever sent to the Graph endpoint)",
			u.Scheme, u.Host, o.scheme, o.hostPort())
	}
	return nil
}

func (o *origin) hostPort() string {
	if (o.scheme == "https" && o.port == "443") || (o.scheme == "http" && o.port == "80") {
		return o.host
	}
	return o.host + ":" + o.port
}

// client sends Graph requests through an azcore pipeline.
type client struct {
	pl     runtime.Pipeline
	origin *origin
	count  *counters
}

// retry settings.
const (
	defaultMaxRetries    = 5
	defaultRetryDelay    = 2 * time.Second
	defaultMaxRetryDelay = 2 * time.Minute
	defaultTryTimeout    = 2 * time.Minute
)

func newClient(o *Options, cred *recordingCredential, c *counters) (*client, error) {
	org, err := newOrigin(o.Cloud.GraphURL)
	if err != nil {
		return nil, err
	}
	var transport policy.Transporter
	if o.HTTPClient != nil {
		hc := *o.HTTPClient
		// Never follow redirects: a redirect could carry the token elsewhere.
		hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		transport = &hc
	} else {
		transport = &http.Client{
			Transport:     http.DefaultTransport,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	retry := policy.RetryOptions{
		MaxRetries:    int32(o.MaxRetries),
		RetryDelay:    o.RetryDelay,
		MaxRetryDelay: o.MaxRetryDelay,
		TryTimeout:    o.TryTimeout,
		StatusCodes:   []int{http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout},
	}
	if retry.MaxRetries == 0 {
		retry.MaxRetries = defaultMaxRetries
	}
	if retry.RetryDelay == 0 {
		retry.RetryDelay = defaultRetryDelay
	}
	if retry.MaxRetryDelay == 0 {
		retry.MaxRetryDelay = defaultMaxRetryDelay
	}
	if retry.TryTimeout == 0 {
		retry.TryTimeout = defaultTryTimeout
	}
	pl := runtime.NewPipeline("authgate", o.Tool, runtime.PipelineOptions{
		PerCall: []policy.Policy{callPolicy(c), originPolicy(org)},
		PerRetry: []policy.Policy{
			pacePolicy(newPacer(o.Rate)),
			runtime.NewBearerTokenPolicy(cred, []string{o.Cloud.Scope()}, nil),
			countPolicy(c),
		},
	}, &policy.ClientOptions{Transport: transport, Retry: retry})
	return &client{pl: pl, origin: org, count: c}, nil
}

// get fetches link and returns the body of a 200 answer. A 401 is retried
// once (the bearer policy drops its token on a 401, so the retry carries a
// fresh one); any other error status is a *GraphError.
func (c *client) get(ctx context.Context, op, link string) ([]byte, error) {
	if err := c.origin.check(link); err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		req, err := runtime.NewRequest(ctx, http.MethodGet, link)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		req.Raw().Header.Set("Accept", "application/json")
		resp, err := c.pl.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			var ce *CredentialError
			if errors.As(err, &ce) || errors.Is(err, ErrPaging) {
				return nil, err
			}
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		body, err := runtime.Payload(resp)
		if err != nil {
			return nil, fmt.Errorf("%s: read answer: %w", op, err)
		}
		if resp.StatusCode == http.StatusOK {
			return body, nil
		}
		if resp.StatusCode == http.StatusUnauthorized && attempt == 0 {
			c.count.calls.Add(-1) // the repeat is a retry, not a new call
			continue
		}
		return nil, graphError(op, resp, body)
	}
}

func graphError(op string, resp *http.Response, body []byte) *GraphError {
	e := &GraphError{Op: op, StatusCode: resp.StatusCode, RequestID: resp.Header.Get("request-id")}
	var eb struct {
		Error struct {
			Code       string `json:"code"`
			Message    string `json:"message"`
			InnerError struct {
				RequestID string `json:"request-id"`
			} `json:"innerError"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &eb) == nil {
		e.Code, e.Message = eb.Error.Code, eb.Error.Message
		if e.RequestID == "" {
			e.RequestID = eb.Error.InnerError.RequestID
		}
	} else if resp.StatusCode != http.StatusOK {
		e.Message = http.StatusText(resp.StatusCode)
	}
	if len(e.Message) > 300 {
		e.Message = e.Message[:300] + "…"
	}
	e.Remedy = remedyFor(resp.StatusCode, e.Code)
	return e
}
