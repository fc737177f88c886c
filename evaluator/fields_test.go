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
	fields := e.readFields()
	got := slices.Sorted(maps.Keys(fields))
	t.Logf("read: %v", got)
	for _, want := range []string{"id", "userPrincipalName", "userDisplayName", "isAdmin", "isMfaCapable", "methodsRegistered", "userType"} {
		if !fields[want] {
			t.Errorf("%s is read by the pack but would not be converted (read: %v)", want, got)
		}
	}
	if fields["lastUpdatedDateTime"] {
		t.Errorf("lastUpdatedDateTime is converted, though no built-in user control reads it")
	}
}

// TestReadUserFields: properties read with a constant key, through rules,
// comprehensions and functions, are found; any read the analysis cannot
// follow keeps every property.
func TestReadUserFields(t *testing.T) {
	const head = "package authgate.t\n\n"
	for _, tc := range []struct {
		name, src string
		want      []string // nil: every property
	}{
		{"ref", `violation contains u.id if { some u in input.userRegistrationDetails; u.isSsprEnabled }`, []string{"id", "isSsprEnabled"}},
		{"object.get", `violation contains x if { some u in input.userRegistrationDetails; x := object.get(u, "userType", "") }`, []string{"userType"}},
		{"function", "f(x) := x.isSsprCapable\nviolation contains 1 if { some u in input.userRegistrationDetails; f(u) }", []string{"isSsprCapable"}},
		{"rule of users", "guests := [u | some u in input.userRegistrationDetails; u.userType == \"guest\"]\nviolation contains g.id if { some g in guests; not g.isMfaRegistered }", []string{"id", "isMfaRegistered", "userType"}},
		{"tenant section", `violation contains 1 if is_object(object.get(input, "usage", null))`, []string{}},
		{"input[x]", `violation contains 1 if { some name, users in input; some u in users; u.isAdmin }`, nil},
		{"computed key", `violation contains t if { some u in input.userRegistrationDetails; k := concat("", ["lastUpdated", "DateTime"]); t := u[k] }`, nil},
		{"every key", `violation contains k if { some u in input.userRegistrationDetails; some k, _ in u }`, nil},
		{"whole user to a builtin", `violation contains json.marshal(u) if some u in input.userRegistrationDetails`, nil},
		{"user in a finding", `violation contains {"subject": u} if some u in input.userRegistrationDetails`, nil},
		{"user compared", `violation contains 1 if { some u in input.userRegistrationDetails; u == {} }`, nil},
		{"whole input to a builtin", `violation contains 1 if { walk(input, [p, v]); v == "x" }`, nil},
		{"set element as key", "s contains u if some u in input.userRegistrationDetails\nviolation contains json.marshal(x) if s[x]", nil},
		{"index used", `violation contains sprintf("%v", [i]) if { some i, u in input.userRegistrationDetails; u.isAdmin }`, nil},
		{"with input", "r contains 1 if input.userRegistrationDetails[_].isAdmin\nviolation contains 1 if { r with input as {} }", nil},
		{"constant key", "k := \"@authgate.unknown\"\nviolation contains 1 if { some u in input.userRegistrationDetails; count(u[k]) > 0 }", []string{"@authgate.unknown"}},
		{"constant key with a default", "default k := \"id\"\nk := \"isAdmin\" if input.x\nviolation contains 1 if { some u in input.userRegistrationDetails; u[k] }", nil},
		{"directoryRoles", `violation contains r.description if { some u in input.userRegistrationDetails; some r in object.get(u, "directoryRoles", []) }`, []string{"directoryRoles"}},
		{"array.concat of users", "a := array.concat([u | some u in input.userRegistrationDetails; u.isAdmin], [u | some u in input.userRegistrationDetails; u.directoryRoles[0]])\nviolation contains x.id if some x in a", []string{"directoryRoles", "id", "isAdmin"}},
		{"array.concat with a user element", `violation contains 1 if { some u in input.userRegistrationDetails; a := array.concat([u], [1]); count(a[0]) > 0 }`, nil},
		{"every over users", `violation contains 1 if { every u in input.userRegistrationDetails { u.isMfaCapable } }`, []string{"isMfaCapable"}},
		{"every over a section", `violation contains 1 if { some u in input.userRegistrationDetails; u.id; every x in input.authenticationMethodsPolicy.groups { x.source } }`, []string{"id"}},
		{"every over a user's keys", `violation contains 1 if { some u in input.userRegistrationDetails; every k, v in u { v != k } }`, nil},
		{"every with the set key used", `s contains u if some u in input.userRegistrationDetails
violation contains 1 if { every k, v in s { k.id; v.isAdmin } }`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mod, err := parseModule("t.rego", []byte(head+tc.src))
			if err != nil {
				t.Fatal(err)
			}
			c, err := compile([]module{{name: "t.rego", parsed: mod}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, why := readUserFields(c)
			if tc.want == nil {
				if got != nil {
					t.Fatalf("read %v, want every property", slices.Sorted(maps.Keys(got)))
				}
				if why == "" {
					t.Error("no reason given for keeping every property")
				}
				return
			}
			if got == nil {
				t.Fatalf("every property kept (%s), want %v", why, tc.want)
			}
			if g := slices.Sorted(maps.Keys(got)); !slices.Equal(g, tc.want) {
				t.Errorf("read %v, want %v", g, tc.want)
			}
		})
	}
}

// TestPlan: chunks grow with the snapshot up to maxChunk, each worker gets
// several, and a small snapshot is one chunk for one worker.
func TestPlan(t *testing.T) {
	for _, tc := range []struct {
		size            int64
		workers         int
		chunk, nWorkers int
	}{
		{0, 2, minChunk, 1},
		{100 * bytesPerUser, 8, minChunk, 1},
		{10_000 * bytesPerUser, 2, minChunk, 2},
		{100_000 * bytesPerUser, 2, 3125, 2},
		{1_000_000 * bytesPerUser, 2, maxChunk, 2},
		{1_000_000 * bytesPerUser, 64, 976, 64},
	} {
		chunk, n := plan(tc.size, tc.workers)
		if chunk != tc.chunk || n != tc.nWorkers {
			t.Errorf("plan(%d, %d) = %d users a chunk, %d workers; want %d, %d", tc.size, tc.workers, chunk, n, tc.chunk, tc.nWorkers)
		}
	}
}

// BenchmarkReadUserFields is what the analysis adds to every check's
// start-up, for the built-in pack.
func BenchmarkReadUserFields(b *testing.B) {
	e, err := New(context.Background(), WithBuiltin(policies.FS))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if f, _ := readUserFields(e.compiler); f == nil {
			b.Fatal("every property")
		}
	}
}
