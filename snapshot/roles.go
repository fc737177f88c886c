package snapshot

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Role sources, the values Roles.Eligibility takes.
const (
	// EligibilityGraph: Graph listed the PIM-eligible assignments.
	EligibilityGraph = "graph"
	// EligibilityUnavailable: Graph refused them (a tenant without
	// Microsoft Entra ID P2 or ID Governance answers 400
	// AadPremiumLicenseRequired); EligibilityReason says what it answered.
	EligibilityUnavailable = "unavailable"
)

// Roles is the optional "roles" member of a snapshot (fetch --include
// roles): who holds or may activate a Microsoft Entra directory role. The
// Graph objects are kept verbatim, as Graph returned them; the typed views
// (Index) read only what the controls need, so a property Graph adds later,
// an annotation or a null is kept and never breaks the load.
type Roles struct {
	// RoleDefinitions are GET /roleManagement/directory/roleDefinitions
	// (beta, which carries isPrivileged), sorted by id.
	RoleDefinitions []jsontext.Value `json:"roleDefinitions"`
	// RoleAssignments are the active assignments, permanent and
	// PIM-activated alike: GET /roleManagement/directory/roleAssignments
	// with $expand=principal, sorted by id.
	RoleAssignments []jsontext.Value `json:"roleAssignments"`
	// RoleEligibilityScheduleInstances are the PIM-eligible assignments
	// with $expand=principal, sorted by id; null when Eligibility is
	// "unavailable".
	RoleEligibilityScheduleInstances []jsontext.Value `json:"roleEligibilityScheduleInstances"`
	// Eligibility is "graph" or "unavailable".
	Eligibility string `json:"eligibility"`
	// EligibilityReason says why eligibility could not be read.
	EligibilityReason string `json:"eligibilityReason,omitempty"`
	// Groups are the role-assignable groups that hold or are eligible for a
	// role, with their transitive user members, sorted by id.
	Groups []RoleGroup `json:"groups"`

	// Offset is the byte offset of the object in the snapshot, or -1.
	Offset int64 `json:"-"`
}

// RoleGroup is a group holding or eligible for a role, and its users.
type RoleGroup struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	// Members are GET /groups/{id}/transitiveMembers/microsoft.graph.user,
	// verbatim, sorted by id.
	Members []jsontext.Value `json:"members"`
}

// RoleDefinition is the part of a unifiedRoleDefinition the controls read.
// IsPrivileged is nil when Graph did not say (v1.0, or null).
type RoleDefinition struct {
	ID           string `json:"id"`
	DisplayName  string `json:"displayName"`
	TemplateID   string `json:"templateId"`
	IsBuiltIn    *bool  `json:"isBuiltIn"`
	IsPrivileged *bool  `json:"isPrivileged"`
}

// RoleGrant is the part of a unifiedRoleAssignment or
// unifiedRoleEligibilityScheduleInstance the controls read.
type RoleGrant struct {
	ID               string         `json:"id"`
	PrincipalID      string         `json:"principalId"`
	RoleDefinitionID string         `json:"roleDefinitionId"`
	DirectoryScopeID string         `json:"directoryScopeId"`
	Principal        *RolePrincipal `json:"principal"`
	// AssignmentType is "Assigned" or "Activated" on schedule instances.
	AssignmentType string `json:"assignmentType"`
}

// RolePrincipal is the expanded principal of a grant or a group member.
type RolePrincipal struct {
	ODataType         string `json:"@odata.type"`
	ID                string `json:"id"`
	DisplayName       string `json:"displayName"`
	UserPrincipalName string `json:"userPrincipalName"`
}

// Kind returns "user", "group" or the lower-cased type name without its
// namespace ("servicePrincipal", ...); "" when Graph did not say.
func (p *RolePrincipal) Kind() string {
	t := strings.TrimPrefix(strings.TrimPrefix(p.ODataType, "#"), "microsoft.graph.")
	return t
}

