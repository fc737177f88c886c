package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authgate/authgate/reports"
)

func TestDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	var stdout, stderr bytes.Buffer
	err := cmdDemo(context.Background(), []string{"--users", "300", "--out", dir}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, stderr.String())
	}
	if exitCode(err) != exitOK {
		t.Errorf("exit %d", exitCode(err))
	}
	if !strings.Contains(stdout.String(), "verdict: ") || !strings.Contains(stderr.String(), "fetched 300 users") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := 2 + len(reports.Formats()); len(entries) != want {
		t.Errorf("%d files in %s, want the snapshot, authgate.yaml and %d reports", len(entries), dir, len(reports.Formats()))
	}
	for _, e := range entries {
		if !strings.Contains(stdout.String(), filepath.Join(dir, e.Name())) {
			t.Errorf("stdout does not name %s", e.Name())
		}
	}
	// The demo fetches every section: the role holders isAdmin misses are
	// named by AM-ADM-04 in the text results.
	text, err := os.ReadFile(filepath.Join(dir, "results.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(text), "AM-ADM-04") || !strings.Contains(string(text), "(eligible") || !strings.Contains(string(text), "via group PIM-Admins") {
		t.Errorf("results.txt does not name the eligible and group-held administrators:\n%s", text)
	}
	if !strings.Contains(string(text), "exclusions (users out of scope):") || !strings.Contains(string(text), "users removed: AM-PWL-01 3") {
		t.Errorf("results.txt does not list the demo exclusion with its removed users:\n%s", text)
	}
	if err := cmdDemo(context.Background(), []string{"--users", "-1"}, &stdout, &stderr); exitCode(err) != exitUsage {
		t.Errorf("--users -1: %v", err)
	}
}
