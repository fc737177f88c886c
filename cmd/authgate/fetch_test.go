package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/errline"
	"github.com/authgate/authgate/internal/tenantgen"

	"github.com/authgate/authgate/fetch"
	"github.com/authgate/authgate/gate"
	"github.com/authgate/authgate/internal/graphfake"
	"github.com/authgate/authgate/snapshot"
)

const (
	cmdTestClientID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	cmdTestSecret   = "cmd-test-secret"
)

func newTestEmulator(t *testing.T, users int) *graphfake.Server {
	t.Helper()
	s, err := graphfake.New(graphfake.Options{
		Tenant:   tenantgen.Tenant{Seed: 3, Users: users, Now: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)},
		ClientID: cmdTestClientID, ClientSecret: cmdTestSecret, Rate: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// runWithEmulator runs `authgate <cmd> args...` in-process as run() does,
// with the emulator's TLS client and an environment holding only the
// client secret, and returns the exit code, stdout and stderr.
func runWithEmulator(t *testing.T, s *graphfake.Server, cmd string, args ...string) (int, string, string) {
	t.Helper()
	return runWithEmulatorAt(t, s, time.Time{}, cmd, args...)
}

// runWithEmulatorAt is runWithEmulator with the fetch's clock stopped at
// now (the real clock when now is zero), for data dated in the past.
func runWithEmulatorAt(t *testing.T, s *graphfake.Server, now time.Time, cmd string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := fetchEnv{
		httpClient: s.Client(),
		lookupEnv: func(name string) (string, bool) {
			if name == "AZURE_CLIENT_SECRET" {
				return cmdTestSecret, true
			}
			return "", false
		},
		tune: func(fo *fetch.Options) {
			fo.RetryDelay, fo.TryTimeout = 10*time.Millisecond, 2*time.Second
			if !now.IsZero() {
				fo.Now = func() time.Time { return now }
			}
		},
	}
	base := []string{"--auth", "client-secret", "--tenant", s.TenantID(), "--client-id", cmdTestClientID,
		"--graph-url", s.GraphURL(), "--authority-host", s.AuthorityHost(), "--rate", "off"}
	var err error
	switch cmd {
	case "fetch":
		var o fetchOptions
		fs := newFlagSet("fetch", "fetch", &stdout)
		fs.StringVarP(&o.out, "output-file", "o", "", "")
		addFetchFlags(fs, &o)
		if err = parseFlags(fs, append(base, args...)); err == nil {
			_, err = runFetch(context.Background(), &o, env, &stderr)
		}
	case "run":
		var o fetchOptions
		var co gate.Options
		fs := newFlagSet("run", "run", &stdout)
		addRunFlags(fs, &o, &co)
		if err = parseFlags(fs, append(base, args...)); err == nil {
			err = fetchThenCheck(context.Background(), &o, env, co, &stdout, &stderr)
		}
	default:
		t.Fatalf("unknown command %s", cmd)
	}
	if err != nil {
		stderr.WriteString("authgate: " + errline.OneLine(err.Error()) + "\n")
	}
	return exitCode(err), stdout.String(), stderr.String()
}

func TestFetchCommand(t *testing.T) {
	tests := []struct {
		name       string
		fault      graphfake.Fault
		args       []string
		wantCode   int
		wantStderr []string
		wantFile   bool
	}{
		{name: "ok", wantCode: exitOK, wantFile: true,
			wantStderr: []string{"signed in as app " + cmdTestClientID, "--auth client-secret", "fetched 1500 users in 2 pages"}},
		{name: "403 permission", fault: graphfake.Fault{Kind: graphfake.Fault403Permission, Endpoint: graphfake.EndpointDetails},
			wantCode: exitAuth, wantStderr: []string{graphfake.CodePermissionMissing, "AuditLog.Read.All", "request-id"}},
		{name: "403 role", fault: graphfake.Fault{Kind: graphfake.Fault403Role, Endpoint: graphfake.EndpointDetails},
			wantCode: exitAuth, wantStderr: []string{graphfake.CodeUnsupportedRole, "Reports Reader"}},
		{name: "403 licence", fault: graphfake.Fault{Kind: graphfake.Fault403License, Endpoint: graphfake.EndpointDetails, Page: 2},
			wantCode: exitAuth, wantStderr: []string{graphfake.CodeNonPremium, "P1 or P2"}},
		{name: "truncated page", fault: graphfake.Fault{Kind: graphfake.FaultTruncated, Endpoint: graphfake.EndpointDetails, Page: 2},
			wantCode: exitInconclusive, wantStderr: []string{"not valid JSON"}},
		{name: "paging loop", fault: graphfake.Fault{Kind: graphfake.FaultLoop, Endpoint: graphfake.EndpointDetails, Page: 1},
			wantCode: exitInconclusive, wantStderr: []string{"loop"}},
		{name: "foreign nextLink", fault: graphfake.Fault{Kind: graphfake.FaultForeignNextLink, Endpoint: graphfake.EndpointDetails, Page: 1},
			wantCode: exitInconclusive, wantStderr: []string{"refused to follow a nextLink"}},
		{name: "bad rate", args: []string{"--rate", "fast"}, wantCode: exitUsage, wantStderr: []string{"--rate"}},
		{name: "bad auth", args: []string{"--auth", "password"}, wantCode: exitUsage, wantStderr: []string{"valid modes"}},
		{name: "wrong secret", args: []string{"--client-id", "someone-else"}, wantCode: exitAuth, wantStderr: []string{"get token"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newTestEmulator(t, 1500)
			if tt.fault.Kind != 0 {
				s.Inject(tt.fault)
			}
			dir := t.TempDir()
			out := filepath.Join(dir, "snap.json")
			code, _, stderr := runWithEmulator(t, s, "fetch", append([]string{"-o", out}, tt.args...)...)
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tt.wantCode, stderr)
			}
			for _, w := range tt.wantStderr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not say %q:\n%s", w, stderr)
				}
			}
			if strings.Contains(stderr, cmdTestSecret) {
				t.Error("stderr shows the client secret")
			}
			entries, _ := os.ReadDir(dir)
			if tt.wantFile != (len(entries) == 1) || len(entries) > 1 {
				t.Errorf("files in the output directory: %d, want the snapshot only: %v", len(entries), tt.wantFile)
			}
			if tt.wantFile {
				if _, _, err := snapshot.Load(context.Background(), out); err != nil {
					t.Errorf("load the snapshot: %v", err)
				}
			}
			if st := s.Stats(); st.ForeignRequests != 0 {
				t.Errorf("the foreign origin got %d requests", st.ForeignRequests)
			}
		})
	}
}

