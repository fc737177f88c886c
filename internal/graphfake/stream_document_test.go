package graphfake_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/fetch"
	"github.com/authgate/authgate/internal/evaltest"
	"github.com/authgate/authgate/internal/fetchtest"
	"github.com/authgate/authgate/internal/graphfake"
	"github.com/authgate/authgate/internal/tenantgen"
	"github.com/authgate/authgate/pseudonym"
)

// fullSnapshot fetches, through the real fetcher, the emulator's tenant as
// it really looks (rows with nulls, unknown enum members, case variants),
// with every optional section: usage, roles (eligible and group-held
// administrators) and the methods policy.
func fullSnapshot(t *testing.T, users int, api string) string {
	t.Helper()
	_, out := fetchtest.Fetch(t, graphfake.Options{Tenant: tenantgen.Tenant{Seed: 7, Users: users, Now: e2eNow}, Rate: -1},
		fetch.Options{APIVersion: fetch.APIVersion(api), TryTimeout: 5 * time.Second, Now: func() time.Time { return e2eNow },
			Usage: true, Roles: true, MethodsPolicy: true})
	return out
}

// TestStreamEqualsDocumentFullTenant: the streamed evaluation, in small
// chunks so that it converts only the user properties the controls read,
// finds exactly what OPA finds over the whole document, control by control,
// on a tenant with unknown values, role holders the per-user report does
// not flag and a methods policy: the members authgate adds to a user
// (isAdmin null, "@authgate.unknown", "directoryRoles") and the policy
// section beside the users reach every control in both modes.
func TestStreamEqualsDocumentFullTenant(t *testing.T) {
	p, err := pseudonym.New([]byte("a-test-pseudonym-key"))
	if err != nil {
		t.Fatal(err)
	}
	paths := map[string]string{"v1.0": fullSnapshot(t, 1500, "v1.0"), "beta": fullSnapshot(t, 1500, "beta")}
	for _, tc := range []struct {
		api  string
		view []evaluator.Option
	}{{"v1.0", nil}, {"beta", nil}, {"v1.0", []evaluator.Option{evaluator.WithRewrite(p)}}} {
		name := tc.api
		if tc.view != nil {
			name += " pseudonymised"
		}
		t.Run(name, func(t *testing.T) {
			path := paths[tc.api]
			opts := append([]evaluator.Option{evaluator.WithParams(map[string]any{"break_glass_accounts": []any{"user00000@contoso.example"}})}, tc.view...)
			stream := evaltest.Evaluate(t, path, append(opts, evaluator.WithChunkSize(97), evaluator.WithWorkers(3))...)
			doc := evaltest.Evaluate(t, path, append(opts, evaluator.WithMode(evaluator.ModeDocument))...)
			// The snapshot exercises what the fast path must reproduce.
			for _, id := range []string{"AM-DQ-03", "AM-ADM-04"} {
				if c := evaltest.Control(t, doc, id); len(c.Violations) == 0 {
					t.Errorf("%s finds nobody in document mode: the tenant does not exercise it", id)
				}
			}
			if doc.MethodsPolicy == nil {
				t.Error("no methods policy in the result: the tenant does not exercise the policy controls")
			}
			if len(stream.Controls) != len(doc.Controls) {
				t.Fatalf("%d controls streamed, %d in document mode", len(stream.Controls), len(doc.Controls))
			}
			for i := range doc.Controls {
				a, _ := json.Marshal(stream.Controls[i])
				b, _ := json.Marshal(doc.Controls[i])
				if !bytes.Equal(a, b) {
					t.Errorf("%s: stream and document differ (%d and %d findings): %s", doc.Controls[i].ID,
						len(stream.Controls[i].Violations), len(doc.Controls[i].Violations), diffAt(a, b))
				}
			}
			a, _ := json.MarshalIndent(stream, "", " ")
			b, _ := json.MarshalIndent(doc, "", " ")
			if !bytes.Equal(a, b) {
				t.Errorf("stream and document results differ: %s", diffAt(a, b))
			}
		})
	}
}

func diffAt(a, b []byte) string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			x, y := la[i], lb[i]
			for j := range min(len(x), len(y)) {
				if x[j] != y[j] {
					lo := max(0, j-80)
					return fmt.Sprintf("line %d, at %d: %q vs %q", i+1, j, x[lo:min(len(x), j+80)], y[lo:min(len(y), j+80)])
				}
			}
			return fmt.Sprintf("line %d: %q vs %q", i+1, x, y)
		}
	}
	return fmt.Sprintf("lengths %d vs %d lines", len(la), len(lb))
}
