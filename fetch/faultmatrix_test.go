package fetch_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/authgate/authgate/fetch"
	"github.com/authgate/authgate/internal/graphfake"
)

// Exit codes of authgate fetch for an error from fetch.Fetch, as
// cmd/authgate's runFetch and exitCode map them: an authentication,
// permission or licence failure exits 3, anything else 4 (inconclusive).
const (
	exitOK           = 0
	exitAuth         = 3
	exitInconclusive = 4
)

func exitClass(err error) int {
	switch {
	case err == nil:
		return exitOK
	case fetch.IsAuthFailure(err):
		return exitAuth
	default:
		return exitInconclusive
	}
}

// staticCredential hands out one token the emulator issued, for the cases
// where the Graph endpoint is one the emulator cannot issue tokens for.
type staticCredential string

func (c staticCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(c), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// checkOutputDir fails unless the folder of a failed fetch holds nothing
// but, after an interruption, the partial document and its checkpoint.
func checkOutputDir(t *testing.T, out string, interrupted bool) {
	t.Helper()
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed fetch left %s (%v)", out, err)
	}
	entries, err := os.ReadDir(filepath.Dir(out))
	if err != nil {
		t.Fatal(err)
	}
	allowed := []string{}
	if interrupted {
		allowed = []string{filepath.Base(out) + ".partial", filepath.Base(out) + ".partial.json"}
	}
	for _, e := range entries {
		if !slices.Contains(allowed, e.Name()) {
			t.Errorf("a failed fetch left %s", e.Name())
		}
	}
}

