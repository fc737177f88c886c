package fetch_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/authgate/authgate/fetch"
	"github.com/authgate/authgate/internal/graphfake"
)

const (
	// ghFederatedToken is the workflow's OIDC token the GitHub token service
	// hands out; the emulator accepts it verbatim as a client assertion.
	ghFederatedToken = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL3Rva2VuLmFjdGlvbnMuZ2l0aHVidXNlcmNvbnRlbnQuY29tIn0.c2lnbmVkLWJ5LWdpdGh1Yg"
	ghRequestToken   = "gh-request-token-6d1f0c"
)

// gitHubTokenService plays GitHub Actions' OIDC token service over TLS: it
// wants the job's request token and Entra's audience, and answers status
// (200: the federated token).
type gitHubTokenService struct {
	*httptest.Server
	requests atomic.Int64
	status   int
}

func newGitHubTokenService(t *testing.T, status int) *gitHubTokenService {
	t.Helper()
	g := &gitHubTokenService{status: status}
	g.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.requests.Add(1)
		switch {
		case r.Header.Get("Authorization") != "bearer "+ghRequestToken:
			http.Error(w, `{"message":"bad request token"}`, http.StatusUnauthorized)
		case r.URL.Query().Get("audience") != fetch.GitHubAudience || r.URL.Query().Get("api-version") != "2.0":
			http.Error(w, `{"message":"bad query"}`, http.StatusBadRequest)
		case g.status != http.StatusOK:
			http.Error(w, `{"message":"no id-token permission"}`, g.status)
		default:
			w.Header().Set("Content-Type", "application/json")
			_ = json.MarshalWrite(w, map[string]any{"count": 2000, "value": ghFederatedToken})
		}
	}))
	t.Cleanup(g.Close)
	return g
}

// bothTLS trusts the emulator and the GitHub token service.
func bothTLS(s *graphfake.Server, g *gitHubTokenService) *http.Client {
	pool := s.CertPool().Clone()
	pool.AddCert(g.Certificate())
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig.RootCAs = pool
	return &http.Client{Transport: tr}
}

func gitHubCredentialOptions(t *testing.T, s *graphfake.Server, g *gitHubTokenService, requestToken string) fetch.CredentialOptions {
	co := fetch.CredentialOptions{Mode: fetch.AuthGitHubOIDC, Cloud: emulatorCloud(t, s), Transport: bothTLS(s, g)}
	env := map[string]string{
		"AZURE_TENANT_ID":                s.TenantID(),
		"AZURE_CLIENT_ID":                testClientID,
		"ACTIONS_ID_TOKEN_REQUEST_URL":   g.URL + "/_apis/distributedtask/hubs/build/plans/1/jobs/2/idtoken?api-version=2.0",
		"ACTIONS_ID_TOKEN_REQUEST_TOKEN": requestToken,
	}
	co.ApplyEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	return co
}

func TestGitHubOIDC(t *testing.T) {
	t.Run("auto picks it up in a GitHub Actions job", func(t *testing.T) {
		s := newServer(t, 50, graphfake.Options{FederatedToken: ghFederatedToken, ClientSecret: "unused-" + testSecret})
		g := newGitHubTokenService(t, http.StatusOK)
		co := gitHubCredentialOptions(t, s, g, ghRequestToken)
		co.Mode = fetch.AuthAuto
		cred, err := fetch.NewCredential(co)
		if err != nil {
			t.Fatal(err)
		}
		opts := policy.TokenRequestOptions{Scopes: []string{s.GraphURL() + "/.default"}}
		if _, err := cred.GetToken(context.Background(), opts); err != nil {
			t.Fatalf("auto in a GitHub Actions job: %v", err)
		}
		if g.requests.Load() == 0 {
			t.Error("auto never asked the GitHub token service")
		}
	})
	t.Run("fetch", func(t *testing.T) {
		s := newServer(t, 1200, graphfake.Options{FederatedToken: ghFederatedToken, ClientSecret: "unused-" + testSecret})
		g := newGitHubTokenService(t, http.StatusOK)
		cred, err := fetch.NewCredential(gitHubCredentialOptions(t, s, g, ghRequestToken))
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(t.TempDir(), "snap.json")
		o := baseOptions(t, s, cred)
		o.AuthMode = fetch.AuthGitHubOIDC
		res, err := fetch.Fetch(context.Background(), out, o)
		if err != nil {
			t.Fatal(err)
		}
		info := checkSnapshot(t, s, out, false)
		if info.Manifest.AuthMode != fetch.AuthGitHubOIDC || res.Principal.AppID != testClientID {
			t.Errorf("manifest %+v, principal %+v", info.Manifest, res.Principal)
		}
		if g.requests.Load() == 0 {
			t.Error("the GitHub token service was never asked")
		}
	})
	t.Run("a fresh OIDC token for every Entra token", func(t *testing.T) {
		s := newServer(t, 10, graphfake.Options{FederatedToken: ghFederatedToken, TokenLifetime: time.Second})
		g := newGitHubTokenService(t, http.StatusOK)
		cred, err := fetch.NewCredential(gitHubCredentialOptions(t, s, g, ghRequestToken))
		if err != nil {
			t.Fatal(err)
		}
		opts := policy.TokenRequestOptions{Scopes: []string{s.GraphURL() + "/.default"}}
		for i := 0; i < 2; i++ { // a 1 s token is due for refresh at once
			if _, err := cred.GetToken(context.Background(), opts); err != nil {
				t.Fatal(err)
			}
		}
		if n := g.requests.Load(); n != 2 {
			t.Errorf("the GitHub token service was asked %d times, want 2", n)
		}
	})
	for _, tt := range []struct {
		name         string
		status       int
		requestToken string
		want         string
	}{
		{"no id-token permission", http.StatusForbidden, ghRequestToken, "id-token: write"},
		{"wrong request token", http.StatusOK, "stale-request-token", "answered 401"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, 10, graphfake.Options{FederatedToken: ghFederatedToken})
			g := newGitHubTokenService(t, tt.status)
			cred, err := fetch.NewCredential(gitHubCredentialOptions(t, s, g, tt.requestToken))
			if err != nil {
				t.Fatal(err)
			}
			o := baseOptions(t, s, cred)
			o.AuthMode = fetch.AuthGitHubOIDC
			_, err = fetch.Fetch(context.Background(), filepath.Join(t.TempDir(), "snap.json"), o)
			if got := exitClass(err); got != exitAuth {
				t.Fatalf("exit %d, want %d: %v", got, exitAuth, err)
			}
			if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), tt.requestToken) {
				t.Errorf("error %q: want %q and not the request token", err, tt.want)
			}
		})
	}
	t.Run("outside GitHub Actions", func(t *testing.T) {
		_, err := fetch.NewCredential(fetch.CredentialOptions{Mode: fetch.AuthGitHubOIDC, TenantID: "t", ClientID: "c"})
		if err == nil || !strings.Contains(err.Error(), "ACTIONS_ID_TOKEN_REQUEST_URL") || !strings.Contains(err.Error(), "id-token: write") {
			t.Errorf("err = %v", err)
		}
	})
}
