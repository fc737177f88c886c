package fetch

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/authgate/authgate/snapshot"
)

// IncludeRoles adds the roles section: directory role definitions, active
// and PIM-eligible assignments, and the users of the role-assignable groups
// that hold them.
const IncludeRoles = "roles"

// RolesPermissions are the least-privilege Microsoft Graph permissions of
// --include roles, as fetch --help and the README name them.
const RolesPermissions = "RoleManagement.Read.Directory (or RoleEligibilitySchedule.Read.Directory + RoleAssignmentSchedule.Read.Directory), GroupMember.Read.All, and PrivilegedEligibilitySchedule.Read.AzureADGroup for PIM-for-Groups eligible members"

// Role reports: the names recorded in the manifest's summaries.
const (
	ReportRoleDefinitions = "roleDefinitions"
	ReportRoleAssignments = "roleAssignments"
	ReportRoleEligibility = "roleEligibilityScheduleInstances"
	ReportGroupMembers    = "transitiveMembers"
	// ReportGroupEligibility is PIM for Groups' eligibilityScheduleInstances.
	ReportGroupEligibility = "groupEligibilityScheduleInstances"
)

// remedyRoles replaces the reports' remedy on a 403 from a roles endpoint.
const remedyRoles = "grant the application (or the signed-in user) " + RolesPermissions + " and have an administrator consent to them, or fetch without --include roles"

// rolesLicenceCodes are the error codes Graph gives a tenant without
// Microsoft Entra ID P2 (or ID Governance) on the PIM endpoints: 400
// AadPremiumLicenseRequired ("The tenant needs to have Microsoft Entra ID P2
// or Microsoft Entra ID Governance license."); some tenants have been seen
// to answer 403 with the same code.
var rolesLicenceCodes = []string{"AadPremiumLicenseRequired"}

// fetchRoles fetches the roles section when Options.Roles is set. Like the
// usage section it runs after the per-user list, so a resumed fetch asks
// again rather than trusting a checkpoint.
func (ft *fetcher) fetchRoles(ctx context.Context) error {
	if err := ft.fetchExclusionGroups(ctx); err != nil {
		return err
	}
	if !ft.o.Roles {
		return nil
	}
	g := ft.o.Cloud.GraphURL
	v := string(ft.o.APIVersion)
	r := &snapshot.Roles{Eligibility: snapshot.EligibilityGraph}
	var err error
	// beta carries isPrivileged, Microsoft's own label of the privileged
	// roles; the other calls follow --api.
	if r.RoleDefinitions, err = ft.roleRows(ctx, "list "+ReportRoleDefinitions, g+"/beta/roleManagement/directory/roleDefinitions"); err != nil {
		return err
	}
	// roleAssignments lists every active assignment, permanent or
	// activated through PIM, and works without P2 (the schedule instances
	// need it).
	if r.RoleAssignments, err = ft.roleRows(ctx, "list "+ReportRoleAssignments, g+"/"+v+"/roleManagement/directory/roleAssignments?$expand=principal"); err != nil {
		return err
	}
	r.RoleEligibilityScheduleInstances, err = ft.roleRows(ctx, "list "+ReportRoleEligibility, g+"/"+v+"/roleManagement/directory/roleEligibilityScheduleInstances?$expand=principal")
	var ge *GraphError
	if errors.As(err, &ge) && slices.Contains(rolesLicenceCodes, ge.Code) {
		r.RoleEligibilityScheduleInstances = nil
		r.Eligibility = snapshot.EligibilityUnavailable
		r.EligibilityReason = "Graph answered " + strconv.Itoa(ge.StatusCode) + " " + ge.Code + " to " + ge.Op + ": the tenant has no Microsoft Entra ID P2 or ID Governance licence, so PIM-eligible assignments could not be read"
		err = nil
	}
	if err != nil {
		return err
	}
	ix, path, msg := r.Index()
	if path != "" {
		return pagingErrorf("%s: %s", path, msg)
	}
	groups := map[string]string{}
	for _, gr := range slices.Concat(ix.Active, ix.Eligible) {
		if gr.Principal != nil && gr.Principal.Kind() == "group" {
			groups[gr.PrincipalID] = gr.Principal.DisplayName
		}
	}
	for _, id := range slices.Sorted(maps.Keys(groups)) {
		members, err := ft.roleRows(ctx, "list "+ReportGroupMembers+" of group "+id,
			g+"/"+v+"/groups/"+url.PathEscape(id)+"/transitiveMembers/microsoft.graph.user?"+url.Values{"$select": {"id,userPrincipalName,displayName"}, "$top": {"999"}}.Encode())
		if err != nil {
			return err
		}
		rg := snapshot.RoleGroup{ID: id, DisplayName: groups[id], Members: members}
		if r.GroupEligibilityReason == "" {
			rg.EligibleMembers, err = ft.roleRows(ctx, "list "+ReportGroupEligibility+" of group "+id,
				g+"/"+v+"/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances?"+url.Values{"$filter": {"groupId eq '" + id + "'"}, "$expand": {"principal"}}.Encode())
			if errors.As(err, &ge) && (slices.Contains(rolesLicenceCodes, ge.Code) || ge.StatusCode == http.StatusForbidden) {
				// PIM for Groups needs P2 and its own permission
				// (PrivilegedEligibilitySchedule.Read.AzureADGroup): without
				// them the fetch goes on and says what could not be read.
				rg.EligibleMembers, err = nil, nil
				r.GroupEligibilityReason = "Graph answered " + strconv.Itoa(ge.StatusCode) + " " + ge.Code + " to " + ge.Op + ": users eligible for role-assignable groups (PIM for Groups) could not be read"
			}
			if err != nil {
				return err
			}
		}
		r.Groups = append(r.Groups, rg)
	}
	if r.Groups == nil {
		r.Groups = []snapshot.RoleGroup{}
	}
	ft.roles = r
	return nil
}

