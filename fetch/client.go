package fetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
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
	if len(link) > MaxLinkBytes {
		return pagingErrorf("Graph returned a nextLink of %s, more than the %s a link may have", byteSize(int64(len(link))), byteSize(MaxLinkBytes))
	}
	u, err := url.Parse(link)
	if err != nil {
		return pagingErrorf("nextLink %s is not a URL: %v", quoteLink(link), err)
	}
	if !u.IsAbs() || u.Host == "" {
		return pagingErrorf("Graph returned a relative nextLink %s: authgate follows only absolute links to the Graph endpoint %s://%s", quoteLink(link), o.scheme, o.hostPort())
	}
	if strings.ToLower(u.Scheme) != o.scheme || strings.ToLower(u.Hostname()) != o.host || effectivePort(u) != o.port {
		return pagingErrorf("refused to follow a nextLink to %s://%s: it is not the Graph endpoint %s://%s (the token is only ever sent to the Graph endpoint)",
			u.Scheme, u.Host, o.scheme, o.hostPort())
	}
	return nil
}

// quoteLink quotes a link for a message, shortened when long.
func quoteLink(link string) string {
	if len(link) > 200 {
		link = link[:200] + "…"
	}
	return fmt.Sprintf("%q", link)
}

func (o *origin) hostPort() string {
	if (o.scheme == "https" && o.port == "443") || (o.scheme == "http" && o.port == "80") {
		return o.host
	}
	return o.host + ":" + o.port
}

// client sends Graph requests through an azcore pipeline.
type client struct {
	pl      runtime.Pipeline
	origin  *origin
	count   *counters
	maxWait time.Duration // the longest Retry-After the retry policy honours
}

// retry settings.
const (
	defaultMaxRetries    = 5
	defaultRetryDelay    = 2 * time.Second
	defaultMaxRetryDelay = 2 * time.Minute
	defaultTryTimeout    = 2 * time.Minute
)

func newClient(o *Options, cred *recordingCredential, c *counters, notify func(string)) (*client, error) {
	org, err := newOrigin(o.Cloud.GraphURL)
	if err != nil {
		return nil, err
	}
	// Never follow redirects: a redirect could carry the token elsewhere.
	var transport policy.Transporter
	if o.HTTPClient != nil {
		transport = noRedirects(o.HTTPClient)
	} else {
		transport = noRedirects(nil)
	}
	transport = &guard{next: transport, limit: o.MaxPageBytes, header: o.HeaderTimeout, idle: o.IdleTimeout, notify: notify}
	retry := policy.RetryOptions{
		MaxRetries:    int32(o.MaxRetries),
		RetryDelay:    o.RetryDelay,
		MaxRetryDelay: o.MaxRetryDelay,
		TryTimeout:    o.TryTimeout,
		StatusCodes:   []int{http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout},
	}
	pl := runtime.NewPipeline("authgate", o.Tool, runtime.PipelineOptions{
		PerCall: []policy.Policy{callPolicy(c), originPolicy(org)},
		PerRetry: []policy.Policy{
			pacePolicy(newPacer(o.Rate)),
			runtime.NewBearerTokenPolicy(cred, []string{o.Cloud.Scope()}, nil),
			countPolicy(c),
			downloadPolicy(),
		},
	}, &policy.ClientOptions{Transport: transport, Retry: retry})
	return &client{pl: pl, origin: org, count: c, maxWait: o.MaxRetryDelay}, nil
}

