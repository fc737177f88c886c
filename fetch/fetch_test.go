package fetch_test

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/tenantgen"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/authgate/authgate/fetch"
	"github.com/authgate/authgate/internal/graphfake"
	"github.com/authgate/authgate/internal/testcert"
	"github.com/authgate/authgate/snapshot"
)

const (
	testClientID = "11111111-2222-3333-4444-555555555555"
	testSecret   = "not-a-real-secret"
	testSeed     = 42
)

var testNow = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// newServer starts the emulator with a small tenant, no rate limit and
// 1000-user pages (so $top=999 gives 999-user pages) unless opts say otherwise.
func newServer(t *testing.T, users int, opts graphfake.Options) *graphfake.Server {
	t.Helper()
	opts.Tenant = tenantgen.Tenant{Seed: testSeed, Users: users, Now: testNow}
	if opts.ClientID == "" {
		opts.ClientID = testClientID
	}
	if opts.ClientSecret == "" && opts.Certificate == nil {
		opts.ClientSecret = testSecret
	}
	if opts.Rate == 0 {
		opts.Rate = -1
	}
	s, err := graphfake.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func emulatorCloud(t *testing.T, s *graphfake.Server) fetch.Cloud {
	t.Helper()
	c, err := fetch.ResolveCloud("", s.GraphURL(), s.AuthorityHost())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// secretCredential is azidentity's real ClientSecretCredential, built by
// NewCredential, talking to the emulator's token endpoint.
func secretCredential(t *testing.T, s *graphfake.Server) azcore.TokenCredential {
	t.Helper()
	cred, err := fetch.NewCredential(fetch.CredentialOptions{
		Mode: fetch.AuthClientSecret, TenantID: s.TenantID(), ClientID: testClientID, ClientSecret: testSecret,
		Cloud: emulatorCloud(t, s), Transport: s.Client(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return cred
}

func baseOptions(t *testing.T, s *graphfake.Server, cred azcore.TokenCredential) fetch.Options {
	return fetch.Options{
		Credential:    cred,
		AuthMode:      fetch.AuthClientSecret,
		TenantID:      s.TenantID(),
		Cloud:         emulatorCloud(t, s),
		HTTPClient:    s.Client(),
		RetryDelay:    10 * time.Millisecond,
		MaxRetryDelay: 5 * time.Second,
		TryTimeout:    2 * time.Second,
		Tool:          "test",
		Now:           func() time.Time { return testNow },
	}
}

// expected returns the emulator's user ids in order and the SHA-256 of the
// users array as the snapshot must hold it (Graph's bytes verbatim).
func expected(s *graphfake.Server, beta bool) ([]string, string) {
	var ids []string
	h := sha256.New()
	h.Write([]byte("["))
	var b []byte
	s.Tenant().Each(func(i int, u *snapshot.UserRegistrationDetails) {
		ids = append(ids, u.ID)
		if i == 0 {
			h.Write([]byte("\n"))
		} else {
			h.Write([]byte(",\n"))
		}
		b = tenantgen.AppendUser(b[:0], u, beta)
		h.Write(b)
	})
	h.Write([]byte("\n]"))
	return ids, hex.EncodeToString(h.Sum(nil))
}

// readSnapshot loads the snapshot with the project's own reader and returns
// the ids and its info.
func readSnapshot(t *testing.T, path string) ([]string, *snapshot.Info) {
	t.Helper()
	var ids []string
	info, err := snapshot.Scan(context.Background(), path, snapshot.ScanOptions{}, func(c []snapshot.UserRegistrationDetails) error {
		for _, u := range c {
			ids = append(ids, u.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("scan %s: %v", path, err)
	}
	return ids, info
}

func checkSnapshot(t *testing.T, s *graphfake.Server, path string, beta bool) *snapshot.Info {
	t.Helper()
	wantIDs, wantHash := expected(s, beta)
	ids, info := readSnapshot(t, path)
	if len(ids) != len(wantIDs) {
		t.Fatalf("snapshot has %d users, emulator %d", len(ids), len(wantIDs))
	}
	for i := range ids {
		if ids[i] != wantIDs[i] {
			t.Fatalf("user %d: id %s, want %s", i, ids[i], wantIDs[i])
		}
	}
	if m := info.Manifest; m.UsersSHA256 != wantHash || m.UserCount != int64(len(wantIDs)) {
		t.Errorf("manifest usersSha256 %s userCount %d, want %s %d", m.UsersSHA256, m.UserCount, wantHash, len(wantIDs))
	}
	if p := info.Manifest.PagingComplete; p == nil || !*p {
		t.Error("manifest.pagingComplete is not true")
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("snapshot mode %v, want 0600", fi.Mode().Perm())
	}
	assertNoLeftovers(t, path, true)
	return info
}

// assertNoLeftovers checks that nothing but (when want) the snapshot is in
// its directory: no partial file, checkpoint or temp file.
func assertNoLeftovers(t *testing.T, path string, want bool) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	wantN := 0
	if want {
		wantN = 1
	}
	if len(names) != wantN || (want && names[0] != filepath.Base(path)) {
		t.Errorf("files next to the snapshot: %v, want only the snapshot: %v", names, want)
	}
}

func TestFetchClientSecretAppOnly(t *testing.T) {
	s := newServer(t, 2500, graphfake.Options{})
	out := filepath.Join(t.TempDir(), "snap.json")
	res, err := fetch.Fetch(context.Background(), out, baseOptions(t, s, secretCredential(t, s)))
	if err != nil {
		t.Fatal(err)
	}
	info := checkSnapshot(t, s, out, false)
	m := info.Manifest
	if m.Pages != 3 || m.TenantID != s.TenantID() || m.Cloud != "custom" || m.GraphEndpoint != s.GraphURL() || m.APIVersion != "v1.0" {
		t.Errorf("manifest = %+v", m)
	}
	if want := "app " + testClientID; m.Principal != want || res.Principal.String() != want {
		t.Errorf("principal = %q, want %q", m.Principal, want)
	}
	if m.AuthMode != fetch.AuthClientSecret || m.FetchedAt != "2026-05-01T12:00:00Z" || m.StartedAt != m.FetchedAt || m.Tool != "authgate test" {
		t.Errorf("manifest = %+v", m)
	}
	if m.LastUpdated == nil || m.LastUpdated.Min != info.LastUpdated.Min || m.LastUpdated.Max != info.LastUpdated.Max {
		t.Errorf("lastUpdated %+v, reader saw %+v", m.LastUpdated, info.LastUpdated)
	}
	// App-only: Graph refuses the summaries; every derivable scope is
	// derived and marked, privilegedAdmin is left out with the reason.
	if len(m.Summaries) != 10 {
		t.Fatalf("summaries = %+v", m.Summaries)
	}
	for _, src := range m.Summaries {
		want := snapshot.SourceDerived
		if src.UserRoles == "privilegedAdmin" {
			want = snapshot.SourceOmitted
		}
		if src.Source != want || !strings.Contains(src.Reason, "403") {
			t.Errorf("summary %+v: want source %s with the 403 as reason", src, want)
		}
	}
	if len(info.UsersRegisteredByFeature) != 4 || len(info.UsersRegisteredByMethod) != 4 {
		t.Fatalf("derived summaries: %d feature, %d method", len(info.UsersRegisteredByFeature), len(info.UsersRegisteredByMethod))
	}
	if all := info.UsersRegisteredByFeature[0]; all.UserTypes != "all" || all.UserRoles != "all" || all.TotalUserCount != 2500 {
		t.Errorf("derived all/all = %+v", all)
	}
	// Only one summary call was spent on the app-only 403.
	if st := s.Stats(); st.Requests[graphfake.EndpointFeature]+st.Requests[graphfake.EndpointMethod] != 1 {
		t.Errorf("summary requests = %d feature, %d method; want one in all", st.Requests[graphfake.EndpointFeature], st.Requests[graphfake.EndpointMethod])
	}
}

func TestFetchDelegatedSummariesFromGraph(t *testing.T) {
	s := newServer(t, 300, graphfake.Options{Delegated: true, PageSize: 100, NextLinkLast: true})
	out := filepath.Join(t.TempDir(), "snap.json")
	o := baseOptions(t, s, secretCredential(t, s))
	o.APIVersion = "beta"
	if _, err := fetch.Fetch(context.Background(), out, o); err != nil {
		t.Fatal(err)
	}
	info := checkSnapshot(t, s, out, true)
	if info.Manifest.Principal != graphfake.DelegatedUPN {
		t.Errorf("principal = %q, want %q", info.Manifest.Principal, graphfake.DelegatedUPN)
	}
	for _, src := range info.Manifest.Summaries {
		if src.Source != snapshot.SourceGraph {
			t.Errorf("summary %+v: want source graph", src)
		}
	}
	if len(info.UsersRegisteredByFeature) != 5 || len(info.UsersRegisteredByMethod) != 5 {
		t.Errorf("graph summaries: %d feature, %d method, want 5 each", len(info.UsersRegisteredByFeature), len(info.UsersRegisteredByMethod))
	}
	if st := s.Stats(); st.APIVersions["v1.0"] != 0 || st.Pages != 3 {
		t.Errorf("stats = %+v", st)
	}
}

// writeCertificate writes a self-signed certificate and its key as PEM.
func writeCertificate(t *testing.T) (*x509.Certificate, string) {
	t.Helper()
	c := testcert.New(t, "authgate test")
	path := filepath.Join(t.TempDir(), "cert.pem")
	c.WritePEM(t, path)
	return c.Cert, path
}

func TestFetchClientCertificate(t *testing.T) {
	cert, path := writeCertificate(t)
	s := newServer(t, 1200, graphfake.Options{Certificate: cert})
	cred, err := fetch.NewCredential(fetch.CredentialOptions{
		Mode: fetch.AuthClientCertificate, TenantID: s.TenantID(), ClientID: testClientID, CertificatePath: path,
		Cloud: emulatorCloud(t, s), Transport: s.Client(),
	})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "snap.json")
	o := baseOptions(t, s, cred)
	o.AuthMode = fetch.AuthClientCertificate
	if _, err := fetch.Fetch(context.Background(), out, o); err != nil {
		t.Fatal(err)
	}
	info := checkSnapshot(t, s, out, false)
	if info.Manifest.AuthMode != fetch.AuthClientCertificate || info.Manifest.Principal != "app "+testClientID {
		t.Errorf("manifest = %+v", info.Manifest)
	}
}

func TestFetchSurvivesFaults(t *testing.T) {
	tests := []struct {
		name   string
		fault  graphfake.Fault
		server graphfake.Options
		check  func(t *testing.T, m snapshot.Manifest, st graphfake.Stats)
	}{
		{"429 burst", graphfake.Fault{Kind: graphfake.Fault429, Endpoint: graphfake.EndpointDetails, Page: 2, Times: 2, RetryAfter: time.Second}, graphfake.Options{},
			func(t *testing.T, m snapshot.Manifest, st graphfake.Stats) {
				if m.Throttled != 2 || m.Retries < 2 {
					t.Errorf("throttled %d retries %d, want 2 and >= 2", m.Throttled, m.Retries)
				}
			}},
		{"503", graphfake.Fault{Kind: graphfake.Fault503, Endpoint: graphfake.EndpointDetails, Page: 1, Times: 3}, graphfake.Options{}, nil},
		{"500", graphfake.Fault{Kind: graphfake.Fault500, Endpoint: graphfake.EndpointDetails, Page: 3}, graphfake.Options{}, nil},
		{"connection reset", graphfake.Fault{Kind: graphfake.FaultReset, Endpoint: graphfake.EndpointDetails, Page: 2, Times: 2}, graphfake.Options{}, nil},
		{"slow answer", graphfake.Fault{Kind: graphfake.FaultSlow, Endpoint: graphfake.EndpointDetails, Page: 2, Delay: 20 * time.Second}, graphfake.Options{}, nil},
		{"401 expired token", graphfake.Fault{Kind: graphfake.Fault401, Endpoint: graphfake.EndpointDetails, Page: 2}, graphfake.Options{},
			func(t *testing.T, m snapshot.Manifest, st graphfake.Stats) {
				if st.Unauthorized != 1 {
					t.Errorf("unauthorized %d, want 1", st.Unauthorized)
				}
			}},
		// Tokens that expire during the fetch are refreshed before they expire.
		{"short-lived tokens", graphfake.Fault{Kind: graphfake.FaultSlow, Endpoint: graphfake.EndpointDetails, Page: 2, Delay: 1500 * time.Millisecond},
			graphfake.Options{TokenLifetime: time.Second},
			func(t *testing.T, m snapshot.Manifest, st graphfake.Stats) {
				// A token that expires in flight gets one 401, and the
				// retry carries a fresh token.
				if st.TokensIssued < 2 || st.Unauthorized > 1 {
					t.Errorf("unauthorized %d, tokens issued %d: want a fresh token once the first expired", st.Unauthorized, st.TokensIssued)
				}
			}},
		{"token endpoint 503", graphfake.Fault{Kind: graphfake.Fault503, Endpoint: graphfake.EndpointToken}, graphfake.Options{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, 2100, tt.server)
			s.Inject(tt.fault)
			out := filepath.Join(t.TempDir(), "snap.json")
			o := baseOptions(t, s, secretCredential(t, s))
			o.TryTimeout = 4 * time.Second // > azidentity's own retry delays on the token endpoint
			res, err := fetch.Fetch(context.Background(), out, o)
			if err != nil {
				t.Fatal(err)
			}
			checkSnapshot(t, s, out, false)
			st := s.Stats()
			if st.FaultsFired == 0 {
				t.Error("the fault never fired")
			}
			if res.Manifest.Retries == 0 && tt.fault.Endpoint != graphfake.EndpointToken && tt.server.TokenLifetime == 0 {
				t.Error("manifest.retries = 0")
			}
			if tt.check != nil {
				tt.check(t, res.Manifest, st)
			}
		})
	}
}

func TestFetchFailures(t *testing.T) {
	tests := []struct {
		name     string
		fault    graphfake.Fault
		opts     func(*fetch.Options)
		auth     bool
		code     string
		remedy   string
		paging   bool
		answer   bool
		foreign  bool
		contains string
	}{
		{name: "403 permission", fault: graphfake.Fault{Kind: graphfake.Fault403Permission, Endpoint: graphfake.EndpointDetails, Page: 2},
			auth: true, code: graphfake.CodePermissionMissing, remedy: "AuditLog.Read.All"},
		{name: "403 role", fault: graphfake.Fault{Kind: graphfake.Fault403Role, Endpoint: graphfake.EndpointDetails},
			auth: true, code: graphfake.CodeUnsupportedRole, remedy: "Reports Reader"},
		{name: "403 licence", fault: graphfake.Fault{Kind: graphfake.Fault403License, Endpoint: graphfake.EndpointDetails},
			auth: true, code: graphfake.CodeNonPremium, remedy: "P1 or P2"},
		{name: "401 twice", fault: graphfake.Fault{Kind: graphfake.Fault401, Endpoint: graphfake.EndpointDetails, Times: 2},
			auth: true, code: graphfake.CodeInvalidToken, remedy: "refused after a refresh"},
		{name: "foreign nextLink", fault: graphfake.Fault{Kind: graphfake.FaultForeignNextLink, Endpoint: graphfake.EndpointDetails, Page: 1},
			paging: true, foreign: true, contains: "refused to follow a nextLink"},
		{name: "paging loop", fault: graphfake.Fault{Kind: graphfake.FaultLoop, Endpoint: graphfake.EndpointDetails, Page: 2},
			paging: true, contains: "loop"},
		{name: "truncated page", fault: graphfake.Fault{Kind: graphfake.FaultTruncated, Endpoint: graphfake.EndpointDetails, Page: 2},
			answer: true, contains: "page 2 of userRegistrationDetails is not valid JSON"},
		{name: "page cap", opts: func(o *fetch.Options) { o.MaxPages = 2 }, paging: true, contains: "more than 2 pages"},
		{name: "summaries graph app-only", opts: func(o *fetch.Options) { o.Summaries = fetch.SummariesGraph },
			auth: true, code: graphfake.CodeAppOnlyUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, 2100, graphfake.Options{})
			if tt.fault.Kind != 0 {
				s.Inject(tt.fault)
			}
			out := filepath.Join(t.TempDir(), "snap.json")
			o := baseOptions(t, s, secretCredential(t, s))
			if tt.opts != nil {
				tt.opts(&o)
			}
			_, err := fetch.Fetch(context.Background(), out, o)
			if err == nil {
				t.Fatal("Fetch succeeded")
			}
			if got := fetch.IsAuthFailure(err); got != tt.auth {
				t.Errorf("IsAuthFailure = %v, want %v: %v", got, tt.auth, err)
			}
			if got := errors.Is(err, fetch.ErrPaging); got != tt.paging {
				t.Errorf("errors.Is(ErrPaging) = %v, want %v: %v", got, tt.paging, err)
			}
			if got := errors.Is(err, fetch.ErrAnswer); got != tt.answer {
				t.Errorf("errors.Is(ErrAnswer) = %v, want %v: %v", got, tt.answer, err)
			}
			var ge *fetch.GraphError
			if tt.code != "" {
				if !errors.As(err, &ge) || ge.Code != tt.code || !strings.Contains(ge.Error(), "request-id ") {
					t.Errorf("error %v: want a GraphError %s with its request-id", err, tt.code)
				}
				if tt.remedy != "" && !strings.Contains(err.Error(), tt.remedy) {
					t.Errorf("error %q does not give the remedy %q", err, tt.remedy)
				}
			}
			if tt.contains != "" && !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("error %q does not say %q", err, tt.contains)
			}
			if st := s.Stats(); st.ForeignAuthSeen || st.ForeignRequests != 0 {
				t.Errorf("the foreign origin received %d requests (token seen: %v)", st.ForeignRequests, st.ForeignAuthSeen)
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Error("the error shows the client secret")
			}
			assertNoLeftovers(t, out, false)
		})
	}
}

// A fetch interrupted half-way leaves no snapshot; --resume completes it
// with the same users and hash, or starts over when Graph refuses the link.
func TestFetchResume(t *testing.T) {
	for _, invalidate := range []bool{false, true} {
		name := "continue"
		if invalidate {
			name = "link refused: start over"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, 3500, graphfake.Options{})
			s.Inject(graphfake.Fault{Kind: graphfake.FaultSlow, Endpoint: graphfake.EndpointDetails, Page: 3, Delay: time.Minute})
			out := filepath.Join(t.TempDir(), "snap.json")
			o := baseOptions(t, s, secretCredential(t, s))
			o.TryTimeout = 0
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { _, err := fetch.Fetch(ctx, out, o); done <- err }()
			deadline := time.Now().Add(10 * time.Second)
			for s.Stats().Requests[graphfake.EndpointDetails] < 3 && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			cancel()
			err := <-done
			if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "--resume") {
				t.Fatalf("interrupted fetch: %v", err)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Fatalf("an interrupted fetch left %s (%v)", out, err)
			}
			// The emulator finishes the slow page after the client left.
			for s.Stats().Pages < 3 && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			s.ClearFaults()
			if invalidate {
				s.InvalidateSkipTokens()
			}
			s.ResetStats()
			o.Resume = true
			res, err := fetch.Fetch(context.Background(), out, o)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Resumed || res.Restarted != invalidate {
				t.Errorf("resumed %v restarted %v", res.Resumed, res.Restarted)
			}
			checkSnapshot(t, s, out, false)
			wantPages := int64(2) // pages 3 and 4 only
			if invalidate {
				wantPages = 4
			}
			if st := s.Stats(); st.Pages != wantPages {
				t.Errorf("the resumed fetch got %d pages, want %d", st.Pages, wantPages)
			}
			if res.Manifest.Pages != 4 {
				t.Errorf("manifest.pages = %d, want 4", res.Manifest.Pages)
			}
		})
	}
}

// The pacer keeps the client under the emulator's limit: no 429.
func TestFetchPacedUnderLimit(t *testing.T) {
	s := newServer(t, 800, graphfake.Options{Rate: 10, Per: time.Second, PageSize: 100})
	out := filepath.Join(t.TempDir(), "snap.json")
	o := baseOptions(t, s, secretCredential(t, s))
	o.Rate = fetch.Rate{N: 10, Per: time.Second}
	start := time.Now()
	res, err := fetch.Fetch(context.Background(), out, o)
	if err != nil {
		t.Fatal(err)
	}
	el := time.Since(start)
	checkSnapshot(t, s, out, false)
	// 1 summary call + 9 pages (100 users each, the last empty or not) at 10/s.
	n := res.Manifest.Requests
	if res.Manifest.Throttled != 0 || s.Stats().Throttled != 0 {
		t.Errorf("throttled %d times", res.Manifest.Throttled)
	}
	if floor := time.Duration(n-1) * 100 * time.Millisecond; el < floor {
		t.Errorf("%d requests took %s, less than the pace allows (%s)", n, el, floor)
	}
}
