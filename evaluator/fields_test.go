package evaluator

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/authgate/authgate/policies"
)

// TestBuiltinPackReadsSomeFields: the built-in pack's controls read a known
// subset of a user's properties, so the others are never converted; every
// property a built-in control names is among them.
func TestBuiltinPackReadsSomeFields(t *testing.T) {
	e, err := New(context.Background(), WithBuiltin(policies.FS))
	if err != nil {
		t.Fatal(err)
	}
	if f, why := readUserFields(e.compiler); f == nil {
		t.Fatalf("the built-in pack is analysed as reading every property: %s", why)
	}
	got := slices.Sorted(maps.Keys(e.fields))
	t.Logf("read: %v", got)
	for _, want := range []string{"id", "userPrincipalName", "userDisplayName", "isAdmin", "isMfaCapable", "methodsRegistered", "userType"} {
		if !e.fields[want] {
			t.Errorf("%s is read by the pack but would not be converted (read: %v)", want, got)
		}
	}
	if e.fields["lastUpdatedDateTime"] {
		t.Errorf("lastUpdatedDateTime is converted, though no built-in user control reads it")
	}
}