// RoleIndex is the typed view of a Roles section.
type RoleIndex struct {
	Definitions map[string]RoleDefinition // by id and by templateId
	Active      []RoleGrant
	Eligible    []RoleGrant
	Groups      map[string]GroupMembers // by group id
}

// GroupMembers are a group's name and user members.
type GroupMembers struct {
	DisplayName string
	Users       []RolePrincipal
}

// Index decodes the typed view of r, or returns the JSON path and problem
// of the first object that cannot be read.
func (r *Roles) Index() (*RoleIndex, string, string) {
	ix := &RoleIndex{Definitions: map[string]RoleDefinition{}, Groups: map[string]GroupMembers{}}
	for i, raw := range r.RoleDefinitions {
		var d RoleDefinition
		if err := json.Unmarshal(raw, &d); err != nil || d.ID == "" {
			return nil, fmt.Sprintf("roles.roleDefinitions[%d]", i), rowProblem(err, "id")
		}
		ix.Definitions[d.ID] = d
		if d.TemplateID != "" {
			if _, ok := ix.Definitions[d.TemplateID]; !ok {
				ix.Definitions[d.TemplateID] = d
			}
		}
	}
	grants := func(name string, rows []jsontext.Value) ([]RoleGrant, string, string) {
		out := make([]RoleGrant, 0, len(rows))
		for i, raw := range rows {
			var g RoleGrant
			if err := json.Unmarshal(raw, &g); err != nil || g.PrincipalID == "" || g.RoleDefinitionID == "" {
				return nil, fmt.Sprintf("roles.%s[%d]", name, i), rowProblem(err, "principalId and roleDefinitionId")
			}
			out = append(out, g)
		}
		return out, "", ""
	}
	var p, m string
	if ix.Active, p, m = grants("roleAssignments", r.RoleAssignments); p != "" {
		return nil, p, m
	}
	if ix.Eligible, p, m = grants("roleEligibilityScheduleInstances", r.RoleEligibilityScheduleInstances); p != "" {
		return nil, p, m
	}
	for i, g := range r.Groups {
		gm := GroupMembers{DisplayName: g.DisplayName}
		for j, raw := range g.Members {
			var u RolePrincipal
			if err := json.Unmarshal(raw, &u); err != nil || u.ID == "" {
				return nil, fmt.Sprintf("roles.groups[%d].members[%d]", i, j), rowProblem(err, "id")
			}
			gm.Users = append(gm.Users, u)
		}
		ix.Groups[g.ID] = gm
	}
	return ix, "", ""
}

func rowProblem(err error, need string) string {
	if err != nil {
		var se *json.SemanticError
		if ok := asSemantic(err, &se); ok {
			return fmt.Sprintf("%s: want %s, got %s", pointerPath(se.JSONPointer), goKind(se), kindName(se.JSONKind))
		}
		return err.Error()
	}
	return "want an object with a non-empty " + need
}

