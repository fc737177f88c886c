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

// TestInputIsTheSnapshotPlusAggregates checks the opa eval input parses,
// keeps every member of the snapshot and presents the users as the
// evaluator presents them: a null capability as false, a null isAdmin as
// null, the unknown values named in "@authgate.unknown".
func TestInputIsTheSnapshotPlusAggregates(t *testing.T) {
	dir := t.TempDir()
	snap, in := filepath.Join(dir, "snap.json"), filepath.Join(dir, "input.json")
	if err := generate(snap, 400, 3); err != nil {
		t.Fatal(err)
	}
	params, err := packParams()
	if err != nil {
		t.Fatal(err)
	}
	if err := writeInput(in, snap, params); err != nil {
		t.Fatal(err)
	}
	var a, b map[string]any
	for p, dst := range map[string]*map[string]any{snap: &a, in: &b} {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	agg, _ := json.Marshal(b["aggregates"])
	if !strings.Contains(string(agg), `"users":400`) {
		t.Errorf("aggregates %s do not count 400 users", agg)
	}
	for _, k := range []string{"usage", "roles", snapshot.ReportMethodsPolicy} {
		if v, ok := b[k]; !ok || v != nil {
			t.Errorf("%s: %v, want null as the evaluator gives a missing section", k, v)
		}
		delete(b, k)
	}
	delete(b, "aggregates")
	users, rows := b["userRegistrationDetails"].([]any), a["userRegistrationDetails"].([]any)
	delete(a, "userRegistrationDetails")
	delete(b, "userRegistrationDetails")
	if d := cmp.Diff(a, b); d != "" {
		t.Errorf("input differs from the snapshot beyond aggregates and users:\n%s", d)
	}
	if len(users) != len(rows) {
		t.Fatalf("%d users in the input, %d in the snapshot", len(users), len(rows))
	}
	unknown := 0
	for i := range rows {
		row, u := rows[i].(map[string]any), users[i].(map[string]any)
		for k, v := range row {
			if _, ok := u[k]; !ok && strings.HasPrefix(k, "@") {
				continue // annotations: the evaluator does not hand them to the controls
			}
			switch {
			case v == nil && strings.HasPrefix(k, "is") && k != "isAdmin":
				if u[k] != false {
					t.Errorf("user %d: null %s presented as %v, want false", i, k, u[k])
				}
			case v == nil:
				// strings as "", collections as [], isAdmin null: as userTerm.
			case !cmp.Equal(v, u[k]):
				t.Errorf("user %d: %s is %v in the snapshot, %v in the input", i, k, v, u[k])
			}
		}
		if names, ok := u[evaluator.UnknownKey].([]any); ok && len(names) > 0 {
			unknown++
		}
	}
	if unknown == 0 {
		t.Error("no user with unknown values: the test proves nothing about them")
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
