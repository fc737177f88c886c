package fetch_test

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildAuthgate builds the authgate command into a temporary folder.
func buildAuthgate(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "authgate")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/authgate/authgate/cmd/authgate")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// The built binary, fetching from a Graph that sends a 5 GB gzip bomb or a
// 300 MB page, exits 4 with one line naming the page and the limit, with a
// peak resident set far below 256 MB and nothing left at the output path.
// Its flags bound the page (--max-page-bytes) and silence the progress
// lines a log gets (--quiet).
func TestBinaryFetch(t *testing.T) {
	t.Parallel()
	bin := buildAuthgate(t)
	bomb := newGzipBomb(t, `{"value":[{"id":"00000000-0000-0000-0000-00000000000a","userDisplayName":"`, `"}]}`, 5<<10)
	serve := map[string]http.HandlerFunc{
		"gzip bomb": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Encoding", "gzip")
			bomb.writeTo(w)
		},
		"300 MB page": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"value":[{"id":"00000000-0000-0000-0000-00000000000b","userDisplayName":"`))
			mib := []byte(strings.Repeat("b", 1<<20))
			for range 300 {
				if _, err := w.Write(mib); err != nil {
					return
				}
			}
			w.Write([]byte(`"}]}`))
		},
	}
	for name, h := range serve {
		t.Run(name, func(t *testing.T) {
			authority := newAuthority(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"token_type":"Bearer","expires_in":3600,"ext_expires_in":3600,"access_token":"binary-test-token"}`))
			})
			graph := httptest.NewTLSServer(h)
			defer graph.Close()
			// Trust both loopback servers through the system roots.
			var pems []byte
			for _, srv := range []*httptest.Server{graph, authority} {
				pems = append(pems, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})...)
			}
			dir := t.TempDir()
			certs := filepath.Join(dir, "certs.pem")
			if err := os.WriteFile(certs, pems, 0o600); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "out", "snap.json")
			if err := os.Mkdir(filepath.Dir(out), 0o700); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, "fetch", "-o", out, "--graph-url", graph.URL, "--authority-host", authority.URL+"/",
				"--auth", "client-secret", "--tenant", authorityTenant, "--client-id", testClientID, "--summaries", "derived", "--rate", "off")
			cmd.Env = []string{"AZURE_CLIENT_SECRET=" + testSecret, "SSL_CERT_FILE=" + certs, "HOME=" + dir, "PATH=" + os.Getenv("PATH")}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			start := time.Now()
			err := cmd.Run()
			code := cmd.ProcessState.ExitCode()
			rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB on Linux
			t.Logf("exit %d after %s, max RSS %d MB; stderr:\n%s", code, time.Since(start).Round(time.Millisecond), rss>>10, stderr.String())
			if err == nil || code != 4 {
				t.Errorf("exit %d, want 4", code)
			}
			if !strings.Contains(stderr.String(), "page 1 of userRegistrationDetails: the answer is larger than 64 MiB after decompression") {
				t.Errorf("stderr does not name the page and the limit:\n%s", stderr.String())
			}
			if strings.Contains(stderr.String(), testSecret) || strings.Contains(stderr.String(), "goroutine ") {
				t.Error("stderr shows the secret or a stack trace")
			}
			if rss<<10 > 256<<20 {
				t.Errorf("max RSS %d MB, want under 256 MB", rss>>10)
			}
			checkOutputDir(t, out, false)
		})
	}
	t.Run("flags", func(t *testing.T) {
		authority := newAuthority(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"token_type":"Bearer","expires_in":3600,"ext_expires_in":3600,"access_token":"binary-test-token"}`))
		})
		graph := httptest.NewTLSServer(pages(t, func(string) []string { return []string{pageOf("", userRow(0), userRow(1))} }))
		defer graph.Close()
		dir := t.TempDir()
		var pems []byte
		for _, srv := range []*httptest.Server{graph, authority} {
			pems = append(pems, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})...)
		}
		certs := filepath.Join(dir, "certs.pem")
		if err := os.WriteFile(certs, pems, 0o600); err != nil {
			t.Fatal(err)
		}
		run := func(extra ...string) (int, string) {
			args := append([]string{"fetch", "-o", filepath.Join(dir, "snap.json"), "--graph-url", graph.URL, "--authority-host", authority.URL + "/",
				"--auth", "client-secret", "--tenant", authorityTenant, "--client-id", testClientID, "--summaries", "derived", "--rate", "off"}, extra...)
			cmd := exec.Command(bin, args...)
			cmd.Env = []string{"AZURE_CLIENT_SECRET=" + testSecret, "SSL_CERT_FILE=" + certs, "HOME=" + dir, "PATH=" + os.Getenv("PATH")}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			cmd.Run()
			return cmd.ProcessState.ExitCode(), stderr.String()
		}
		if code, stderr := run("--max-page-bytes", "1KiB"); code != 4 || !strings.Contains(stderr, "larger than 1 KiB after decompression") {
			t.Errorf("--max-page-bytes 1KiB on a 2-user page: exit %d, want 4 naming the limit:\n%s", code, stderr)
		}
		if code, stderr := run("--max-page-bytes", "lots"); code != 2 || !strings.Contains(stderr, "--max-page-bytes") {
			t.Errorf("--max-page-bytes lots: exit %d, want 2 naming the flag:\n%s", code, stderr)
		}
		code, stderr := run()
		if code != 0 || !strings.Contains(stderr, "authgate: userRegistrationDetails complete: 1 pages, 2 users") {
			t.Errorf("a log (not a terminal) gets plain progress lines: exit %d\n%s", code, stderr)
		}
		code, stderr = run("--quiet")
		if code != 0 || strings.Contains(stderr, "complete:") {
			t.Errorf("--quiet still shows progress: exit %d\n%s", code, stderr)
		}
	})
}
