// Package evaltest checks a snapshot with the built-in pack, for tests of
// the packages that consume results.
package evaltest

import (
	"context"
	"testing"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/policies"
	"github.com/authgate/authgate/result"
	"github.com/authgate/authgate/snapshot"
)

// Evaluate checks the snapshot at path with the built-in pack and opts, and
// decides the verdict at fail-on high.
func Evaluate(t testing.TB, path string, opts ...evaluator.Option) *result.Result {
	t.Helper()
	e, err := evaluator.New(context.Background(), append([]evaluator.Option{evaluator.WithBuiltin(policies.FS)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.Evaluate(context.Background(), path, snapshot.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Decide("high"); err != nil {
		t.Fatal(err)
	}
	return r
}

// Control returns the control id of r, failing the test when r has none.
func Control(t testing.TB, r *result.Result, id string) *result.Control {
	t.Helper()
	for i := range r.Controls {
		if r.Controls[i].ID == id {
			return &r.Controls[i]
		}
	}
	t.Fatalf("no control %s in the result", id)
	return nil
}
