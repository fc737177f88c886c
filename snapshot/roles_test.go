package snapshot

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

func testRoles() *Roles {
	return &Roles{
		RoleDefinitions: []jsontext.Value{
			jsontext.Value(`{"id":"62e90394-69f5-4237-9190-012177145e10","displayName":"Global Administrator","templateId":"62e90394-69f5-4237-9190-012177145e10","isBuiltIn":true,"isPrivileged":true,"rolePermissions":[{"condition":null}],"@odata.etag":"W/1"}`),
			jsontext.Value(`{"id":"c1","displayName":"Custom","templateId":null,"isBuiltIn":false,"futureProperty":{"x":1}}`),
		},
		RoleAssignments: []jsontext.Value{
			jsontext.Value(`{"id":"a1","principalId":"g1","roleDefinitionId":"c1","directoryScopeId":"/","appScopeId":null,"principal":{"@odata.type":"#microsoft.graph.group","id":"g1","displayName":"Ops"}}`),
		},
		RoleEligibilityScheduleInstances: []jsontext.Value{
			jsontext.Value(`{"id":"e1","principalId":"u1","roleDefinitionId":"62e90394-69f5-4237-9190-012177145e10","memberType":"Direct","endDateTime":null,"principal":{"@odata.type":"#microsoft.graph.user","id":"u1","userPrincipalName":null}}`),
		},
		Eligibility: EligibilityGraph,
		Groups:      []RoleGroup{{ID: "g1", DisplayName: "Ops", Members: []jsontext.Value{jsontext.Value(`{"id":"u2","userPrincipalName":"b@x","displayName":null}`)}}},
	}
}

func writeRolesSnapshot(t *testing.T, r *Roles, edit func(string) string) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteUser(testUser(1)); err != nil {
		t.Fatal(err)
	}
	if r != nil {
		w.SetRoles(r)
	}
	if _, err := w.Close(nil, nil, testManifest()); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	if edit != nil {
		s = edit(s)
	}
	path := filepath.Join(t.TempDir(), "s.json")
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestRolesRoundTrip: the section is written before the manifest, read back
// verbatim (nulls, annotations and unknown members kept), and PeekRoles
// finds it without the users.
func TestRolesRoundTrip(t *testing.T) {
	path := writeRolesSnapshot(t, testRoles(), nil)
	info, err := Scan(context.Background(), path, ScanOptions{}, func([]UserRegistrationDetails) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	r := info.Roles
	if r == nil || r.Offset <= 0 {
		t.Fatalf("roles %+v", r)
	}
	want := testRoles()
	for i := range want.RoleDefinitions {
		if !bytes.Equal(r.RoleDefinitions[i], want.RoleDefinitions[i]) {
			t.Errorf("roleDefinitions[%d] = %s, want verbatim %s", i, r.RoleDefinitions[i], want.RoleDefinitions[i])
		}
	}
	peek, _, err := PeekRoles(path)
	if err != nil || peek == nil || len(peek.RoleAssignments) != 1 || peek.Offset != r.Offset {
		t.Fatalf("PeekRoles = %+v, %v", peek, err)
	}
	ix, p, m := r.Index()
	if p != "" {
		t.Fatalf("Index: %s: %s", p, m)
	}
	if d := ix.Definitions["c1"]; d.IsPrivileged != nil || d.DisplayName != "Custom" {
		t.Errorf("custom definition %+v: isPrivileged absent must stay nil", d)
	}
	if g := ix.Eligible[0]; g.Principal == nil || g.Principal.Kind() != "user" || g.Principal.UserPrincipalName != "" {
		t.Errorf("eligible grant %+v", g)
	}
	if ix.Groups["g1"].Users[0].UserPrincipalName != "b@x" {
		t.Errorf("group members %+v", ix.Groups["g1"])
	}

	none := writeRolesSnapshot(t, nil, nil)
	if r, g, err := PeekRoles(none); r != nil || g != nil || err != nil {
		t.Errorf("PeekRoles without a section = %v, %v", r, err)
	}
}

// TestRolesBad: a section that cannot be trusted is refused with the path
// of the fault.
func TestRolesBad(t *testing.T) {
	for _, c := range []struct{ name, old, new, path string }{
		{"eligibility", `"eligibility":"graph"`, `"eligibility":"maybe"`, "roles.eligibility"},
		{"assignment without principal", `"principalId":"g1"`, `"principalId":""`, "roles.roleAssignments[0]"},
		{"principalId wrong type", `"principalId":"g1"`, `"principalId":7`, "roles.roleAssignments[0]"},
		{"definition without id", `"id":"c1"`, `"id":null`, "roles.roleDefinitions[1]"},
		{"group without id", `"id":"g1","displayName":"Ops","members"`, `"id":"","displayName":"Ops","members"`, "roles.groups[0].id"},
		{"section not an object", `"roles":{`, `"roles":[{`, "roles"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := writeRolesSnapshot(t, testRoles(), func(s string) string {
				if !strings.Contains(s, c.old) {
					t.Fatalf("%q not in the snapshot", c.old)
				}
				s = strings.Replace(s, c.old, c.new, 1)
				if c.name == "section not an object" {
					s = strings.Replace(s, `}]}}`, `}]}}]`, 1)
				}
				return s
			})
			_, err := Scan(context.Background(), path, ScanOptions{}, func([]UserRegistrationDetails) error { return nil })
			var se *Error
			if !errors.As(err, &se) || !strings.HasPrefix(se.Path, c.path) {
				t.Fatalf("err = %v, want a snapshot error at %s", err, c.path)
			}
		})
	}
}

// TestTopLevelSpans: the byte-level walk finds only top-level members,
// whatever strings and nested values hold, and gives up on what is not an
// object.
func TestTopLevelSpans(t *testing.T) {
	doc := `{"a":[{"roles":{"x":1}},"]\"roles\":{","{[\\"],"roles" : {"k":["}"]} ,"exclusionGroups":null}`
	spans, ok := topLevelSpans(strings.NewReader(doc), "roles", "exclusionGroups")
	if !ok {
		t.Fatal("not followed")
	}
	got := map[string]string{}
	for k, sp := range spans {
		got[k] = doc[sp[0]:sp[1]]
	}
	if got["roles"] != `{"k":["}"]}` || got["exclusionGroups"] != "null" || len(got) != 2 {
		t.Errorf("spans %q", got)
	}
	for _, bad := range []string{"", "[1]", `{"roles":`, `{"a":"unterminated}`} {
		if _, ok := topLevelSpans(strings.NewReader(bad), "roles"); ok {
			t.Errorf("%q followed", bad)
		}
	}
}
