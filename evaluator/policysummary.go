package evaluator

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	"github.com/authgate/authgate/result"
	"github.com/authgate/authgate/snapshot"
)

// methodConfigs maps registered-method names to the configurations that may
// allow them; it is the Go twin of method_configs in policies/lib, which the
// controls use (the summary only counts).
var methodConfigs = map[string][]string{
	"mobilePhone": {"sms", "voice"}, "alternateMobilePhone": {"voice"}, "officePhone": {"voice"},
	"microsoftAuthenticatorPush": {"microsoftauthenticator"}, "microsoftAuthenticatorPasswordless": {"microsoftauthenticator"},
	"softwareOneTimePasscode": {"softwareoath", "microsoftauthenticator"}, "hardwareOneTimePasscode": {"hardwareoath"},
	"fido2SecurityKey": {"fido2"}, "passKeyDeviceBound": {"fido2"}, "passKeyDeviceBoundAuthenticator": {"fido2"},
	"passKeyDeviceBoundWindowsHello": {"fido2"}, "passKeySynced": {"fido2"},
	"email": {"email"}, "temporaryAccessPass": {"temporaryaccesspass"},
}

type polTarget struct {
	all      bool
	kind, id string
}

type polConfig struct {
	id, state        string
	include, exclude []polTarget
}

// policyTargeting is the parsed policy the scan counts with: read-only,
// shared by the workers.
type policyTargeting struct {
	configs []polConfig
	members map[string]map[string]bool
}

func newPolicyTargeting(p *snapshot.MethodsPolicy) *policyTargeting {
	if p == nil || p.Source != snapshot.SourceGraph {
		return nil
	}
	var doc struct {
		Configs []map[string]json.RawMessage `json:"authenticationMethodConfigurations"`
	}
	if json.Unmarshal(p.Policy, &doc) != nil {
		return nil
	}
	t := &policyTargeting{members: map[string]map[string]bool{}}
	for _, g := range p.Groups {
		set := make(map[string]bool, len(g.Members))
		for _, m := range g.Members {
			set[m.ID] = true
		}
		t.members[g.ID] = set
	}
	for _, raw := range doc.Configs {
		var c polConfig
		_ = json.Unmarshal(raw["id"], &c.id)
		_ = json.Unmarshal(raw["state"], &c.state)
		c.include, c.exclude = targetsOf(raw["includeTargets"]), targetsOf(raw["excludeTargets"])
		if c.id != "" {
			t.configs = append(t.configs, c)
		}
	}
	return t
}

func targetsOf(raw json.RawMessage) []polTarget {
	var ts []struct {
		ID         any `json:"id"`
		TargetType any `json:"targetType"`
	}
	_ = json.Unmarshal(raw, &ts)
	var out []polTarget
	for _, t := range ts {
		id, _ := t.ID.(string)
		kind, _ := t.TargetType.(string)
		out = append(out, polTarget{all: id == snapshot.AllUsersTarget, kind: strings.ToLower(kind), id: id})
	}
	return out
}

func (t *policyTargeting) in(ts []polTarget, u *snapshot.UserRegistrationDetails) bool {
	for _, x := range ts {
		if x.all || (x.kind == "user" && x.id == u.ID) || (x.kind == "group" && t.members[x.id][u.ID]) {
			return true
		}
	}
	return false
}

// counter returns a fresh per-worker counter (nil without a policy).
func (t *policyTargeting) counter() *policyCounter {
	if t == nil {
		return nil
	}
	return &policyCounter{t: t, registered: make([]int64, len(t.configs)), allowed: make([]int64, len(t.configs))}
}

// policyCounter counts, per configuration, the users who registered a method
// it governs and the users it allows.
type policyCounter struct {
	t                   *policyTargeting
	registered, allowed []int64
}

func (c *policyCounter) add(u *snapshot.UserRegistrationDetails) {
	if c == nil {
		return
	}
	for i, cfg := range c.t.configs {
		if strings.EqualFold(cfg.state, "enabled") && c.t.in(cfg.include, u) && !c.t.in(cfg.exclude, u) {
			c.allowed[i]++
		}
		id := strings.ToLower(cfg.id)
		if slices.ContainsFunc(u.MethodsRegistered, func(m string) bool { return slices.Contains(methodConfigs[m], id) }) {
			c.registered[i]++
		}
	}
}

func (c *policyCounter) merge(o *policyCounter) {
	if c == nil || o == nil {
		return
	}
	for i := range c.allowed {
		c.allowed[i] += o.allowed[i]
		c.registered[i] += o.registered[i]
	}
}

// summarizePolicy builds the summary of a policy section; nil for nil.
func summarizePolicy(p *snapshot.MethodsPolicy, counts *policyCounter) *result.PolicySummary {
	if p == nil {
		return nil
	}
	s := &result.PolicySummary{APIVersion: p.APIVersion, Source: p.Source, Reason: p.Reason, Methods: []result.PolicyMethod{}}
	for _, g := range p.Groups {
		if g.Source != snapshot.SourceGraph {
			s.UnresolvedGroups++
		}
	}
	var doc struct {
		Migration any                          `json:"policyMigrationState"`
		Configs   []map[string]json.RawMessage `json:"authenticationMethodConfigurations"`
	}
	if p.Source != snapshot.SourceGraph || json.Unmarshal(bytes.TrimSpace(p.Policy), &doc) != nil {
		return s
	}
	s.MigrationState, _ = doc.Migration.(string)
	if counts == nil {
		return s
	}
	for i, c := range counts.t.configs {
		s.Methods = append(s.Methods, result.PolicyMethod{ID: c.id, State: c.state, Include: describe(c.include), Exclude: describe(c.exclude),
			Registered: counts.registered[i], Allowed: counts.allowed[i]})
	}
	slices.SortFunc(s.Methods, func(a, b result.PolicyMethod) int { return strings.Compare(a.ID, b.ID) })
	return s
}

func describe(ts []polTarget) string {
	var out []string
	for _, t := range ts {
		if t.all {
			out = append(out, "all users")
		} else {
			out = append(out, strings.TrimSpace(t.kind+" "+t.id))
		}
	}
	slices.Sort(out)
	if len(out) == 0 {
		return "nobody"
	}
	return strings.Join(out, ", ")
}
