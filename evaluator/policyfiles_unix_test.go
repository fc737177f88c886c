//go:build unix

package evaluator_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/policies"
)

// TestPolicyFilesRefused proves a hostile policy folder (a pull request's
// checkout) cannot hang the loader on a FIFO, read /dev/zero until memory
// runs out, or pull a file from outside the folder into an error message:
// each is refused before it is read, naming the file.
func TestPolicyFilesRefused(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("package authgate.x\n\nhunter2 := \"a\" +\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		make func(t *testing.T, p string)
		want string
	}{
		{"fifo", func(t *testing.T, p string) {
			if err := syscall.Mkfifo(p, 0o600); err != nil {
				t.Fatal(err)
			}
		}, "not a regular file"},
		{"link to /dev/zero", func(t *testing.T, p string) {
			if err := os.Symlink("/dev/zero", p); err != nil {
				t.Fatal(err)
			}
		}, "outside the policy folder"},
		{"link outside", func(t *testing.T, p string) {
			if err := os.Symlink(secret, p); err != nil {
				t.Fatal(err)
			}
		}, "outside the policy folder"},
		{"too large", func(t *testing.T, p string) {
			if err := os.WriteFile(p, []byte("package authgate.x\n\n"+strings.Repeat("#", 5<<20)+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, "larger than the 4 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := sbWrite(t, map[string]string{"ok.rego": sbControl("SB-1", "violation contains {\"message\": \"m\"} if false\n")})
			evil := filepath.Join(dir, "evil.rego")
			tt.make(t, evil)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			done := make(chan error, 2)
			go func() {
				_, err := evaluator.New(ctx, evaluator.WithBuiltin(policies.FS), evaluator.WithPolicies(dir))
				done <- err
				_, err = evaluator.RunTests(ctx, evaluator.WithBuiltin(policies.FS), evaluator.WithPolicies(dir))
				done <- err
			}()
			for _, name := range []string{"check", "policy test"} {
				select {
				case err := <-done:
					var pe *evaluator.PolicyError
					if !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), evil+": ") || !strings.Contains(err.Error(), tt.want) {
						t.Errorf("%s: error %v, want a policy error naming %s: %s", name, err, evil, tt.want)
					}
					if err != nil && strings.Contains(err.Error(), "hunter2") {
						t.Errorf("%s: the linked file's content reached the error: %v", name, err)
					}
				case <-time.After(20 * time.Second):
					t.Fatalf("%s: still loading after 20s", name)
				}
			}
		})
	}
}

// TestPolicyLinksInside proves links that stay inside the folder, and a
// folder named through a link, still load.
func TestPolicyLinksInside(t *testing.T) {
	dir := sbWrite(t, map[string]string{"control.txt": sbControl("SB-1", "violation contains {\"message\": \"m\"} if false\n")})
	if err := os.Symlink("control.txt", filepath.Join(dir, "control.rego")); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "policies")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	e, err := evaluator.New(context.Background(), evaluator.WithBuiltin(policies.FS), evaluator.WithoutBuiltinControls(), evaluator.WithPolicies(link))
	if err != nil {
		t.Fatal(err)
	}
	if c := e.Controls(); len(c) != 1 || c[0].ID != "SB-1" {
		t.Fatalf("controls = %+v, want SB-1", c)
	}
}
