package gate

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// TestDiff: a snapshot against itself changes nothing; two results JSON
// files compare without preparing a plan (so a bad policy flag does not
// matter to them); one of each is an InputError.
func TestDiff(t *testing.T) {
	ctx := context.Background()
	rep, err := Diff(ctx, Options{FailOn: "none"}, sample, sample)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Coverage) == 0 || len(rep.Controls) == 0 {
		t.Fatalf("snapshot diff has no coverage or controls: %+v", rep)
	}
	for _, c := range rep.Controls {
		if len(c.New)+len(c.Resolved) > 0 {
			t.Errorf("control %s changed between a snapshot and itself: %d new, %d resolved", c.ID, len(c.New), len(c.Resolved))
		}
	}

	results := filepath.Join(t.TempDir(), "r.json")
	p, err := Prepare(ctx, Options{FailOn: "none", Format: "json", OutputFile: results})
	if err != nil {
		t.Fatal(err)
	}
	out, err := Run(ctx, p.WithSnapshot(sample))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Write(ctx, out, io.Discard, BuildInfo{}); err != nil {
		t.Fatal(err)
	}
	if _, err := Diff(ctx, Options{FailOn: "severe"}, results, results); err != nil {
		t.Errorf("two results files: %v", err)
	}
	_, err = Diff(ctx, Options{FailOn: "none"}, sample, results)
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "not one of each") {
		t.Errorf("a snapshot and a results file: %v, want an InputError", err)
	}
}
