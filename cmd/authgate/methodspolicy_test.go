package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authgate/authgate/fetch"
	"github.com/authgate/authgate/internal/graphfake"
)

// fetch --include policy: the section is fetched and reported; a 403 on the
// policy is recorded and the fetch succeeds; a broken answer ends the fetch
// inconclusive with no snapshot.
func TestFetchIncludePolicy(t *testing.T) {
	tests := []struct {
		name       string
		fault      graphfake.Fault
		include    string
		wantCode   int
		wantStderr string
	}{
		{name: "ok", include: "policy", wantCode: exitOK, wantStderr: "authentication methods policy (v1.0): graph"},
		{name: "all", include: "all", wantCode: exitOK, wantStderr: "authentication methods policy (v1.0): graph"},
		{name: "403", include: "policy", fault: graphfake.Fault{Kind: graphfake.Fault403Permission, Endpoint: graphfake.EndpointMethodsPolicy},
			wantCode: exitOK, wantStderr: "authentication methods policy (v1.0): omitted Graph answered 403"},
		{name: "truncated", include: "policy", fault: graphfake.Fault{Kind: graphfake.FaultTruncated, Endpoint: graphfake.EndpointMethodsPolicy},
			wantCode: exitInconclusive, wantStderr: "authenticationMethodsPolicy: Graph's answer is not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestEmulator(t, 50)
			if tt.fault.Kind != 0 {
				s.Inject(tt.fault)
			}
			out := filepath.Join(t.TempDir(), "snap.json")
			code, _, stderr := runWithEmulator(t, s, "fetch", "-o", out, "--include", tt.include)
			if code != tt.wantCode || !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("exit %d, want %d; stderr does not say %q:\n%s", code, tt.wantCode, tt.wantStderr, stderr)
			}
			_, err := os.Stat(out)
			if (err == nil) != (tt.wantCode == exitOK) {
				t.Errorf("snapshot written = %v, want %v", err == nil, tt.wantCode == exitOK)
			}
		})
	}
}

func TestFetchHelpNamesPolicyPermission(t *testing.T) {
	var stdout, stderr bytes.Buffer
	_ = cmdFetch(t.Context(), []string{"--help"}, &stdout, &stderr)
	help := stdout.String() + stderr.String()
	for _, w := range []string{fetch.PermissionMethodsPolicy, fetch.PermissionGroupMembers, "policy"} {
		if !strings.Contains(help, w) {
			t.Errorf("fetch --help does not name %s", w)
		}
	}
}