// TestFaultMatrix drives the real client (azidentity, the azcore pipeline,
// the pacer) against the emulator under every kind of fault: each fetch ends
// in a complete snapshot or in the documented exit code, with no file at the
// output path unless the fetch completed.
func TestFaultMatrix(t *testing.T) {
	tests := []struct {
		name   string
		server graphfake.Options
		faults []graphfake.Fault
		tune   func(t *testing.T, s *graphfake.Server, o *fetch.Options)
		want   int
		// interrupted: the failure leaves the partial document for --resume.
		interrupted bool
		contains    string
		check       func(t *testing.T, st graphfake.Stats)
	}{
		// Throttling.
		{name: "429 storm within the retries", want: exitOK,
			faults: []graphfake.Fault{{Kind: graphfake.Fault429, Endpoint: graphfake.EndpointDetails, Page: 2, Times: 3}},
			check: func(t *testing.T, st graphfake.Stats) {
				if st.Throttled != 3 {
					t.Errorf("throttled %d, want 3", st.Throttled)
				}
			}},
		{name: "rate limit without client pacing", want: exitOK,
			server: graphfake.Options{Rate: 2, Per: time.Second, PageSize: 200},
			check: func(t *testing.T, st graphfake.Stats) {
				if st.Throttled == 0 {
					t.Error("the emulator never throttled")
				}
			}},
		{name: "429 storm beyond the retries", want: exitInconclusive, interrupted: true, contains: "429",
			faults: []graphfake.Fault{{Kind: graphfake.Fault429, Endpoint: graphfake.EndpointDetails, Page: 2, Times: -1}}},
		// 5xx bursts.
		{name: "503 burst", want: exitOK,
			faults: []graphfake.Fault{{Kind: graphfake.Fault503, Endpoint: graphfake.EndpointDetails, Page: 1, Times: 2}}},
		{name: "500 then 503 burst", want: exitOK,
			faults: []graphfake.Fault{
				{Kind: graphfake.Fault500, Endpoint: graphfake.EndpointDetails, Page: 3},
				{Kind: graphfake.Fault503, Endpoint: graphfake.EndpointDetails, Page: 3, Times: 1, RetryAfter: time.Second},
			}},
		{name: "503 on the summaries", want: exitOK,
			faults: []graphfake.Fault{{Kind: graphfake.Fault503, Endpoint: graphfake.EndpointFeature, Times: 2}}},
		{name: "503 for ever", want: exitInconclusive, interrupted: true, contains: "503",
			faults: []graphfake.Fault{{Kind: graphfake.Fault503, Endpoint: graphfake.EndpointDetails, Page: 2, Times: -1}}},
		{name: "500 for ever on the first page", want: exitInconclusive, contains: "500",
			faults: []graphfake.Fault{{Kind: graphfake.Fault500, Endpoint: graphfake.EndpointDetails, Page: 1, Times: -1}}},
		{name: "token endpoint 503 burst", want: exitOK,
			faults: []graphfake.Fault{{Kind: graphfake.Fault503, Endpoint: graphfake.EndpointToken, Times: 1}},
			tune:   func(_ *testing.T, _ *graphfake.Server, o *fetch.Options) { o.TryTimeout = 4 * time.Second }},
		// Connection resets mid-body.
		{name: "reset mid-body", want: exitOK,
			faults: []graphfake.Fault{{Kind: graphfake.FaultReset, Endpoint: graphfake.EndpointDetails, Page: 2, Times: 2}}},
		{name: "reset for ever", want: exitInconclusive, interrupted: true,
			faults: []graphfake.Fault{{Kind: graphfake.FaultReset, Endpoint: graphfake.EndpointDetails, Page: 3, Times: -1}}},
		{name: "truncated body", want: exitInconclusive, contains: "not valid JSON",
			faults: []graphfake.Fault{{Kind: graphfake.FaultTruncated, Endpoint: graphfake.EndpointDetails, Page: 2}}},
		// Slow-loris: an answer slower than the try timeout is abandoned and retried.
		{name: "slow answer retried", want: exitOK,
			faults: []graphfake.Fault{{Kind: graphfake.FaultSlow, Endpoint: graphfake.EndpointDetails, Page: 2, Delay: 10 * time.Second}},
			tune:   func(_ *testing.T, _ *graphfake.Server, o *fetch.Options) { o.TryTimeout = 400 * time.Millisecond }},
		{name: "slow for ever", want: exitInconclusive, interrupted: true, contains: "deadline exceeded",
			faults: []graphfake.Fault{{Kind: graphfake.FaultSlow, Endpoint: graphfake.EndpointDetails, Page: 2, Times: -1, Delay: 10 * time.Second}},
			tune:   func(_ *testing.T, _ *graphfake.Server, o *fetch.Options) { o.TryTimeout = 300 * time.Millisecond }},
		// Tokens.
		{name: "token expires mid-run and is refreshed", want: exitOK,
			server: graphfake.Options{TokenLifetime: time.Second},
			faults: []graphfake.Fault{{Kind: graphfake.FaultSlow, Endpoint: graphfake.EndpointDetails, Page: 2, Delay: 1500 * time.Millisecond}},
			tune:   func(_ *testing.T, _ *graphfake.Server, o *fetch.Options) { o.TryTimeout = 4 * time.Second },
			check: func(t *testing.T, st graphfake.Stats) {
				if st.TokensIssued < 2 {
					t.Errorf("%d tokens issued, want a fresh one after the first expired", st.TokensIssued)
				}
			}},
		{name: "401 once", want: exitOK,
			faults: []graphfake.Fault{{Kind: graphfake.Fault401, Endpoint: graphfake.EndpointDetails, Page: 3}}},
		{name: "401 for ever", want: exitAuth, contains: "401",
			faults: []graphfake.Fault{{Kind: graphfake.Fault401, Endpoint: graphfake.EndpointDetails, Page: 2, Times: -1}}},
		{name: "403 permission", want: exitAuth, contains: "AuditLog.Read.All",
			faults: []graphfake.Fault{{Kind: graphfake.Fault403Permission, Endpoint: graphfake.EndpointDetails, Page: 2}}},
		// The network: DNS and TLS.
		{name: "DNS failure on the Graph host", want: exitInconclusive, contains: "graph.invalid",
			tune: func(_ *testing.T, s *graphfake.Server, o *fetch.Options) {
				o.Credential = staticCredential(s.Token(false, time.Hour))
				o.Cloud.GraphURL = "https://graph.invalid"
				o.MaxRetries = 1
			}},
		// A try timeout long enough for azidentity to give up by itself: its
		// error, not the deadline, must make the run inconclusive.
		{name: "DNS failure on the authority", want: exitInconclusive, contains: "the Entra authority could not be reached",
			tune: func(t *testing.T, s *graphfake.Server, o *fetch.Options) {
				c := emulatorCloud(t, s)
				c.AuthorityHost = "https://login.invalid/"
				o.Credential = mustCredential(t, fetch.CredentialOptions{Mode: fetch.AuthClientSecret, TenantID: s.TenantID(),
					ClientID: testClientID, ClientSecret: testSecret, Cloud: c, Transport: s.Client()})
				o.TryTimeout, o.MaxRetries = 19*time.Second, 1
			}},
		{name: "TLS certificate not trusted by the Graph client", want: exitInconclusive, contains: "certificate",
			tune: func(_ *testing.T, _ *graphfake.Server, o *fetch.Options) {
				o.HTTPClient = &http.Client{Transport: &http.Transport{}}
				o.MaxRetries = 1
			}},
		{name: "TLS certificate not trusted by the credential", want: exitInconclusive,
			tune: func(t *testing.T, s *graphfake.Server, o *fetch.Options) {
				o.Credential = mustCredential(t, fetch.CredentialOptions{Mode: fetch.AuthClientSecret, TenantID: s.TenantID(),
					ClientID: testClientID, ClientSecret: testSecret, Cloud: emulatorCloud(t, s), Transport: &http.Client{Transport: &http.Transport{}}})
				o.TryTimeout, o.MaxRetries = time.Second, 1
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.server.PageSize == 0 {
				tt.server.PageSize = 400
			}
			s := newServer(t, 1500, tt.server)
			for _, f := range tt.faults {
				s.Inject(f)
			}
			out := filepath.Join(t.TempDir(), "snap.json")
			o := baseOptions(t, s, secretCredential(t, s))
			o.MaxRetries, o.MaxRetryDelay = 3, time.Second
			if tt.tune != nil {
				tt.tune(t, s, &o)
			}
			start := time.Now()
			_, err := fetch.Fetch(context.Background(), out, o)
			if got := exitClass(err); got != tt.want {
				t.Fatalf("exit %d, want %d; err: %v", got, tt.want, err)
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("took %s", d)
			}
			if err == nil {
				checkSnapshot(t, s, out, false)
			} else {
				if tt.contains != "" && !strings.Contains(err.Error(), tt.contains) {
					t.Errorf("error does not mention %q: %v", tt.contains, err)
				}
				checkOutputDir(t, out, tt.interrupted)
			}
			if len(tt.faults) > 0 && s.Stats().FaultsFired == 0 {
				t.Error("no fault fired")
			}
			if tt.check != nil {
				tt.check(t, s.Stats())
			}
		})
	}
}

