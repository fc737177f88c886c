// Package fetchtest fetches a snapshot from a fresh Graph emulator through
// the real client (azidentity's client-secret credential, the azcore
// pipeline), for the end-to-end tests of the packages that judge it.
package fetchtest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/authgate/authgate/fetch"
	"github.com/authgate/authgate/internal/graphfake"
)

// The application the emulator accepts unless the options name another.
const (
	ClientID = "00000000-0000-4000-8000-0000000e2e00"
	Secret   = "e2e-secret-value"
)

// Fetch starts an emulator with o (ClientID and ClientSecret default to
// the constants above), fetches from it with fo into a snapshot in a test
// folder, and returns the emulator, closed when the test ends, and the
// snapshot's path. fo's credential, tenant, cloud and HTTP client are set
// here; zero retry delay and try timeout become 10 ms and 2 s.
func Fetch(t testing.TB, o graphfake.Options, fo fetch.Options) (*graphfake.Server, string) {
	t.Helper()
	if o.ClientID == "" {
		o.ClientID, o.ClientSecret = ClientID, Secret
	}
	s, err := graphfake.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	cloud, err := fetch.ResolveCloud("", s.GraphURL(), s.AuthorityHost())
	if err != nil {
		t.Fatal(err)
	}
	cred, err := fetch.NewCredential(fetch.CredentialOptions{Mode: fetch.AuthClientSecret, TenantID: s.TenantID(),
		ClientID: o.ClientID, ClientSecret: o.ClientSecret, Cloud: cloud, Transport: s.Client()})
	if err != nil {
		t.Fatal(err)
	}
	fo.Credential, fo.TenantID, fo.Cloud, fo.HTTPClient = cred, s.TenantID(), cloud, s.Client()
	if fo.RetryDelay == 0 {
		fo.RetryDelay = 10 * time.Millisecond
	}
	if fo.TryTimeout == 0 {
		fo.TryTimeout = 2 * time.Second
	}
	out := filepath.Join(t.TempDir(), "snap.json")
	if _, err := fetch.Fetch(context.Background(), out, fo); err != nil {
		t.Fatalf("fetch: %v", err)
	}
	return s, out
}
