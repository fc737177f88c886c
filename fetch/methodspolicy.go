package fetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/authgate/authgate/snapshot"
)

// IncludePolicy adds the authentication methods policy section; IncludeAll
// adds every optional section.
const (
	IncludePolicy = "policy"
	IncludeAll    = "all"
)

// Permissions the policy section needs, least privilege first. The policy
// itself needs PermissionMethodsPolicy; resolving the groups it targets to
// their users needs PermissionGroupMembers.
const (
	PermissionMethodsPolicy = "Policy.Read.AuthenticationMethod"
	PermissionGroupMembers  = "GroupMember.Read.All"
)

// MaxPolicyGroups bounds the target groups resolved to their members: a
// policy naming more is not one a person maintains, and each group costs
// paced requests.
const MaxPolicyGroups = 200

// policyEndpoint is the policy's URL in the fetch's API version: the beta
// policy adds the system-preferred MFA and report-suspicious-activity
// settings.
func (ft *fetcher) policyEndpoint() string {
	return ft.o.Cloud.GraphURL + "/" + string(ft.o.APIVersion) + "/policies/authenticationMethodsPolicy"
}

// fetchMethodsPolicy fetches the policy (Graph expands every method
// configuration with its targets on this GET) and the transitive user
// members of every group it names as a target. A 403 on the policy is
// recorded, not fatal: the section says why it is empty and the controls on
// the policy skip with that reason. A 403 or 404 on one group likewise
// leaves that group unresolved, with its reason.
func (ft *fetcher) fetchMethodsPolicy(ctx context.Context) error {
	if !ft.o.MethodsPolicy {
		return nil
	}
	p := &snapshot.MethodsPolicy{APIVersion: string(ft.o.APIVersion), Groups: []snapshot.PolicyGroup{}, Policy: []byte("null")}
	body, err := ft.cl.get(ctx, "get authenticationMethodsPolicy", snapshot.ReportMethodsPolicy, ft.policyEndpoint())
	var ge *GraphError
	if errors.As(err, &ge) && ge.StatusCode == http.StatusForbidden {
		p.Source = snapshot.SourceOmitted
		p.Reason = fmt.Sprintf("Graph answered 403 %s to get authenticationMethodsPolicy: grant %s (application or delegated, with admin consent)", ge.Code, PermissionMethodsPolicy)
		ft.policy = p
		return nil
	}
	if err != nil {
		return err
	}
	raw := jsontext.Value(bytes.Clone(body))
	if err := raw.Compact(); err != nil {
		return fmt.Errorf("authenticationMethodsPolicy: Graph's answer is not valid JSON: %v", err)
	}
	if raw.Kind() != '{' {
		return fmt.Errorf("authenticationMethodsPolicy: Graph's answer is not a JSON object")
	}
	p.Source, p.Policy = snapshot.SourceGraph, []byte(raw)
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("authenticationMethodsPolicy: %v", err)
	}
	ids := TargetGroups(doc)
	if len(ids) > MaxPolicyGroups {
		return fmt.Errorf("authenticationMethodsPolicy names %d target groups, more than the %d authgate resolves", len(ids), MaxPolicyGroups)
	}
	for _, id := range ids {
		g, err := ft.groupMembers(ctx, id)
		if err != nil {
			return err
		}
		p.Groups = append(p.Groups, g)
	}
	ft.policy = p
	return nil
}

// groupMembers lists the users of one target group, through nested groups,
// with the paging rules of every report.
func (ft *fetcher) groupMembers(ctx context.Context, id string) (snapshot.PolicyGroup, error) {
	g := snapshot.PolicyGroup{ID: id, Members: []snapshot.GroupMember{}}
	link := ft.o.Cloud.GraphURL + "/" + string(ft.o.APIVersion) + "/groups/" + url.PathEscape(id) +
		"/transitiveMembers/microsoft.graph.user?" + url.Values{"$select": {"id,userPrincipalName"}, "$top": {"999"}}.Encode()
	seen := map[string]bool{}
	err := each(ctx, ft, "transitiveMembers of group "+id, link, func(m *snapshot.GroupMember) {
		if m.ID != "" && !seen[m.ID] {
			seen[m.ID] = true
			g.Members = append(g.Members, *m)
		}
	})
	var ge *GraphError
	switch {
	case errors.As(err, &ge) && ge.StatusCode == http.StatusForbidden:
		g.Source, g.Reason, g.Members = snapshot.SourceOmitted, fmt.Sprintf("Graph answered 403 %s: grant %s to resolve target groups", ge.Code, PermissionGroupMembers), []snapshot.GroupMember{}
		return g, nil
	case errors.As(err, &ge) && ge.StatusCode == http.StatusNotFound:
		g.Source, g.Reason, g.Members = snapshot.SourceOmitted, "Graph answered 404: the group no longer exists", []snapshot.GroupMember{}
		return g, nil
	case err != nil:
		return g, err
	}
	slices.SortFunc(g.Members, func(a, b snapshot.GroupMember) int { return strings.Compare(a.ID, b.ID) })
	g.Source = snapshot.SourceGraph
	return g, nil
}

// TargetGroups returns the sorted ids of every group a decoded policy names
// as a target, wherever it names it: the include and exclude targets of the
// method configurations, of their feature settings, of the registration
// campaign and of the beta settings, and of settings Graph adds later. A
// target is any object whose targetType is "group" (in any case) with an id;
// Graph's "all_users" pseudo-group and the all-zero id its feature settings
// use for "no group" are not groups to resolve.
func TargetGroups(doc any) []string {
	set := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			tt, _ := x["targetType"].(string)
			id, _ := x["id"].(string)
			if strings.EqualFold(tt, "group") && id != "" && id != snapshot.AllUsersTarget && id != snapshot.NoGroupTarget {
				set[id] = true
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(doc)
	out := make([]string, 0, len(set))
	for id := range set {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// attachMethodsPolicy hands the policy section to the writer and records its
// source in the manifest.
func (ft *fetcher) attachMethodsPolicy(m *snapshot.Manifest) {
	p := ft.policy
	if p == nil {
		return
	}
	ft.w.SetMethodsPolicy(p)
	m.MethodsPolicy = &snapshot.PolicySource{Source: p.Source, APIVersion: p.APIVersion, Reason: p.Reason}
}
