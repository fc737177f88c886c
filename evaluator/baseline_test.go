package evaluator_test

import (
	"context"
	"slices"
	"testing"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/internal/evaltest"
	"github.com/authgate/authgate/policies"
	"github.com/authgate/authgate/result"
	"github.com/authgate/authgate/trend/trendtest"
)

// TestTrendControls evaluates a pair of generated snapshots with planted
// changes: the trend controls are skipped without a baseline and find
// exactly the planted changes with one.
func TestTrendControls(t *testing.T) {
	oldPath, newPath, err := trendtest.WritePair(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Run("without baseline", func(t *testing.T) {
		r := evaluate(t, newPath)
		for _, id := range []string{"AM-TRD-01", "AM-TRD-02", "AM-TRD-03"} {
			if c := evaltest.Control(t, r, id); c.Status != result.StatusSkipped {
				t.Errorf("%s: status %s, want skipped", id, c.Status)
			}
		}
	})
	subjects := func(c *result.Control) []string {
		var ids []string
		for _, v := range c.Violations {
			ids = append(ids, v.Subject.ID)
		}
		return ids
	}
	t.Run("with baseline", func(t *testing.T) {
		r := evaluate(t, newPath, evaluator.WithBaseline(oldPath))
		c1 := evaltest.Control(t, r, "AM-TRD-01")
		if c1.Status != result.StatusFail || len(c1.Violations) != 1 || *c1.Violations[0].Value <= 0.01 {
			t.Errorf("AM-TRD-01 = %s %+v, want one failing drop above 0.01", c1.Status, c1.Violations)
		}
		if got := subjects(evaltest.Control(t, r, "AM-TRD-02")); !slices.Equal(got, []string{trendtest.AdminLost}) {
			t.Errorf("AM-TRD-02 subjects = %v, want [%s]", got, trendtest.AdminLost)
		}
		got := subjects(evaltest.Control(t, r, "AM-TRD-03"))
		if !slices.Contains(got, trendtest.AdminNewWeak) || slices.Contains(got, trendtest.AdminNewStrong) || slices.Contains(got, trendtest.AdminSteady) {
			t.Errorf("AM-TRD-03 subjects = %v, want %s and no admin of the baseline nor %s", got, trendtest.AdminNewWeak, trendtest.AdminNewStrong)
		}
	})
	t.Run("baseline against itself", func(t *testing.T) {
		r := evaluate(t, oldPath, evaluator.WithBaseline(oldPath))
		for _, id := range []string{"AM-TRD-01", "AM-TRD-02", "AM-TRD-03"} {
			if c := evaltest.Control(t, r, id); c.Status != result.StatusPass {
				t.Errorf("%s: status %s, want pass: %+v", id, c.Status, c.Violations)
			}
		}
	})
	t.Run("stream equals document", func(t *testing.T) {
		a := evaluate(t, newPath, evaluator.WithBaseline(oldPath))
		b := evaluate(t, newPath, evaluator.WithBaseline(oldPath), evaluator.WithMode(evaluator.ModeDocument))
		for i := range a.Controls {
			if len(a.Controls[i].Violations) != len(b.Controls[i].Violations) || a.Controls[i].Status != b.Controls[i].Status {
				t.Errorf("%s differs between modes", a.Controls[i].ID)
			}
		}
	})
	t.Run("engine exposes the baseline", func(t *testing.T) {
		e := newEngine(t, evaluator.WithBaseline(oldPath))
		b := e.Baseline()
		if b == nil || b.Aggregates.Scopes["member"].Users == 0 || b.Admins[trendtest.AdminLost].IsMfaCapable != true || len(b.SHA256) != 64 {
			t.Errorf("Baseline() = %+v", b)
		}
	})
}

func newEngine(t *testing.T, opts ...evaluator.Option) *evaluator.Engine {
	t.Helper()
	e, err := evaluator.New(context.Background(), append([]evaluator.Option{evaluator.WithBuiltin(policies.FS)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return e
}