// setDefaults fills the zero limits and retry settings of o.
func setDefaults(o *Options) {
	if o.MaxRetries == 0 {
		o.MaxRetries = defaultMaxRetries
	}
	if o.RetryDelay == 0 {
		o.RetryDelay = defaultRetryDelay
	}
	if o.MaxRetryDelay == 0 {
		o.MaxRetryDelay = defaultMaxRetryDelay
	}
	if o.TryTimeout == 0 {
		o.TryTimeout = defaultTryTimeout
	}
	if o.MaxPageBytes <= 0 {
		o.MaxPageBytes = DefaultMaxPageBytes
	}
	if o.HeaderTimeout <= 0 {
		o.HeaderTimeout = DefaultHeaderTimeout
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
}

// get fetches link and returns the body of a 200 answer. A 401 is retried
// once (the bearer policy drops its token on a 401, so the retry carries a
// fresh one); any other error status is a *GraphError, and so is a 200
// whose body is Graph's error object. A 200 that is not JSON (a proxy's
// sign-in page) wraps ErrAnswer; what names the answer in that message
// ("page 3 of userRegistrationDetails").
func (c *client) get(ctx context.Context, op, what, link string) ([]byte, error) {
	if err := c.origin.check(link); err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		var body []byte
		req, err := runtime.NewRequest(context.WithValue(ctx, bodyKey{}, &body), http.MethodGet, link)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		req.Raw().Header.Set("Accept", "application/json")
		runtime.SkipBodyDownload(req) // downloadPolicy reads it, bounded
		resp, err := c.pl.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			var ce *CredentialError
			if errors.As(err, &ce) || errors.Is(err, ErrPaging) {
				return nil, err
			}
			if errors.Is(err, ErrTooLarge) {
				return nil, fmt.Errorf("%w: %s: %w", ErrAnswer, what, err)
			}
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		if resp.StatusCode == http.StatusOK {
			if err := notJSON(what, resp, body); err != nil {
				return nil, err
			}
			if errorBody(body) {
				return nil, graphError(op, resp, body, c.maxWait)
			}
			return body, nil
		}
		if resp.StatusCode == http.StatusUnauthorized && attempt == 0 {
			c.count.calls.Add(-1) // the repeat is a retry, not a new call
			continue
		}
		return nil, graphError(op, resp, body, c.maxWait)
	}
}

// notJSON returns an error wrapping ErrAnswer when a 200 answer is not
// JSON, naming its content type; an HTML page is most often a proxy's or
// captive portal's sign-in form answering in Graph's place.
func notJSON(what string, resp *http.Response, body []byte) error {
	ct := resp.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	isJSON := mt == "application/json" || strings.HasSuffix(mt, "+json")
	head := bytes.TrimLeft(body, " \t\r\n")
	html := mt == "text/html" || bytes.HasPrefix(head, []byte("<"))
	if isJSON && !html {
		return nil
	}
	if ct == "" && !html {
		return nil // no content type: let the JSON reader judge the body
	}
	if ct == "" {
		ct = "none"
	}
	hint := ""
	if html {
		hint = "; an HTML page where Graph's JSON should be is usually a proxy or captive portal's sign-in page: check HTTPS_PROXY and that this runner reaches Graph directly"
	}
	return fmt.Errorf("%w: %s: Graph's answer is not JSON (Content-Type %q)%s", ErrAnswer, what, printable(ct, 100), hint)
}

// printable shortens s to max bytes and escapes what a hostile server could
// put in a message (newlines, terminal escapes, invalid UTF-8), so that the
// error stays one honest line.
func printable(s string, max int) string {
	cut := len(s) > max
	if cut {
		s = s[:max]
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) {
		q := strconv.QuoteToGraphic(s)
		s = q[1 : len(q)-1]
	}
	if cut {
		s += "…"
	}
	return s
}

// errorBody reports whether body is a JSON object whose first member is
// "error": Graph's error object, even under a 200.
func errorBody(body []byte) bool {
	d := jsontext.NewDecoder(bytes.NewReader(body))
	if tok, err := d.ReadToken(); err != nil || tok.Kind() != '{' {
		return false
	}
	tok, err := d.ReadToken()
	return err == nil && tok.Kind() == '"' && tok.String() == "error"
}

func graphError(op string, resp *http.Response, body []byte, maxWait time.Duration) *GraphError {
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
	e.Code, e.Message, e.RequestID = printable(e.Code, 100), printable(e.Message, 300), printable(e.RequestID, 100)
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		if d := retryAfter(resp.Header.Get("Retry-After"), time.Now()); d > maxWait {
			e.RetryAfter, e.MaxWait = d, maxWait
		}
	}
	e.Remedy = remedyFor(resp.StatusCode, e.Code)
	return e
}

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(min(n, int64(365*24*3600))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return t.Sub(now)
	}
	return 0
}
