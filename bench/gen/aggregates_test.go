package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/policies"
	"github.com/authgate/authgate/snapshot"
	"github.com/google/go-cmp/cmp"
)

// TestComputeEqualsEvaluator proves the opa eval input holds exactly the
// aggregates the evaluator hands its tenant-scoped controls.
func TestComputeEqualsEvaluator(t *testing.T) {
	tax, err := LoadTaxonomy(policies.FS)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		users   int
		watched []string
	}{
		{"empty", 0, nil},
		{"defaults", 3000, nil},
		{"break-glass", 3000, []string{"USER00001@contoso.example", "missing@contoso.example"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "snap.json")
			if err := generate(path, tc.users, 7); err != nil {
				t.Fatal(err)
			}
			opts := []evaluator.Option{evaluator.WithBuiltin(policies.FS)}
			if tc.watched != nil {
				bg := []any{}
				for _, w := range tc.watched {
					bg = append(bg, w)
				}
				opts = append(opts, evaluator.WithParams(map[string]any{"break_glass_accounts": bg}))
			}
			e, err := evaluator.New(context.Background(), opts...)
			if err != nil {
				t.Fatal(err)
			}
			res, err := e.Evaluate(context.Background(), path, snapshot.ScanOptions{})
			if err != nil {
				t.Fatal(err)
			}
			got, err := Compute(path, tax, breakGlass(e.Params()))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(res.Aggregates, got.Aggregates); d != "" {
				t.Errorf("aggregates differ from the evaluator's (-evaluator +gen):\n%s", d)
			}
			if tc.watched != nil && got.Accounts[tc.watched[0]] == nil {
				t.Errorf("watched account %s not found", tc.watched[0])
			}
		})
	}
}

// TestInputIsTheSnapshotPlusAggregates checks the opa eval input parses
// and keeps every member of the snapshot.
func TestInputIsTheSnapshotPlusAggregates(t *testing.T) {
	dir := t.TempDir()
	snap, in := filepath.Join(dir, "snap.json"), filepath.Join(dir, "input.json")
	if err := generate(snap, 50, 3); err != nil {
		t.Fatal(err)
	}
	params, err := packParams()
	if err != nil {
		t.Fatal(err)
	}
	if err := writeInput(in, snap, params); err != nil {
		t.Fatal(err)
	}
	var a, b map[string]json.RawMessage
	for p, dst := range map[string]*map[string]json.RawMessage{snap: &a, in: &b} {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	agg := b["aggregates"]
	delete(b, "aggregates")
	if d := cmp.Diff(a, b); d != "" {
		t.Errorf("input differs from the snapshot beyond aggregates:\n%s", d)
	}
	if !strings.Contains(string(agg), `"users":50`) {
		t.Errorf("aggregates %s do not count 50 users", agg)
	}
}

func TestQueryNamesEveryControl(t *testing.T) {
	q, err := Query(policies.FS)
	if err != nil {
		t.Fatal(err)
	}
	e, err := evaluator.New(context.Background(), evaluator.WithBuiltin(policies.FS))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range e.Controls() {
		if !strings.Contains(q, "data."+c.Package+".") {
			t.Errorf("query misses control %s (%s)", c.ID, c.Package)
		}
	}
}
