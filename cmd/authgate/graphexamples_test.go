package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/graphfake"
	"github.com/authgate/authgate/internal/tenantgen"
)

// TestMicrosoftGraphExamples serves the example responses of Microsoft's Graph
// documentation (testdata/graph-examples, sources in its README) verbatim
// through the emulator, fetches and checks them.
func TestMicrosoftGraphExamples(t *testing.T) {
	tests := []struct {
		file string
		ep   graphfake.Endpoint
		api  string
	}{
		{"list-userregistrationdetails-v1.0.json", graphfake.EndpointDetails, "v1.0"},
		{"list-userregistrationdetails-beta.json", graphfake.EndpointDetails, "beta"},
		{"usersregisteredbyfeature-v1.0.json", graphfake.EndpointFeature, "v1.0"},
		{"usersregisteredbymethod-v1.0.json", graphfake.EndpointMethod, "v1.0"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s, example, served := serveExample(t, tt.file, tt.ep, graphfake.Options{
				Tenant:   tenantgen.Tenant{Seed: 3, Users: 3, Now: time.Date(2023, 3, 13, 20, 0, 0, 0, time.UTC), Ideal: true},
				ClientID: cmdTestClientID, ClientSecret: cmdTestSecret, Rate: -1,
				// Graph answers the summaries to delegated callers only; the
				// emulator lets this app-only test have them.
				AppOnlySummariesAllowed: true,
			})
			out := filepath.Join(t.TempDir(), "snap.json")
			args := []string{"-o", out, "--api", tt.api}
			if tt.ep != graphfake.EndpointDetails {
				args = append(args, "--summaries", "graph")
			}
			code, _, stderr := runWithEmulator(t, s, "fetch", args...)
			if code != exitOK || *served == 0 {
				t.Fatalf("fetch: exit %d, example served %d times:\n%s", code, *served, stderr)
			}
			snap, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if tt.ep == graphfake.EndpointDetails {
				var doc struct {
					Value []json.RawMessage `json:"value"`
				}
				if err := json.Unmarshal(example, &doc); err != nil {
					t.Fatal(err)
				}
				for i, row := range doc.Value {
					var c bytes.Buffer
					if err := json.Compact(&c, row); err != nil {
						t.Fatal(err)
					}
					if !bytes.Contains(snap, append(c.Bytes(), '\n')) && !bytes.Contains(snap, append(c.Bytes(), ',')) {
						t.Errorf("row %d of the example is not in the snapshot verbatim: %s", i, c.Bytes())
					}
				}
			}
			code, stdout, stderr := cli(t, "check", "--snapshot", out, "--format", "json")
			if code != exitOK && code != exitViolations {
				t.Fatalf("check: exit %d:\n%s", code, stderr)
			}
			if !strings.Contains(stdout, `"verdict"`) {
				t.Errorf("check wrote no result:\n%s", stdout)
			}
		})
	}
}

// serveExample starts an emulator with o that answers endpoint ep with the
// Microsoft Learn example in testdata/graph-examples/file, verbatim, and
// returns the example and the count of the answers it gave so.
func serveExample(t *testing.T, file string, ep graphfake.Endpoint, o graphfake.Options) (*graphfake.Server, []byte, *int) {
	t.Helper()
	example, err := os.ReadFile(filepath.Join("../../testdata/graph-examples", file))
	if err != nil {
		t.Fatal(err)
	}
	served := new(int)
	o.BodyHook = func(e graphfake.Endpoint, _ *http.Request, body []byte) []byte {
		if e != ep {
			return body
		}
		*served++
		return example
	}
	s, err := graphfake.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, example, served
}
