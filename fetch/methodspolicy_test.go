package fetch_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/authgate/authgate/fetch"
	"github.com/authgate/authgate/internal/graphfake"
	"github.com/authgate/authgate/snapshot"
)

func fetchPolicy(t *testing.T, s *graphfake.Server, tune func(*fetch.Options)) (*snapshot.Info, error) {
	t.Helper()
	return fetchWith(t, s, func(o *fetch.Options) {
		o.MethodsPolicy = true
		if tune != nil {
			tune(o)
		}
	})
}

// The policy is stored as Graph served it, every target group is resolved
// to its users through the paged transitiveMembers (a nested group
// included), and the manifest says where the section came from.
func TestMethodsPolicyFetched(t *testing.T) {
	s := newServer(t, 3000, graphfake.Options{})
	info, err := fetchPolicy(t, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := info.MethodsPolicy
	if p == nil || p.Source != snapshot.SourceGraph || p.APIVersion != "v1.0" {
		t.Fatalf("section = %+v", p)
	}
	if m := info.Manifest.MethodsPolicy; m == nil || m.Source != "graph" || m.APIVersion != "v1.0" {
		t.Errorf("manifest.methodsPolicy = %+v", m)
	}
	var got, want any
	if err := json.Unmarshal(p.Policy, &got); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(s.MethodsPolicy("v1.0"))
	_ = json.Unmarshal(b, &want)
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	if string(gb) != string(wb) {
		t.Errorf("policy not kept verbatim:\n got %s\nwant %s", gb, wb)
	}
	if strings.Contains(string(p.Policy), "systemCredentialPreferences") {
		t.Error("v1.0 fetch holds beta settings")
	}
	g := s.Groups()
	if len(g.FrontDeskUsers) <= 10 {
		t.Fatalf("front-desk group has %d users: too few to need a second page", len(g.FrontDeskUsers))
	}
	byID := map[string]snapshot.PolicyGroup{}
	for _, pg := range p.Groups {
		byID[pg.ID] = pg
	}
	if len(byID) != 3 {
		t.Fatalf("groups = %d, want 3", len(p.Groups))
	}
	if fd := byID[g.FrontDesk]; fd.Source != "graph" || len(fd.Members) != len(g.FrontDeskUsers) {
		t.Errorf("front desk: %s with %d members, want %d", fd.Source, len(fd.Members), len(g.FrontDeskUsers))
	}
	if pl := byID[g.Pilot]; len(pl.Members) != len(g.FrontDeskUsers)+1 {
		t.Errorf("nested pilot group: %d members, want %d", len(pl.Members), len(g.FrontDeskUsers)+1)
	}
	if st := s.Stats(); st.Requests[graphfake.EndpointGroupMembers] < 6 {
		t.Errorf("group member requests = %d, want paged requests", st.Requests[graphfake.EndpointGroupMembers])
	}
}

func TestMethodsPolicyBeta(t *testing.T) {
	s := newServer(t, 50, graphfake.Options{})
	info, err := fetchPolicy(t, s, func(o *fetch.Options) { o.APIVersion = "beta" })
	if err != nil {
		t.Fatal(err)
	}
	if p := info.MethodsPolicy; p.APIVersion != "beta" || !strings.Contains(string(p.Policy), `"systemCredentialPreferences"`) {
		t.Errorf("beta section = %s %s", p.APIVersion, p.Policy)
	}
}

// Without Policy.Read.AuthenticationMethod the fetch succeeds and the section
// says why it is empty; without GroupMember.Read.All each group does.
func TestMethodsPolicyForbidden(t *testing.T) {
	s := newServer(t, 50, graphfake.Options{Policy: graphfake.PolicyOptions{Forbidden: true}})
	info, err := fetchPolicy(t, s, nil)
	if err != nil {
		t.Fatalf("a 403 on the policy failed the fetch: %v", err)
	}
	p := info.MethodsPolicy
	if p.Source != snapshot.SourceOmitted || !strings.Contains(p.Reason, "403") || !strings.Contains(p.Reason, fetch.PermissionMethodsPolicy) || string(p.Policy) != "null" {
		t.Errorf("section = %+v", p)
	}
	if m := info.Manifest.MethodsPolicy; m == nil || m.Source != "omitted" || m.Reason != p.Reason {
		t.Errorf("manifest.methodsPolicy = %+v", m)
	}

	s = newServer(t, 50, graphfake.Options{Policy: graphfake.PolicyOptions{GroupsForbidden: true}})
	info, err = fetchPolicy(t, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.MethodsPolicy.Groups) != 3 {
		t.Fatalf("groups = %+v", info.MethodsPolicy.Groups)
	}
	for _, g := range info.MethodsPolicy.Groups {
		if g.Source != snapshot.SourceOmitted || !strings.Contains(g.Reason, fetch.PermissionGroupMembers) || len(g.Members) != 0 {
			t.Errorf("group %+v", g)
		}
	}
}

// A throttled or failing policy request is retried like every report; a
// truncated answer fails the fetch with a message naming the policy.
func TestMethodsPolicyFaults(t *testing.T) {
	s := newServer(t, 50, graphfake.Options{})
	s.Inject(graphfake.Fault{Endpoint: graphfake.EndpointMethodsPolicy, Kind: graphfake.Fault429, Times: 2})
	s.Inject(graphfake.Fault{Endpoint: graphfake.EndpointGroupMembers, Kind: graphfake.Fault503, Times: 1})
	if _, err := fetchPolicy(t, s, nil); err != nil {
		t.Fatalf("retried fetch: %v", err)
	}
	s.Inject(graphfake.Fault{Endpoint: graphfake.EndpointMethodsPolicy, Kind: graphfake.FaultTruncated, Times: 1})
	_, err := fetchPolicy(t, s, nil)
	if err == nil || !strings.Contains(err.Error(), "authenticationMethodsPolicy") {
		t.Fatalf("truncated policy: err = %v", err)
	}
	var ge *fetch.GraphError
	if errors.As(err, &ge) {
		t.Errorf("a malformed answer reported as a Graph error: %v", err)
	}
}

func TestTargetGroups(t *testing.T) {
	var doc any
	_ = json.Unmarshal([]byte(`{"a":[{"targetType":"group","id":"g2"},{"targetType":"Group","id":"g1"},{"targetType":"user","id":"u"},
		{"targetType":"group","id":"all_users"},{"deep":{"includeTarget":{"targetType":"group","id":"g1"}}},{"targetType":7,"id":"x"}]}`), &doc)
	if got := fetch.TargetGroups(doc); !slices.Equal(got, []string{"g1", "g2"}) {
		t.Errorf("TargetGroups = %v", got)
	}
}