// roleRows lists a collection verbatim through the page reader the reports
// use (paced, origin-checked, retried), sorted by id.
func (ft *fetcher) roleRows(ctx context.Context, op, first string) ([]jsontext.Value, error) {
	var rows []jsontext.Value
	err := each(ctx, ft, op, first, func(v *jsontext.Value) {
		if v.Kind() == '{' {
			rows = append(rows, slices.Clone(*v))
		} else {
			rows = append(rows, nil) // refused below
		}
	})
	var ge *GraphError
	if errors.As(err, &ge) && ge.StatusCode == http.StatusForbidden && !slices.Contains(rolesLicenceCodes, ge.Code) {
		ge.Remedy = remedyRoles
	}
	if err != nil {
		return nil, err
	}
	for i, r := range rows {
		if r == nil {
			return nil, pagingErrorf("%s: row %d is not an object", op, i+1)
		}
		var id struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(r, &id); err != nil || id.ID == "" {
			return nil, pagingErrorf("%s: row %d has no id", op, i+1)
		}
	}
	snapshot.SortRoleObjects(rows)
	return nonNil(rows), nil
}

// attachRoles hands the roles section to the writer and records its
// sources in the manifest's summaries.
func (ft *fetcher) attachRoles(m *snapshot.Manifest) {
	if ft.exclusionGroups != nil {
		ft.w.SetExclusionGroups(ft.exclusionGroups)
		m.Summaries = append(m.Summaries, snapshot.SummarySource{Report: ReportExclusionGroups, UserTypes: "all", UserRoles: "all",
			Source: snapshot.SourceGraph, Reason: strconv.Itoa(len(ft.exclusionGroups)) + " groups named by exclusions"})
	}
	r := ft.roles
	if r == nil {
		return
	}
	ft.w.SetRoles(r)
	src := func(report, source, reason string) snapshot.SummarySource {
		return snapshot.SummarySource{Report: report, UserTypes: "all", UserRoles: "all", Source: source, Reason: reason}
	}
	elig, reason := snapshot.SourceGraph, ""
	if r.Eligibility == snapshot.EligibilityUnavailable {
		elig, reason = snapshot.SourceOmitted, r.EligibilityReason
	}
	m.Summaries = slices.Concat(m.Summaries, []snapshot.SummarySource{
		src(ReportRoleDefinitions, snapshot.SourceGraph, ""),
		src(ReportRoleAssignments, snapshot.SourceGraph, ""),
		src(ReportRoleEligibility, elig, reason),
		src(ReportGroupMembers, snapshot.SourceGraph, strconv.Itoa(len(r.Groups))+" role-assignable groups"),
	})
	if len(r.Groups) > 0 {
		src, reason := snapshot.SourceGraph, ""
		if r.GroupEligibilityReason != "" {
			src, reason = snapshot.SourceOmitted, r.GroupEligibilityReason
		}
		m.Summaries = append(m.Summaries, snapshot.SummarySource{Report: ReportGroupEligibility, UserTypes: "all", UserRoles: "all", Source: src, Reason: reason})
	}
}

// ReportExclusionGroups names the exclusion groups' members in the manifest.
const ReportExclusionGroups = "exclusionGroups"

// fetchExclusionGroups lists the transitive user members of each group
// Options.ExclusionGroups names (authgate.yaml's exclusions, through fetch
// --config), with the group's displayName, so that check can match the
// exclusions without Graph.
func (ft *fetcher) fetchExclusionGroups(ctx context.Context) error {
	if len(ft.o.ExclusionGroups) == 0 {
		return nil
	}
	g, v := ft.o.Cloud.GraphURL, string(ft.o.APIVersion)
	ids := slices.Compact(slices.Sorted(slices.Values(ft.o.ExclusionGroups)))
	out := make([]snapshot.RoleGroup, 0, len(ids))
	for _, id := range ids {
		body, err := ft.cl.get(ctx, "get group "+id, "group "+id, g+"/"+v+"/groups/"+url.PathEscape(id)+"?$select=id,displayName")
		if err != nil {
			var ge *GraphError
			if errors.As(err, &ge) && ge.StatusCode == http.StatusForbidden {
				ge.Remedy = "grant the application (or the signed-in user) GroupMember.Read.All, which exclusions by group need"
			}
			return err
		}
		var grp struct {
			ID          string `json:"id"`
			DisplayName string `json:"displayName"`
		}
		if err := json.Unmarshal(body, &grp); err != nil || !strings.EqualFold(grp.ID, id) {
			return pagingErrorf("get group %s: the answer is not that group", id)
		}
		members, err := ft.roleRows(ctx, "list "+ReportGroupMembers+" of group "+id,
			g+"/"+v+"/groups/"+url.PathEscape(id)+"/transitiveMembers/microsoft.graph.user?"+url.Values{"$select": {"id,userPrincipalName,displayName"}, "$top": {"999"}}.Encode())
		if err != nil {
			return err
		}
		out = append(out, snapshot.RoleGroup{ID: id, DisplayName: grp.DisplayName, Members: members})
	}
	ft.exclusionGroups = out
	return nil
}
