package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/errline"
	"github.com/authgate/authgate/internal/tenantgen"

	"github.com/authgate/authgate/fetch"
	"github.com/authgate/authgate/gate"
	"github.com/authgate/authgate/internal/graphfake"
	"github.com/authgate/authgate/internal/testcert"
)

// Known secrets, recognisable in any output.
const (
	secretsClientSecret  = "KNOWN-client-secret-7f3a9c-do-not-print"
	secretsCertPassword  = "KNOWN-cert-password-unused"
	secretsRequestToken  = "KNOWN-github-request-token-41d2"
	secretsFederatedTail = "S05PV04tZmVkZXJhdGVkLXNpZ25hdHVyZQ"
	secretsClientID      = "cccccccc-1111-4222-8333-444444444444"
)

// jwtLike matches anything shaped like a JWT (a bearer token, a client
// assertion, a federated token), whoever issued it.
var jwtLike = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.`)

// tokenTap records every bearer token sent and every token issued on the
// emulator's connections: the emulator's tokens become known strings.
type tokenTap struct {
	next http.RoundTripper
	mu   sync.Mutex
	seen map[string]bool
}

func (tp *tokenTap) RoundTrip(req *http.Request) (*http.Response, error) {
	if a := req.Header.Get("Authorization"); a != "" {
		_, tok, _ := strings.Cut(a, " ")
		tp.add(tok)
	}
	resp, err := tp.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var tok struct {
		AccessToken string `json:"access_token"`
		Value       string `json:"value"`
	}
	if json.Unmarshal(body, &tok) == nil {
		tp.add(tok.AccessToken)
		tp.add(tok.Value)
	}
	return resp, nil
}

func (tp *tokenTap) add(tok string) {
	if len(tok) < 16 {
		return
	}
	tp.mu.Lock()
	defer tp.mu.Unlock()
	tp.seen[tok] = true
}

func (tp *tokenTap) tokens() []string {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	out := make([]string, 0, len(tp.seen))
	for t := range tp.seen {
		out = append(out, t)
	}
	return out
}

// writeSecretsCertificate writes a PEM certificate and key and returns the
// certificate, the path and the key's PEM body and base64 DER.
func writeSecretsCertificate(t *testing.T, dir string) (*x509.Certificate, string, []string) {
	t.Helper()
	c := testcert.New(t, "authgate secrets test")
	key, kder, keyPEM := c.Key, c.KeyDER, c.KeyPEM()
	path := filepath.Join(dir, "app-cert.pem")
	c.WritePEM(t, path)
	lines := strings.Split(strings.TrimSpace(string(keyPEM)), "\n")
	b64 := base64.StdEncoding.EncodeToString(kder)
	// The key as one base64 string, its PEM lines, and its DER's modulus in
	// base64url (as a JWK would carry it).
	secrets := []string{b64, base64.RawURLEncoding.EncodeToString(key.D.Bytes())[:32]}
	secrets = append(secrets, lines[1:len(lines)-2]...) // full 64-character lines
	return c.Cert, path, secrets
}

// TestSecretsNeverLeak runs every command with a known client secret, a
// certificate and a GitHub request token in the environment, and looks for
// them, the key and every token the emulator issued in everything authgate
// wrote: stdout, stderr (with --debug too) and every file.
func TestSecretsNeverLeak(t *testing.T) {
	work := t.TempDir()
	secretsDir := t.TempDir() // the certificate lives outside the folder searched
	cert, certPath, keySecrets := writeSecretsCertificate(t, secretsDir)
	federated := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmF1dGhnYXRlL2F1dGhnYXRlIn0." + secretsFederatedTail
	s, err := graphfake.New(graphfake.Options{
		Tenant:   tenantgen.Tenant{Seed: 11, Users: 1200, Now: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)},
		ClientID: secretsClientID, ClientSecret: secretsClientSecret, Certificate: cert, FederatedToken: federated, Rate: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	gh := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "bearer "+secretsRequestToken {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"value": federated})
	}))
	defer gh.Close()
	pool := s.CertPool().Clone()
	pool.AddCert(gh.Certificate())
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig.RootCAs = pool
	tap := &tokenTap{next: tr, seen: map[string]bool{}}
	client := &http.Client{Transport: tap}

	env := map[string]string{
		"AZURE_TENANT_ID":                   s.TenantID(),
		"AZURE_CLIENT_ID":                   secretsClientID,
		"AZURE_CLIENT_SECRET":               secretsClientSecret,
		"AZURE_CLIENT_CERTIFICATE_PATH":     certPath,
		"AZURE_CLIENT_CERTIFICATE_PASSWORD": secretsCertPassword,
		"ACTIONS_ID_TOKEN_REQUEST_URL":      gh.URL + "/idtoken?api-version=2.0",
		"ACTIONS_ID_TOKEN_REQUEST_TOKEN":    secretsRequestToken,
	}
	for k, v := range env { // for the commands run through run(), as a user's shell would have them
		t.Setenv(k, v)
	}
	// AZURE_CLIENT_CERTIFICATE_PASSWORD would be tried on the PEM: keep it
	// for the commands that do not sign in.
	lookup := func(k string) (string, bool) {
		if k == "AZURE_CLIENT_CERTIFICATE_PASSWORD" {
			return "", false
		}
		v, ok := env[k]
		return v, ok
	}

	var outputs bytes.Buffer
	record := func(name string, code int, stdout, stderr string) {
		t.Logf("%s: exit %d", name, code)
		outputs.WriteString(stdout)
		outputs.WriteString(stderr)
	}
	graph := []string{"--graph-url", s.GraphURL(), "--authority-host", s.AuthorityHost(), "--rate", "off"}
	allOutputs := func(dir string) []string {
		return []string{"-o", filepath.Join(dir, "report.txt"), "--output", "sarif=" + filepath.Join(dir, "report.sarif"),
			"--output", "junit=" + filepath.Join(dir, "junit.xml"), "--output", "json=" + filepath.Join(dir, "full.json"),
			"--output", "markdown=" + filepath.Join(dir, "summary.md"), "--output", "html=" + filepath.Join(dir, "report.html"),
			"--output", "github=" + filepath.Join(dir, "annotations.txt")}
	}
	// fetch and run need the emulator's TLS client: they run as run() does,
	// with the same flag sets.
	inProcess := []struct {
		name string
		cmd  string
		args []string
		want int
	}{
		{"fetch client-secret", "fetch", []string{"--auth", "client-secret", "-o", filepath.Join(work, "secret.json")}, exitOK},
		{"fetch client-secret --debug", "fetch", []string{"--auth", "client-secret", "--debug", "-o", filepath.Join(work, "secret-debug.json")}, exitOK},
		{"fetch client-certificate --debug", "fetch", []string{"--auth", "client-certificate", "--client-certificate", certPath, "--debug", "-o", filepath.Join(work, "cert.json")}, exitOK},
		{"fetch github-oidc --debug", "fetch", []string{"--auth", "github-oidc", "--debug", "-o", filepath.Join(work, "gh.json")}, exitOK},
		{"fetch auto --debug", "fetch", []string{"--auth", "auto", "--debug", "-o", filepath.Join(work, "auto.json")}, exitOK},
		{"fetch wrong client id", "fetch", []string{"--auth", "client-secret", "--client-id", "someone-else", "--debug", "-o", filepath.Join(work, "wrong.json")}, exitAuth},
		{"run client-secret --debug", "run", append([]string{"--auth", "client-secret", "--debug", "--snapshot-out", filepath.Join(work, "run", "snap.json")}, allOutputs(filepath.Join(work, "run"))...), exitViolations},
		{"run github-oidc", "run", append([]string{"--auth", "github-oidc", "--snapshot-out", filepath.Join(work, "run-gh", "snap.json")}, allOutputs(filepath.Join(work, "run-gh"))...), exitViolations},
	}
	for _, c := range inProcess {
		if err := os.MkdirAll(filepath.Join(work, "run"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(work, "run-gh"), 0o700); err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		var o fetchOptions
		var co gate.Options
		fs := newFlagSet(c.cmd, c.cmd, &stdout)
		if c.cmd == "fetch" {
			fs.StringVarP(&o.out, "output-file", "o", "", "")
			addFetchFlags(fs, &o)
		} else {
			addRunFlags(fs, &o, &co)
		}
		err := parseFlags(fs, append(append([]string{}, graph...), c.args...))
		if err == nil {
			env := fetchEnv{httpClient: client, lookupEnv: lookup,
				tune: func(fo *fetch.Options) { fo.RetryDelay, fo.TryTimeout = 10*time.Millisecond, 5*time.Second }}
			if c.cmd == "fetch" {
				_, err = runFetch(context.Background(), &o, env, &stderr)
			} else {
				err = fetchThenCheck(context.Background(), &o, env, co, &stdout, &stderr)
			}
		}
		if err != nil && exitCode(err) != exitViolations {
			stderr.WriteString("authgate: " + errline.Line(err.Error()) + "\n")
		}
		if got := exitCode(err); got != c.want {
			t.Errorf("%s: exit %d, want %d: %v\n%s", c.name, got, c.want, err, stderr.String())
		}
		if strings.Contains(c.name, "--debug") && !strings.Contains(stderr.String(), "authgate: debug: GET") {
			t.Errorf("%s: no debug lines:\n%s", c.name, stderr.String())
		}
		record(c.name, exitCode(err), stdout.String(), stderr.String())
	}

	// The other commands, through run() with the secrets in the environment.
	snap := filepath.Join(work, "secret.json")
	checkDir := filepath.Join(work, "check")
	if err := os.MkdirAll(checkDir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		append([]string{"check", "--snapshot", snap}, allOutputs(checkDir)...),
		{"check", "--snapshot", snap, "--format", "json"},
		{"check", "--snapshot", snap, "--format", "sarif"},
		{"policy", "list"},
		{"policy", "doc"},
		{"policy", "test", filepath.Join(repoRoot, "testdata", "policies", "acme")},
		{"version"},
		{"demo", "--users", "300", "--out", filepath.Join(work, "demo")},
	} {
		var stdout, stderr bytes.Buffer
		code := run(args, &stdout, &stderr)
		if code != exitOK && code != exitViolations {
			t.Errorf("%s: exit %d:\n%s", strings.Join(args, " "), code, stderr.String())
		}
		record(strings.Join(args[:min(2, len(args))], " "), code, stdout.String(), stderr.String())
	}

	tokens := tap.tokens()
	if len(tokens) < 3 {
		t.Fatalf("the tap saw %d tokens, want the bearer tokens of several sign-ins", len(tokens))
	}
	secrets := map[string]string{
		"the client secret":        secretsClientSecret,
		"the certificate password": secretsCertPassword,
		"the GitHub request token": secretsRequestToken,
		"the federated token":      secretsFederatedTail,
	}
	for i, k := range keySecrets {
		secrets["the private key (part "+itoa(i)+")"] = k
	}
	for i, tok := range tokens {
		secrets["token "+itoa(i)] = tok
	}
	search := func(where string, data []byte) {
		for what, sec := range secrets {
			if bytes.Contains(data, []byte(sec)) {
				t.Errorf("%s holds %s", where, what)
			}
		}
		if m := jwtLike.Find(data); m != nil {
			t.Errorf("%s holds a JWT-like string %.24s…", where, m)
		}
	}
	search("stdout or stderr", outputs.Bytes())
	files := 0
	err = filepath.WalkDir(work, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		search(path, data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 20 {
		t.Errorf("searched %d files, want the snapshots and every report", files)
	}
	t.Logf("searched %d bytes of output and %d files for %d secrets and tokens", outputs.Len(), files, len(secrets))
}
