package pseudonym

import (
	"bytes"
	"strings"
	"testing"

	"github.com/authgate/authgate/snapshot"
)

func TestMethodsPolicyUserTargets(t *testing.T) {
	p, err := New(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatal(err)
	}
	in := &snapshot.MethodsPolicy{APIVersion: "v1.0", Source: "graph",
		Policy: []byte(`{"authenticationMethodConfigurations":[{"id":"Fido2","excludeTargets":[{"targetType":"User","id":"11111111-2222-3333-4444-555555555555"},{"targetType":"group","id":"g1"}]}]}`),
		Groups: []snapshot.PolicyGroup{{ID: "g1", Source: "graph", Members: []snapshot.GroupMember{{ID: "u1", UserPrincipalName: "ana@contoso.example"}}}}}
	out, err := p.methodsPolicy(in, nil)
	if err != nil {
		t.Fatal(err)
	}
	pol := string(out.Policy)
	if strings.Contains(pol, "11111111-2222") || !strings.Contains(pol, p.ID("11111111-2222-3333-4444-555555555555")) || !strings.Contains(pol, `"g1"`) {
		t.Errorf("policy = %s", pol)
	}
	if m := out.Groups[0].Members[0]; m.ID != p.ID("u1") || m.UserPrincipalName != p.UPN("ana@contoso.example") {
		t.Errorf("member = %+v", m)
	}
	if in.Groups[0].Members[0].ID != "u1" {
		t.Error("the input was modified")
	}
}