func asSemantic(err error, se **json.SemanticError) bool {
	for err != nil {
		if s, ok := err.(*json.SemanticError); ok {
			*se = s
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

// validate checks a decoded roles section.
func (r *Roles) validate() (path, msg string) {
	if r.Eligibility != EligibilityGraph && r.Eligibility != EligibilityUnavailable {
		return "roles.eligibility", fmt.Sprintf("%q is not one of graph, unavailable", r.Eligibility)
	}
	if r.Eligibility == EligibilityUnavailable && len(r.RoleEligibilityScheduleInstances) > 0 {
		return "roles.roleEligibilityScheduleInstances", "eligibility is unavailable but eligible assignments are listed"
	}
	for i, g := range r.Groups {
		if g.ID == "" {
			return fmt.Sprintf("roles.groups[%d].id", i), "empty"
		}
	}
	_, p, m := r.Index()
	return p, m
}

// SortRoleObjects sorts verbatim Graph objects by their "id" member, so that
// two fetches of the same tenant write the same section.
func SortRoleObjects(rows []jsontext.Value) {
	id := func(v jsontext.Value) string {
		var x struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(v, &x)
		return x.ID
	}
	slices.SortStableFunc(rows, func(a, b jsontext.Value) int { return strings.Compare(id(a), id(b)) })
}

// roles decodes the optional roles member (null reads as absent).
func (s *scanner) roles() error {
	d := s.dec
	switch k := d.PeekKind(); k {
	case 'n':
		_, err := d.ReadToken()
		return s.syntax(err)
	case '{':
	default:
		return s.fail("roles", "want object, got %s", kindName(k))
	}
	r := &Roles{}
	if err := s.value("roles", r); err != nil {
		return err
	}
	r.Offset = s.lastValue
	if path, msg := r.validate(); path != "" {
		return s.fail(path, "%s", msg)
	}
	s.info.Roles = r
	return nil
}

// PeekRoles reads only the roles and exclusionGroups members of the
// snapshot at path, skipping the users without decoding them, so that the
// evaluator knows the role holders and the excluded groups' members before
// it streams the users. Either is nil when the snapshot has none. Scan
// validates the rest of the document.
func PeekRoles(path string) (*Roles, []RoleGroup, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("open snapshot: %w", err)
	}
	defer f.Close()
	s := &scanner{path: path, dec: jsontext.NewDecoder(bufio.NewReaderSize(f, 1<<20)), info: &Info{Path: path}}
	if k := s.dec.PeekKind(); k != '{' {
		if _, err := s.dec.ReadToken(); err == io.EOF {
			return nil, nil, s.fail("", "empty file: want a JSON object")
		}
		return nil, nil, s.fail("", "want a JSON object")
	}
	if _, err := s.dec.ReadToken(); err != nil {
		return nil, nil, s.syntax(err)
	}
	for s.dec.PeekKind() != '}' {
		tok, err := s.dec.ReadToken()
		if err != nil {
			return nil, nil, s.syntax(err)
		}
		switch tok.String() {
		case "roles":
			err = s.roles()
		case "exclusionGroups":
			err = s.exclusionGroups()
		default:
			err = s.dec.SkipValue()
			if err != nil {
				err = s.syntax(err)
			}
		}
		if err != nil {
			return nil, nil, err
		}
	}
	return s.info.Roles, s.info.ExclusionGroups, nil
}

// exclusionGroups decodes the optional exclusionGroups member: the groups
// authgate.yaml's exclusions name, with their transitive user members
// (fetch --config). null reads as absent.
func (s *scanner) exclusionGroups() error {
	var gs []RoleGroup
	if err := s.value("exclusionGroups", &gs); err != nil {
		return err
	}
	for i, g := range gs {
		if g.ID == "" {
			return s.fail(fmt.Sprintf("exclusionGroups[%d].id", i), "empty")
		}
		for j, raw := range g.Members {
			var u RolePrincipal
			if err := json.Unmarshal(raw, &u); err != nil || u.ID == "" {
				return s.fail(fmt.Sprintf("exclusionGroups[%d].members[%d]", i, j), "%s", rowProblem(err, "id"))
			}
		}
	}
	s.info.ExclusionGroups = gs
	return nil
}

// SetExclusionGroups makes Close write gs as the "exclusionGroups" member.
func (w *Writer) SetExclusionGroups(gs []RoleGroup) { w.groups = gs }

// SetRoles makes Close write r as the "roles" member, before the manifest.
func (w *Writer) SetRoles(r *Roles) { w.roles = r }

func (w *Writer) writeRoles() error {
	if w.groups != nil {
		b, err := json.Marshal(w.groups, json.Deterministic(true))
		if err != nil {
			return fmt.Errorf("write snapshot exclusion groups: %w", err)
		}
		if err := w.write(",\n\"exclusionGroups\":", false); err != nil {
			return err
		}
		if err := w.writeBytes(b, false); err != nil {
			return err
		}
	}
	if w.roles == nil {
		return nil
	}
	b, err := json.Marshal(w.roles, json.Deterministic(true))
	if err != nil {
		return fmt.Errorf("write snapshot roles: %w", err)
	}
	if err := w.write(",\n\"roles\":", false); err != nil {
		return err
	}
	return w.writeBytes(b, false)
}
