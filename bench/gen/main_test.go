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

// TestCustomPack checks the benchmark's custom pack loads as user policies
// (the documented convention: METADATA, one package per control) and finds
// exactly the users a straightforward count finds, on a tenant of several
// chunks so the property pruning is in play.
func TestCustomPack(t *testing.T) {
	snap := filepath.Join(t.TempDir(), "snap.json")
	if err := generate(snap, 6000, 5); err != nil {
		t.Fatal(err)
	}
	doc, _, err := snapshot.Load(context.Background(), snap)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{}
	for _, u := range doc.UserRegistrationDetails {
		if u.UserType == "member" && u.IsSsprRegistered && !u.IsMfaRegistered {
			want["BENCH-USR-01"]++
		}
		if u.UserType == "guest" && !u.IsMfaRegistered {
			want["BENCH-USR-02"]++
		}
	}
	e, err := evaluator.New(context.Background(), evaluator.WithBuiltin(policies.FS), evaluator.WithoutBuiltinControls(), evaluator.WithPolicies("../custompack"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.Evaluate(context.Background(), snap, snapshot.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Controls) != 2 {
		t.Fatalf("%d controls, want the pack's 2", len(r.Controls))
	}
	for _, c := range r.Controls {
		if want[c.ID] == 0 || len(c.Violations) != want[c.ID] {
			t.Errorf("%s: %d findings, a straightforward count finds %d", c.ID, len(c.Violations), want[c.ID])
		}
	}
}
