package evaluator

import (
	"testing"
	"time"

	"github.com/authgate/authgate/internal/tenantgen"
	"github.com/authgate/authgate/result"
	"github.com/authgate/authgate/snapshot"
	"github.com/open-policy-agent/opa/v1/ast"
)

// TestUserBuilderMatchesUserTerm: for every property it keeps, the streamed
// conversion gives a user exactly the value the whole document gives it
// (userTerm, then withDirectoryRoles): isAdmin null where the row left it
// null, a null capability as false, the "@authgate.unknown" list, a role
// holder's directoryRoles; and it keeps nothing else.
func TestUserBuilderMatchesUserTerm(t *testing.T) {
	var users []snapshot.UserRegistrationDetails
	tenant := tenantgen.Tenant{Seed: 11, Users: 3000, Now: time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC)}
	tenant.Each(func(_ int, u *snapshot.UserRegistrationDetails) { users = append(users, *u) })
	nulls, adminNull := 0, 0
	for i := range users {
		if users[i].Unknown() != nil {
			nulls++
		}
		if !users[i].AdminKnown() {
			adminNull++
		}
	}
	if nulls == 0 || adminNull == 0 {
		t.Fatalf("the tenant has %d rows with unknowns, %d with isAdmin null: the test would prove nothing", nulls, adminNull)
	}
	held := []result.HeldRole{{RoleDefinitionID: "r1", TemplateID: "t1", RoleName: "Global Administrator", Privileged: true, Assignment: result.AssignmentEligible, ViaGroupID: "g1", ViaGroup: "PIM-Admins"}}
	held[0].Description = describeRole(held[0])
	roles := &roleSet{holders: map[string]*result.RoleHolder{
		users[3].ID: {ID: users[3].ID, Roles: held},
		users[7].ID: {ID: users[7].ID, Roles: append(held, result.HeldRole{RoleName: "Helpdesk Administrator", Assignment: result.AssignmentActive, Description: "Helpdesk Administrator (active)"})},
	}}
	for k, name := range snapshot.PropertyNames { // a role holder whose isAdmin is null
		if name == "isAdmin" {
			users[3].Nulls |= 1 << k
		}
	}
	want := withDirectoryRoles(usersTerm(users, termCache{}), users, roles).Value.(*ast.Array)
	for _, fields := range []userFields{
		nil,
		{"id": true, "isAdmin": true, UnknownKey: true, "directoryRoles": true},
		{"userType": true, "isMfaCapable": true, "methodsRegistered": true},
	} {
		b := newUserBuilder(fields, roles)
		for _, chunk := range [][2]int{{0, 1000}, {1000, 3000}} { // reuse across chunks
			got := b.chunk(users[chunk[0]:chunk[1]]).Get(kUsers).Value.(*ast.Array)
			if got.Len() != chunk[1]-chunk[0] {
				t.Fatalf("%d users built, want %d", got.Len(), chunk[1]-chunk[0])
			}
			for i := range got.Len() {
				full := want.Elem(chunk[0] + i).Value.(ast.Object)
				o := got.Elem(i).Value.(ast.Object)
				filtered := ast.NewObject()
				full.Foreach(func(k, v *ast.Term) {
					if fields.has(string(k.Value.(ast.String))) {
						filtered.Insert(k, v)
					}
				})
				if o.Compare(filtered) != 0 {
					t.Fatalf("fields %v, user %d:\n got %v\nwant %v", fields, chunk[0]+i, o, filtered)
				}
			}
		}
	}
	if u := want.Elem(3).Value.(ast.Object); u.Get(kDirectoryRoles) == nil || !u.Get(kIsAdmin).Equal(ast.NullTerm()) {
		t.Fatalf("the reference lacks the role holder's directoryRoles or its null isAdmin: %v", u)
	}
}
