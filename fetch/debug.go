package fetch

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Redacted replaces every secret value in --debug output.
const Redacted = "[redacted]"

// secretFields are form fields, JSON members and query parameters whose
// values are never logged: credentials and the tokens they buy.
var secretFields = []string{
	"access_token", "refresh_token", "id_token", "client_secret", "client_assertion",
	"assertion", "password", "code", "device_code", "sig", "token", "value",
}

func isSecretField(name string) bool { return slices.Contains(secretFields, strings.ToLower(name)) }

// NewDebugClient returns an HTTP client that sends its requests through c
// (nil: a client with http.DefaultTransport) and writes one line per request
// to w: method, URL, status, duration and request id. Token requests (form
// posts) also show their form fields, and their answers their JSON members,
// with every credential and token replaced by Redacted; Authorization
// headers are never written, only their scheme. Use it for both the Graph
// requests (Options.HTTPClient) and the credential's
// (CredentialOptions.Transport).
func NewDebugClient(c *http.Client, w io.Writer) *http.Client {
	var out http.Client
	if c != nil {
		out = *c
	}
	next := out.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	out.Transport = &debugTransport{next: next, w: w}
	return &out
}

type debugTransport struct {
	next http.RoundTripper
	mu   sync.Mutex
	w    io.Writer
}

// maxDebugBody bounds the bodies read for the log.
const maxDebugBody = 64 << 10

func (d *debugTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "authgate: debug: %s %s", req.Method, redactURL(req.URL))
	if a := req.Header.Get("Authorization"); a != "" {
		scheme, _, _ := strings.Cut(a, " ")
		fmt.Fprintf(&b, " [Authorization: %s %s]", scheme, Redacted)
	}
	form := isForm(req.Header.Get("Content-Type"))
	if form && req.Body != nil && req.ContentLength >= 0 && req.ContentLength <= maxDebugBody {
		body, err := io.ReadAll(req.Body)
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
		if err == nil {
			if vals, err := url.ParseQuery(string(body)); err == nil {
				fmt.Fprintf(&b, " {%s}", redactValues(vals))
			}
		}
	}
	start := time.Now()
	resp, err := d.next.RoundTrip(req)
	dur := time.Since(start).Milliseconds()
	if err != nil {
		fmt.Fprintf(&b, " → error after %dms: %s", dur, redactText(err.Error()))
		d.write(b.String())
		return resp, err
	}
	fmt.Fprintf(&b, " → %d (%dms", resp.StatusCode, dur)
	for _, h := range []string{"request-id", "x-ms-request-id", "client-request-id", "x-github-request-id"} {
		if id := resp.Header.Get(h); id != "" {
			fmt.Fprintf(&b, ", %s %s", h, id)
			break
		}
	}
	b.WriteString(")")
	if form && isJSON(resp.Header.Get("Content-Type")) && resp.ContentLength <= maxDebugBody {
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxDebugBody+1))
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if rerr == nil {
			if s := redactJSON(body); s != "" {
				fmt.Fprintf(&b, " {%s}", s)
			}
		}
	}
	d.write(b.String())
	return resp, nil
}

func (d *debugTransport) write(line string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	fmt.Fprintln(d.w, strings.ReplaceAll(line, "\n", " "))
}

func isForm(ct string) bool {
	mt, _, _ := mime.ParseMediaType(ct)
	return mt == "application/x-www-form-urlencoded"
}

func isJSON(ct string) bool {
	mt, _, _ := mime.ParseMediaType(ct)
	return mt == "application/json"
}

// redactURL returns u with the values of secret query parameters redacted.
func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	if c.RawQuery != "" {
		q, err := url.ParseQuery(c.RawQuery)
		if err != nil {
			c.RawQuery = Redacted
		} else {
			changed := false
			for k := range q {
				if isSecretField(k) {
					q[k] = []string{Redacted}
					changed = true
				}
			}
			if changed {
				c.RawQuery = q.Encode()
			}
		}
	}
	return c.String()
}

// redactValues renders form values sorted by name, secrets redacted.
func redactValues(vals url.Values) string {
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		v := strings.Join(vals[k], ",")
		if isSecretField(k) {
			v = Redacted
		}
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, " ")
}

// redactJSON renders the top-level members of a JSON object, secrets
// redacted and long values cut; "" if body is not an object.
func redactJSON(body []byte) string {
	var m map[string]jsontext.Value
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		v := string(m[k])
		if isSecretField(k) {
			v = Redacted
		} else if len(v) > 200 {
			v = v[:200] + "…"
		}
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, " ")
}

// redactText redacts the value after every secret parameter name in an
// error message that quotes a URL.
func redactText(s string) string {
	for _, f := range secretFields {
		for from := 0; ; {
			i := strings.Index(s[from:], f+"=")
			if i < 0 {
				break
			}
			j := from + i + len(f) + 1
			k := j
			for k < len(s) && !strings.ContainsRune("&\" \n", rune(s[k])) {
				k++
			}
			s = s[:j] + Redacted + s[k:]
			from = j + len(Redacted)
		}
	}
	return s
}
