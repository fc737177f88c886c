package evaluator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/internal/evaltest"
)

// dynamicPolicy reaches the users through input with a key computed at run
// time and reads a property by a computed name: the property-pruning
// analysis cannot follow it, so every property must still reach it.
const dynamicPolicy = `# METADATA
# scope: package
# title: Guests by their report time
# description: Reads input and its users with keys computed at run time.
# custom:
#   id: TEST-DYN-01
#   severity: low
#   scope: user
#   remediation: None.
#   references:
#     - id: TEST
#       description: a test
package authgate.test.dynamic

section := concat("", ["userRegistration", "Details"])

stamp := concat("", ["lastUpdated", "DateTime"])

violation contains v if {
	some u in input[section]
	u.userType == "guest"
	v := {"message": sprintf("%s updated %s", [u.id, u[stamp]]), "subject": {"id": u.id}}
}
`

// TestDynamicReadKeepsEveryProperty: with a policy the analysis cannot
// follow, the streamed check finds exactly what OPA finds over the whole
// document (as opa eval does), down to the property only a computed key names.
func TestDynamicReadKeepsEveryProperty(t *testing.T) {
	path := writeSnapshot(t, 3000, 5, false)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "dynamic.rego"), []byte(dynamicPolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	r := evaluate(t, path, evaluator.WithoutBuiltinControls(), evaluator.WithPolicies(dir), evaluator.WithChunkSize(700))
	var got []string
	for _, v := range evaltest.Control(t, r, "TEST-DYN-01").Violations {
		got = append(got, v.Message)
	}

	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	rs, err := rego.New(rego.Query("data.authgate.test.dynamic.violation"), rego.Module("dynamic.rego", dynamicPolicy), rego.Input(doc)).Eval(context.Background())
	if err != nil || len(rs) != 1 {
		t.Fatalf("opa: %v (%d results)", err, len(rs))
	}
	var want []string
	for _, v := range rs[0].Expressions[0].Value.([]any) {
		want = append(want, v.(map[string]any)["message"].(string))
	}
	slices.Sort(got)
	slices.Sort(want)
	if len(want) == 0 {
		t.Fatal("no guest in the generated tenant: the test proves nothing")
	}
	if !slices.Equal(got, want) {
		t.Fatalf("%d findings, OPA over the whole document %d; first: %q vs %q", len(got), len(want), first(got), first(want))
	}
	if strings.HasSuffix(want[0], "updated ") {
		t.Fatalf("the computed property is empty in %q: the test proves nothing", want[0])
	}
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