func TestFetchFlagsOverrideEnv(t *testing.T) {
	o := fetch.CredentialOptions{Mode: fetch.AuthClientSecret, TenantID: "flag-tenant"}
	env := map[string]string{"AZURE_TENANT_ID": "env-tenant", "AZURE_CLIENT_ID": "env-client", "AZURE_CLIENT_SECRET": "x", "AZURE_AUTHORITY_HOST": "https://login.example.test/"}
	host := o.ApplyEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if o.TenantID != "flag-tenant" || o.ClientID != "env-client" || o.ClientSecret != "x" || host != "https://login.example.test/" {
		t.Errorf("after ApplyEnv: %+v, authority %q", o, host)
	}
}

func TestRunCommand(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		fault    graphfake.Fault
		wantCode int
		keep     bool
	}{
		{name: "gate fails", args: []string{"--fail-on", "high"}, wantCode: exitViolations},
		{name: "no gate, snapshot kept", args: []string{"--fail-on", "none"}, wantCode: exitOK, keep: true},
		{name: "403 before check", fault: graphfake.Fault{Kind: graphfake.Fault403License, Endpoint: graphfake.EndpointDetails}, wantCode: exitAuth},
		{name: "bad format before fetch", args: []string{"--format", "pdf"}, wantCode: exitUsage},
		{name: "--snapshot refused", args: []string{"--snapshot", "x.json"}, wantCode: exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newTestEmulator(t, 400)
			if tt.fault.Kind != 0 {
				s.Inject(tt.fault)
			}
			dir := t.TempDir()
			report := filepath.Join(dir, "report.json")
			args := append([]string{"--format", "json", "-o", report}, tt.args...)
			snap := filepath.Join(dir, "snap.json")
			if tt.keep {
				args = append(args, "--snapshot-out", snap)
			}
			code, _, stderr := runWithEmulator(t, s, "run", args...)
			if code != tt.wantCode {
				t.Fatalf("exit code %d, want %d; stderr:\n%s", code, tt.wantCode, stderr)
			}
			if _, err := os.Stat(snap); tt.keep != (err == nil) {
				t.Errorf("snapshot kept: %v, want %v", err == nil, tt.keep)
			}
			if tt.wantCode <= exitViolations {
				if _, err := os.Stat(report); err != nil {
					t.Errorf("no report: %v", err)
				}
			} else if s.Stats().Pages > 0 && tt.wantCode == exitUsage {
				t.Error("run fetched before rejecting its flags")
			}
		})
	}
}
