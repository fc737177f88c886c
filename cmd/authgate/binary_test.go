package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// built is the authgate binary the end-to-end tests drive, built once per
// test run: they see exit codes, stderr and files exactly as a CI job does,
// and the package's tests pay for one build, not one per test.
var built struct {
	once      sync.Once
	dir, path string
	err       error
}

// builtBinary returns the path of the built binary, building it on first
// use. Under -short the test is skipped instead.
func builtBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: builds the binary")
	}
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "authgate-bin-"); built.err != nil {
			return
		}
		built.path = filepath.Join(built.dir, "authgate")
		if out, err := exec.Command("go", "build", "-o", built.path, ".").CombinedOutput(); err != nil {
			built.err = errors.New(string(out))
		}
	})
	if built.err != nil {
		t.Fatalf("go build: %v", built.err)
	}
	return built.path
}

// TestMain removes the built binary once every test has run; returning
// hands m.Run's result to the test binary's exit.
func TestMain(m *testing.M) {
	m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
}
