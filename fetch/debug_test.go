package fetch_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/go-json-experiment/json"

	"github.com/authgate/authgate/fetch"
	"github.com/authgate/authgate/internal/graphfake"
)

// tokenRecorder is a test hook between the debug client and the network: it
// records every bearer token sent and every access token issued, so that
// the test can look for them in the log.
type tokenRecorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	seen map[string]bool
}

func (r *tokenRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if a := req.Header.Get("Authorization"); a != "" {
		r.add(strings.TrimPrefix(strings.TrimPrefix(a, "Bearer "), "bearer "))
	}
	resp, err := r.next.RoundTrip(req)
	if err != nil || !strings.Contains(req.URL.Path, "/token") {
		return resp, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if json.Unmarshal(body, &tok) == nil && tok.AccessToken != "" {
		r.add(tok.AccessToken)
	}
	return resp, nil
}

func (r *tokenRecorder) add(tok string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	r.seen[tok] = true
}

func (r *tokenRecorder) tokens() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for t := range r.seen {
		out = append(out, t)
	}
	return out
}

// TestDebugLog fetches with --debug's client for the Graph and the token
// requests: one line per request with method, URL, status, duration and
// request id; the client secret or certificate assertion, the bearer tokens
// and the access tokens never appear.
func TestDebugLog(t *testing.T) {
	cert, certPath := writeCertificate(t)
	for _, mode := range []string{fetch.AuthClientSecret, fetch.AuthClientCertificate} {
		t.Run(mode, func(t *testing.T) {
			opts := graphfake.Options{}
			if mode == fetch.AuthClientCertificate {
				opts.Certificate = cert
			}
			s := newServer(t, 1200, opts)
			rec := &tokenRecorder{next: s.Client().Transport}
			var log bytes.Buffer
			client := fetch.NewDebugClient(&http.Client{Transport: rec}, &log)
			co := fetch.CredentialOptions{Mode: mode, TenantID: s.TenantID(), ClientID: testClientID,
				Cloud: emulatorCloud(t, s), Transport: client}
			if mode == fetch.AuthClientSecret {
				co.ClientSecret = testSecret
			} else {
				co.CertificatePath = certPath
			}
			o := baseOptions(t, s, mustCredential(t, co))
			o.HTTPClient = client
			if _, err := fetch.Fetch(context.Background(), filepath.Join(t.TempDir(), "snap.json"), o); err != nil {
				t.Fatal(err)
			}
			text := log.String()
			lines := strings.Split(strings.TrimSpace(text), "\n")
			st := s.Stats()
			var want int64
			for _, n := range st.Requests {
				want += n
			}
			if int64(len(lines)) != want {
				t.Errorf("%d log lines for %d requests:\n%s", len(lines), want, text)
			}
			page := regexp.MustCompile(`^authgate: debug: GET https://127\.0\.0\.1:\d+/v1\.0/reports/authenticationMethods/userRegistrationDetails\?\$top=999 \[Authorization: Bearer \[redacted\]\] → 200 \(\d+ms, request-id [0-9a-f-]{36}\)$`)
			token := regexp.MustCompile(`^authgate: debug: POST https://127\.0\.0\.1:\d+/[0-9a-f-]+/oauth2/v2\.0/token \{.*client_id=` + testClientID + `.*grant_type=client_credentials.*\} → 200 \(\d+ms.*\) \{access_token=\[redacted\] .*token_type="Bearer"\}$`)
			var pages, tokens int
			for _, l := range lines {
				switch {
				case page.MatchString(l):
					pages++
				case token.MatchString(l):
					tokens++
				}
			}
			if pages != 1 || tokens == 0 {
				t.Errorf("%d first-page lines and %d token lines in:\n%s", pages, tokens, text)
			}
			secrets := append(rec.tokens(), testSecret)
			if mode == fetch.AuthClientCertificate {
				if !strings.Contains(text, "client_assertion="+fetch.Redacted) {
					t.Errorf("no redacted client_assertion in:\n%s", text)
				}
				secrets = append(secrets, base64.StdEncoding.EncodeToString(cert.Raw)[:40])
			} else if !strings.Contains(text, "client_secret="+fetch.Redacted) {
				t.Errorf("no redacted client_secret in:\n%s", text)
			}
			if len(rec.tokens()) == 0 {
				t.Fatalf("recorded %d tokens", len(rec.tokens()))
			}
			for _, sec := range secrets {
				if strings.Contains(text, sec) {
					t.Errorf("the debug log holds a secret (%.12s…)", sec)
				}
			}
		})
	}
}

// TestDebugRedactsURLs: secrets in query strings, form bodies and error
// messages are redacted; the request still carries them.
func TestDebugRedactsURLs(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		got = r.Form.Get("client_secret") + "," + r.Form.Get("code")
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("x-ms-request-id", "rid-1")
		_, _ = io.WriteString(w, `{"access_token":"at-secret","refresh_token":"rt-secret","token_type":"Bearer","error_description":"fine"}`)
	}))
	var log bytes.Buffer
	c := fetch.NewDebugClient(nil, &log)
	form := strings.NewReader("client_secret=s3cret&grant_type=client_credentials")
	resp, err := c.Post(srv.URL+"/token?code=qc0de&x=1", "application/x-www-form-urlencoded", form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if got != "s3cret,qc0de" || !strings.Contains(string(body), "at-secret") {
		t.Errorf("the request or answer was changed: form %q, body %q", got, body)
	}
	srv.Close()
	if _, err := c.Get(srv.URL + "/gone?sig=s1gnature&token=t0ken"); err == nil {
		t.Fatal("a closed server answered")
	}
	text := log.String()
	for _, secret := range []string{"s3cret", "qc0de", "at-secret", "rt-secret", "s1gnature", "t0ken"} {
		if strings.Contains(text, secret) {
			t.Errorf("the log holds %q:\n%s", secret, text)
		}
	}
	for _, want := range []string{"x=1", "grant_type=client_credentials", "→ 200 (", "x-ms-request-id rid-1", `error_description="fine"`, "→ error after"} {
		if !strings.Contains(text, want) {
			t.Errorf("the log lacks %q:\n%s", want, text)
		}
	}
	if n := strings.Count(text, "\n"); n != 2 {
		t.Errorf("%d lines for 2 requests:\n%s", n, text)
	}
}
