package snapshot

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// ReportMethodsPolicy names the authentication methods policy section, the
// snapshot member fetch --include policy writes.
const ReportMethodsPolicy = "authenticationMethodsPolicy"

// MethodsPolicy is the optional "authenticationMethodsPolicy" member of a
// snapshot: Graph's authenticationMethodsPolicy (every method configuration
// with its targets and settings) kept verbatim, and the transitive user
// members of the groups the configurations name as targets, so controls can
// say who a configuration allows.
type MethodsPolicy struct {
	// APIVersion is the Graph version the policy was read from: the beta
	// policy carries settings v1.0 lacks (systemCredentialPreferences,
	// reportSuspiciousActivitySettings).
	APIVersion string `json:"apiVersion"`
	// Source is "graph", or "omitted" when Graph refused the policy (Reason
	// says why); controls on the policy then skip with that reason.
	Source string `json:"source"`
	Reason string `json:"reason,omitempty"`
	// Policy is Graph's answer verbatim (null when omitted).
	Policy json.RawMessage `json:"policy"`
	// Groups are the groups named as include or exclude targets, sorted by id.
	Groups []PolicyGroup `json:"groups"`

	// Offset is the byte offset of the object in the snapshot, or -1.
	Offset int64 `json:"-"`
}

// PolicyGroup is one target group and its transitive user members.
type PolicyGroup struct {
	ID string `json:"id"`
	// Source is "graph", or "omitted" when Graph refused the members
	// (Reason says why): nobody is then known to be in the group.
	Source string `json:"source"`
	Reason string `json:"reason,omitempty"`
	// Members are the group's users, direct or through nested groups,
	// sorted by id.
	Members []GroupMember `json:"members"`
}

// GroupMember is a user of a target group, as Graph's transitiveMembers
// lists it ($select=id,userPrincipalName).
type GroupMember struct {
	ID                string `json:"id"`
	UserPrincipalName string `json:"userPrincipalName,omitempty"`
}

// PolicySource is what the manifest records of the policy section.
type PolicySource struct {
	Source     string `json:"source"`
	APIVersion string `json:"apiVersion"`
	Reason     string `json:"reason,omitempty"`
}

// AllUsersTarget is the id Graph gives the "all users" target of a method
// configuration.
const AllUsersTarget = "all_users"

// NoGroupTarget is the id Graph's feature settings give an empty include or
// exclude target.
const NoGroupTarget = "00000000-0000-0000-0000-000000000000"

// validate checks a decoded policy section; it returns the JSON path and the
// problem of the first fault.
func (p *MethodsPolicy) validate() (path, msg string) {
	const at = ReportMethodsPolicy
	if !slices.Contains(APIVersions, p.APIVersion) {
		return at + ".apiVersion", fmt.Sprintf("%q is not one of %s", p.APIVersion, strings.Join(APIVersions, ", "))
	}
	switch p.Source {
	case SourceGraph:
		if k := firstByte(p.Policy); k != '{' {
			return at + ".policy", "want the policy object"
		}
	case SourceOmitted:
		if p.Reason == "" {
			return at + ".reason", "missing: an omitted policy says why"
		}
	default:
		return at + ".source", fmt.Sprintf("%q is not one of graph, omitted", p.Source)
	}
	for i, g := range p.Groups {
		if g.ID == "" {
			return fmt.Sprintf("%s.groups[%d].id", at, i), "missing or empty"
		}
		if g.Source != SourceGraph && g.Source != SourceOmitted {
			return fmt.Sprintf("%s.groups[%d].source", at, i), fmt.Sprintf("%q is not one of graph, omitted", g.Source)
		}
		for j, m := range g.Members {
			if m.ID == "" {
				return fmt.Sprintf("%s.groups[%d].members[%d].id", at, i, j), "missing or empty"
			}
		}
	}
	return "", ""
}

func firstByte(b []byte) byte {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return c
		}
	}
	return 0
}

// SetMethodsPolicy makes Close write p as the "authenticationMethodsPolicy"
// member, before the manifest. Without it no such member is written.
func (w *Writer) SetMethodsPolicy(p *MethodsPolicy) { w.policy = p }

func (w *Writer) writeMethodsPolicy() error {
	if w.policy == nil {
		return nil
	}
	b, err := json.Marshal(w.policy)
	if err != nil {
		return fmt.Errorf("write snapshot methods policy: %w", err)
	}
	if err := w.write(",\n\""+ReportMethodsPolicy+"\":", false); err != nil {
		return err
	}
	return w.writeBytes(b, false)
}

// methodsPolicy decodes the optional policy member (null reads as absent).
func (s *scanner) methodsPolicy() (err error) {
	s.info.MethodsPolicy, err = optionalSection[MethodsPolicy](s, ReportMethodsPolicy)
	return err
}

func (p *MethodsPolicy) setOffset(off int64) { p.Offset = off }

// PeekMethodsPolicy is PeekSections' methods policy section.
func PeekMethodsPolicy(path string) (*MethodsPolicy, error) {
	sec, err := PeekSections(context.Background(), path)
	if err != nil {
		return nil, err
	}
	return sec.MethodsPolicy, nil
}
