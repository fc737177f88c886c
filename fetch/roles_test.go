package fetch_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/authgate/authgate/fetch"
	"github.com/authgate/authgate/internal/graphfake"
	"github.com/authgate/authgate/internal/tenantgen"
	"github.com/authgate/authgate/snapshot"
)

// fetchRoles fetches a snapshot with the roles section from s.
func fetchRoles(t *testing.T, s *graphfake.Server, tune func(*fetch.Options)) (*snapshot.Info, error) {
	t.Helper()
	return fetchWith(t, s, func(o *fetch.Options) {
		o.Roles = true
		if tune != nil {
			tune(o)
		}
	})
}

func roleSources(m snapshot.Manifest) map[string]snapshot.SummarySource {
	out := map[string]snapshot.SummarySource{}
	for _, s := range m.Summaries {
		switch s.Report {
		case fetch.ReportRoleDefinitions, fetch.ReportRoleAssignments, fetch.ReportRoleEligibility, fetch.ReportGroupMembers:
			out[s.Report] = s
		}
	}
	return out
}

// TestRolesFetched fetches every role object the emulator serves, across
// pages of two, through injected 429 and 503 answers, and the members of
// both role-assignable groups.
func TestRolesFetched(t *testing.T) {
	s := newServer(t, 400, graphfake.Options{Roles: graphfake.RolesOptions{PageSize: 2}})
	s.Inject(graphfake.Fault{Kind: graphfake.Fault429, Endpoint: graphfake.EndpointRoleAssignments, Page: 2})
	s.Inject(graphfake.Fault{Kind: graphfake.Fault503, Endpoint: graphfake.EndpointGroupMembers})
	info, err := fetchRoles(t, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := info.Roles
	if r == nil {
		t.Fatal("no roles section")
	}
	fx := s.Tenant().Roles()
	var active, eligible int
	for _, g := range fx.Grants {
		if g.Eligible {
			eligible++
		} else {
			active++
		}
	}
	if len(r.RoleAssignments) != active || len(r.RoleEligibilityScheduleInstances) != eligible || active < 4 || eligible < 2 {
		t.Errorf("fetched %d active and %d eligible, emulator serves %d and %d", len(r.RoleAssignments), len(r.RoleEligibilityScheduleInstances), active, eligible)
	}
	if r.Eligibility != snapshot.EligibilityGraph || r.EligibilityReason != "" {
		t.Errorf("eligibility %q (%q)", r.Eligibility, r.EligibilityReason)
	}
	ix, p, m := r.Index()
	if p != "" {
		t.Fatalf("index: %s: %s", p, m)
	}
	if d := ix.Definitions[tenantgen.RoleGlobalAdmin]; d.DisplayName != "Global Administrator" || d.IsPrivileged == nil || !*d.IsPrivileged {
		t.Errorf("Global Administrator definition %+v: want isPrivileged true from beta", d)
	}
	roleGroups := 0
	for _, g := range fx.Groups {
		if !g.NoRole {
			roleGroups++
		}
	}
	if len(r.Groups) != roleGroups {
		t.Fatalf("groups %d, want the %d that hold a role", len(r.Groups), roleGroups)
	}
	for _, g := range r.Groups {
		if len(g.Members) != len(fx.Groups[g.ID].Members) || g.DisplayName != fx.Groups[g.ID].Name {
			t.Errorf("group %s %q: %d members, want %d", g.ID, g.DisplayName, len(g.Members), len(fx.Groups[g.ID].Members))
		}
	}
	for _, g := range r.Groups {
		if want := len(fx.Groups[g.ID].Eligible); len(g.EligibleMembers) != want {
			t.Errorf("group %s: %d PIM for Groups eligibilities, want %d", g.DisplayName, len(g.EligibleMembers), want)
		}
	}
	if r.GroupEligibilityReason != "" {
		t.Errorf("group eligibility reason %q", r.GroupEligibilityReason)
	}
	// Verbatim: properties authgate does not read are kept.
	if !strings.Contains(string(r.RoleDefinitions[0]), `"rolePermissions"`) || !strings.Contains(string(r.RoleAssignments[0]), `"appScopeId":null`) {
		t.Errorf("objects not kept verbatim: %s / %s", r.RoleDefinitions[0], r.RoleAssignments[0])
	}
	src := roleSources(info.Manifest)
	for _, rep := range []string{fetch.ReportRoleDefinitions, fetch.ReportRoleAssignments, fetch.ReportRoleEligibility, fetch.ReportGroupMembers} {
		if src[rep].Source != snapshot.SourceGraph {
			t.Errorf("manifest source of %s: %+v", rep, src[rep])
		}
	}
	if st := s.Stats(); st.Throttled == 0 || st.FaultsFired != 2 {
		t.Errorf("faults fired %d, throttled %d: want both faults retried", st.FaultsFired, st.Throttled)
	}
}

// TestRolesWithoutP2 fetches a tenant without Entra ID P2: the eligible
// assignments are marked unavailable with Graph's answer, the fetch succeeds.
func TestRolesWithoutP2(t *testing.T) {
	s := newServer(t, 200, graphfake.Options{Roles: graphfake.RolesOptions{NoP2: true}})
	info, err := fetchRoles(t, s, nil)
	if err != nil {
		t.Fatalf("fetch of a tenant without P2 failed: %v", err)
	}
	r := info.Roles
	if r.Eligibility != snapshot.EligibilityUnavailable || len(r.RoleEligibilityScheduleInstances) != 0 ||
		!strings.Contains(r.EligibilityReason, graphfake.CodeLicenseRequired) || !strings.Contains(r.EligibilityReason, "P2") {
		t.Errorf("eligibility %q, %d rows, reason %q", r.Eligibility, len(r.RoleEligibilityScheduleInstances), r.EligibilityReason)
	}
	if src := roleSources(info.Manifest)[fetch.ReportRoleEligibility]; src.Source != snapshot.SourceOmitted || !strings.Contains(src.Reason, "400") {
		t.Errorf("manifest source %+v", src)
	}
	if len(r.RoleAssignments) == 0 {
		t.Error("active assignments missing")
	}
	if !strings.Contains(r.GroupEligibilityReason, graphfake.CodeLicenseRequired) {
		t.Errorf("PIM for Groups without P2: reason %q", r.GroupEligibilityReason)
	}
}

// TestRolesPermissionMissing: a token without RoleManagement.Read.Directory
// ends the fetch with a 403 naming the permissions to grant, no snapshot.
func TestRolesPermissionMissing(t *testing.T) {
	s := newServer(t, 50, graphfake.Options{Roles: graphfake.RolesOptions{CheckPermissions: true}})
	_, err := fetchRoles(t, s, nil)
	var ge *fetch.GraphError
	if !errors.As(err, &ge) || ge.StatusCode != 403 || !strings.Contains(err.Error(), "RoleManagement.Read.Directory") || !strings.Contains(err.Error(), "GroupMember.Read.All") {
		t.Fatalf("err = %v, want a 403 naming the roles permissions", err)
	}
	if !fetch.IsAuthFailure(err) {
		t.Error("not classed as an auth failure")
	}
}

// TestRolesForeignNextLink: a nextLink of a role collection to another
// origin is refused like the reports'.
func TestRolesForeignNextLink(t *testing.T) {
	s := newServer(t, 400, graphfake.Options{Roles: graphfake.RolesOptions{PageSize: 1}})
	s.Inject(graphfake.Fault{Kind: graphfake.FaultForeignNextLink, Endpoint: graphfake.EndpointRoleAssignments})
	_, err := fetchRoles(t, s, nil)
	if err == nil || !errors.Is(err, fetch.ErrPaging) && !strings.Contains(err.Error(), "origin") {
		t.Fatalf("err = %v, want the foreign nextLink refused", err)
	}
	if st := s.Stats(); st.ForeignAuthSeen || st.ForeignRequests != 0 {
		t.Error("token leaked to another origin")
	}
}

// TestParseIncludesAll: "all" asks for every section, alone or with
// others; "roles" alone leaves usage out.
func TestParseIncludesAll(t *testing.T) {
	for _, in := range [][]string{{"all"}, {"all", "usage"}, {"usage", "roles", "policy"}} {
		got, err := fetch.ParseIncludes(in)
		if err != nil || got != (fetch.Sections{Usage: true, Roles: true, Policy: true}) {
			t.Errorf("ParseIncludes(%v) = %+v, %v", in, got, err)
		}
	}
	if got, err := fetch.ParseIncludes([]string{"roles"}); err != nil || got != (fetch.Sections{Roles: true}) {
		t.Errorf("ParseIncludes(roles) = %+v, %v", got, err)
	}
	if _, err := fetch.ParseIncludes([]string{"everything"}); err == nil || !strings.Contains(err.Error(), "roles") || !strings.Contains(err.Error(), "all") {
		t.Errorf("ParseIncludes(everything): %v", err)
	}
}

// TestExclusionGroupsFetched: the groups exclusions name are fetched with
// their transitive members; an unknown group ends the fetch naming it.
func TestExclusionGroupsFetched(t *testing.T) {
	s := newServer(t, 300, graphfake.Options{})
	info, err := fetchRoles(t, s, func(o *fetch.Options) {
		o.Roles = false
		o.ExclusionGroups = []string{tenantgen.ServiceAccountsGroup}
	})
	if err != nil {
		t.Fatal(err)
	}
	fx := s.Tenant().Roles()
	if info.Roles != nil || len(info.ExclusionGroups) != 1 {
		t.Fatalf("roles %v, exclusion groups %d", info.Roles != nil, len(info.ExclusionGroups))
	}
	g := info.ExclusionGroups[0]
	var upns []string
	for _, m := range g.Members {
		var u struct{ UserPrincipalName string }
		if err := json.Unmarshal(m, &u); err != nil {
			t.Fatal(err)
		}
		upns = append(upns, u.UserPrincipalName)
	}
	slices.Sort(upns)
	want := slices.Sorted(slices.Values(fx.ServiceAccounts))
	if g.ID != tenantgen.ServiceAccountsGroup || g.DisplayName == "" || !slices.Equal(upns, want) {
		t.Errorf("group %s %q members %v, want %v", g.ID, g.DisplayName, upns, want)
	}

	_, err = fetchRoles(t, s, func(o *fetch.Options) { o.ExclusionGroups = []string{"00000000-dead-beef-0000-000000000000"} })
	var ge *fetch.GraphError
	if !errors.As(err, &ge) || ge.StatusCode != 404 || !strings.Contains(err.Error(), "00000000-dead-beef-0000-000000000000") {
		t.Errorf("unknown group: err = %v, want a 404 naming it", err)
	}
}