func mustCredential(t *testing.T, o fetch.CredentialOptions) azcore.TokenCredential {
	t.Helper()
	c, err := fetch.NewCredential(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestFaultMatrixInterrupt cancels fetches at random points, as Ctrl-C does:
// each ends complete or interrupted (exit 4) with no file at the output path,
// and an interrupted fetch completes with --resume to the same snapshot.
func TestFaultMatrixInterrupt(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		t.Run("seed "+string(rune('0'+seed)), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(seed, 42))
			// 1,500 users in 8 pages of 200 at 20 requests a second: about 0.5 s.
			s := newServer(t, 1500, graphfake.Options{PageSize: 200})
			out := filepath.Join(t.TempDir(), "snap.json")
			o := baseOptions(t, s, secretCredential(t, s))
			o.Rate = fetch.Rate{N: 20, Per: time.Second}
			delay := time.Duration(rng.Int64N(int64(700 * time.Millisecond)))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			time.AfterFunc(delay, cancel) // what Ctrl-C does to run's context
			_, err := fetch.Fetch(ctx, out, o)
			t.Logf("cancelled after %s: %v", delay, err)
			if err == nil {
				checkSnapshot(t, s, out, false)
				return
			}
			if got := exitClass(err); got != exitInconclusive {
				t.Fatalf("exit %d, want %d: %v", got, exitInconclusive, err)
			}
			if !errors.Is(err, context.Canceled) {
				t.Errorf("the error does not say the fetch was interrupted: %v", err)
			}
			checkOutputDir(t, out, true)
			o.Resume = true
			if _, err := fetch.Fetch(context.Background(), out, o); err != nil {
				t.Fatalf("resume: %v", err)
			}
			checkSnapshot(t, s, out, false)
		})
	}
}
