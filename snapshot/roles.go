package snapshot

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/authgate/authgate/internal/ctxio"

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
	// GroupEligibilityReason says why the groups' PIM for Groups
	// eligibilities could not be read (no P2, or a permission missing);
	// empty when they were.
	GroupEligibilityReason string `json:"groupEligibilityReason,omitempty"`

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
	// EligibleMembers are the group's PIM for Groups eligibilities (GET
	// /identityGovernance/privilegedAccess/group/eligibilityScheduleInstances
	// filtered on the group, with $expand=principal), verbatim, sorted by
	// id; users eligible to become members hold the group's roles as
	// eligible.
	EligibleMembers []jsontext.Value `json:"eligibleMembers,omitempty"`
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

// GroupMembers are a group's name, user members and the users eligible to
// become members (PIM for Groups).
type GroupMembers struct {
	DisplayName string
	Users       []RolePrincipal
	Eligible    []RolePrincipal
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
		for j, raw := range g.EligibleMembers {
			var e struct {
				PrincipalID string         `json:"principalId"`
				AccessID    string         `json:"accessId"`
				Principal   *RolePrincipal `json:"principal"`
			}
			if err := json.Unmarshal(raw, &e); err != nil || e.PrincipalID == "" {
				return nil, fmt.Sprintf("roles.groups[%d].eligibleMembers[%d]", i, j), rowProblem(err, "principalId")
			}
			if !strings.EqualFold(e.AccessID, "member") && e.AccessID != "" {
				continue // an owner manages the group but does not hold its roles
			}
			u := RolePrincipal{ID: e.PrincipalID}
			if e.Principal != nil {
				u = *e.Principal
				u.ID = e.PrincipalID
			}
			if k := u.Kind(); k != "" && k != "user" {
				continue
			}
			gm.Eligible = append(gm.Eligible, u)
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
func (s *scanner) roles() (err error) {
	s.info.Roles, err = optionalSection[Roles](s, "roles")
	return err
}

func (r *Roles) setOffset(off int64) { r.Offset = off }

// Sections are the members an evaluation needs before it streams the
// users: the writer puts them after the users, and user controls judge each
// row against them.
type Sections struct {
	Roles           *Roles
	ExclusionGroups []RoleGroup
	MethodsPolicy   *MethodsPolicy
	// Manifest is the manifest the same pass found and could decode and
	// validate, or nil: PeekManifest then reads it, and names its fault.
	Manifest *Manifest
}

// PeekSections reads only the roles, exclusionGroups, methods policy and
// manifest members of the snapshot at path, in one pass over the file; each
// is nil when the snapshot has none. The other members are skipped by a
// byte-level walk that tracks strings and nesting only, several times
// faster than a validating decoder over a million users, and a member of
// the same name inside a user row is never taken for a section. Scan
// validates the whole document, so a document this walk cannot follow is
// reported as having none, and the caller compares the two readings. It
// stops with ctx's error when ctx is done.
func PeekSections(ctx context.Context, path string) (*Sections, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open snapshot: %w", err)
	}
	defer f.Close()
	spans, ok := topLevelSpans(ctxio.Reader(ctx, f), "roles", "exclusionGroups", ReportMethodsPolicy, "manifest")
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !ok {
		return &Sections{}, nil
	}
	info := &Info{Path: path}
	var manifest *Manifest
	for name, sp := range spans {
		if name == "manifest" {
			manifest = decodeManifest(path, f, sp)
			continue
		}
		raw := make([]byte, sp[1]-sp[0])
		if _, err := f.ReadAt(raw, sp[0]); err != nil {
			return nil, fmt.Errorf("read snapshot: %w", err)
		}
		s := &scanner{path: path, dec: jsontext.NewDecoder(bytes.NewReader(raw)), info: info}
		switch name {
		case "roles":
			if err = s.roles(); info.Roles != nil {
				info.Roles.Offset += sp[0]
			}
		case ReportMethodsPolicy:
			if err = s.methodsPolicy(); info.MethodsPolicy != nil {
				info.MethodsPolicy.Offset += sp[0]
			}
		default:
			err = s.exclusionGroups()
		}
		if err != nil {
			return nil, err
		}
	}
	return &Sections{Roles: info.Roles, ExclusionGroups: info.ExclusionGroups, MethodsPolicy: info.MethodsPolicy, Manifest: manifest}, nil
}

// ReadManifest returns the manifest the pass found, or reads it from the
// snapshot at path when the pass could not (PeekManifest then names the
// fault).
func (s *Sections) ReadManifest(path string) (*Manifest, error) {
	if s.Manifest != nil {
		return s.Manifest, nil
	}
	return PeekManifest(path)
}

// PeekRoles is PeekSections' roles and exclusionGroups.
func PeekRoles(path string) (*Roles, []RoleGroup, error) {
	sec, err := PeekSections(context.Background(), path)
	if err != nil {
		return nil, nil, err
	}
	return sec.Roles, sec.ExclusionGroups, nil
}

// topLevelSpans walks the JSON object in r and returns, for each of names
// that is a member of the top-level object, the byte range of its value.
// It returns false when the input is not an object it can follow.
func topLevelSpans(r io.Reader, names ...string) (map[string][2]int64, bool) {
	out := map[string][2]int64{}
	buf := make([]byte, 1<<20)
	var (
		off         int64 // offset of buf[0]
		depth       int
		inStr, esc  bool
		expectKey   bool // at depth 1, the next string is a key
		key         []byte
		inKey       bool
		want        string // the key whose value is being measured
		valStart    int64  = -1
		afterColon  bool
		sawTopLevel bool
	)
	for {
		n, err := r.Read(buf)
		for i := 0; i < n; i++ {
			// Fast path: inside a string that is not a key, and inside
			// nested values, only quotes, escapes and brackets matter.
			switch {
			case esc:
			case inStr && !inKey:
				// Most of the file is string contents: the next quote by
				// the vectorised search, stopping short at a backslash.
				end := n
				if q := bytes.IndexByte(buf[i:n], '"'); q >= 0 {
					end = i + q
				}
				if b := bytes.IndexByte(buf[i:end], '\\'); b >= 0 {
					end = i + b
				}
				i = end
			case !inStr && depth >= 2:
				for i < n && !peekSpecial[buf[i]] {
					i++
				}
			}
			if i == n {
				break
			}
			c := buf[i]
			pos := off + int64(i)
			if inStr {
				if inKey {
					key = append(key, c)
				}
				switch {
				case esc:
					esc = false
				case c == '\\':
					esc = true
				case c == '"':
					inStr = false
					if inKey {
						inKey = false
						key = key[:len(key)-1]
						want = ""
						if slices.Contains(names, string(key)) {
							want = string(key)
						}
					}
				}
				continue
			}
			if afterColon && c != ' ' && c != '\t' && c != '\n' && c != '\r' {
				afterColon = false
				if want != "" {
					valStart = pos
				}
			}
			switch c {
			case '"':
				inStr = true
				if depth == 1 && expectKey {
					inKey, expectKey, key = true, false, key[:0]
				}
			case '{', '[':
				depth++
				if depth == 1 {
					if c != '{' {
						return nil, false
					}
					sawTopLevel, expectKey = true, true
				}
			case '}', ']':
				if depth == 1 && want != "" && valStart >= 0 {
					out[want] = [2]int64{valStart, trimEnd(buf, i, off, valStart)}
					want, valStart = "", -1
				}
				depth--
				if depth < 0 {
					return nil, false
				}
				if depth == 1 && want != "" && valStart >= 0 {
					out[want] = [2]int64{valStart, pos + 1}
					want, valStart = "", -1
				}
				if depth == 0 {
					return out, sawTopLevel
				}
			case ':':
				if depth == 1 {
					afterColon = true
				}
			case ',':
				if depth == 1 {
					if want != "" && valStart >= 0 { // a scalar value such as null
						out[want] = [2]int64{valStart, trimEnd(buf, i, off, valStart)}
					}
					want, valStart, expectKey = "", -1, true
				}
			}
		}
		off += int64(n)
		if err != nil {
			return nil, false
		}
	}
}

// peekSpecial marks the bytes topLevelSpans stops at inside nested values.
var peekSpecial = [256]bool{'"': true, '\\': true, '{': true, '}': true, '[': true, ']': true}

// trimEnd returns the end of a scalar value that ends before buf[i],
// without trailing whitespace (within the current buffer).
func trimEnd(buf []byte, i int, off, start int64) int64 {
	j := i
	for j > 0 && off+int64(j) > start && strings.ContainsRune(" \t\r\n", rune(buf[j-1])) {
		j--
	}
	return off + int64(j)
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
