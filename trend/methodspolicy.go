package trend

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/authgate/authgate/snapshot"
)

// PolicyDiff compares the authentication methods policy sections of two
// snapshots: what changed in each method configuration (state, include and
// exclude targets, other settings) and in the policy's own settings.
type PolicyDiff struct {
	OldSource string `json:"oldSource"`
	NewSource string `json:"newSource"`
	// Note says why the policies were not compared ("" when they were).
	Note    string         `json:"note,omitempty"`
	Changes []PolicyChange `json:"changes"`
}

// PolicyChange is one setting that differs. Method is the configuration id
// (Fido2, Sms, ...), or "policy" for the policy's own settings; Setting is
// the property name; Old and New are its values ("absent" when missing):
// targets as "all users", "group <id>" or "user <id>", other values as
// compact JSON.
type PolicyChange struct {
	Method  string `json:"method"`
	Setting string `json:"setting"`
	Old     string `json:"old"`
	New     string `json:"new"`
}

// ComparePolicy compares two policy sections; nil when neither input has one.
func ComparePolicy(old, new *snapshot.MethodsPolicy) *PolicyDiff {
	if old == nil && new == nil {
		return nil
	}
	src := func(p *snapshot.MethodsPolicy) string {
		if p == nil {
			return "absent"
		}
		return p.Source
	}
	d := &PolicyDiff{OldSource: src(old), NewSource: src(new), Changes: []PolicyChange{}}
	if d.OldSource != snapshot.SourceGraph || d.NewSource != snapshot.SourceGraph {
		d.Note = fmt.Sprintf("the policy is %s in the old snapshot and %s in the new (fetch --include policy, with Policy.Read.AuthenticationMethod)", d.OldSource, d.NewSource)
		return d
	}
	op, np := settings(old.Policy), settings(new.Policy)
	for _, m := range slices.Sorted(maps.Keys(union(op, np))) {
		o, n := op[m], np[m]
		for _, k := range slices.Sorted(maps.Keys(union(o, n))) {
			ov, nv := cmp.Or(o[k], "absent"), cmp.Or(n[k], "absent")
			if ov != nv {
				d.Changes = append(d.Changes, PolicyChange{Method: m, Setting: k, Old: ov, New: nv})
			}
		}
	}
	return d
}

func union[V any](a, b map[string]V) map[string]V {
	out := maps.Clone(a)
	if out == nil {
		out = map[string]V{}
	}
	maps.Copy(out, b)
	return out
}

// settings flattens a policy to method -> setting -> value. Annotations
// (@odata.*) and lastModifiedDateTime are left out: they change without the
// policy changing.
func settings(raw []byte) map[string]map[string]string {
	var p map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&p) != nil {
		return map[string]map[string]string{}
	}
	out := map[string]map[string]string{"policy": {}}
	for k, v := range p {
		switch {
		case strings.HasPrefix(k, "@"), k == "lastModifiedDateTime", k == "id", k == "authenticationMethodConfigurations":
		default:
			out["policy"][k] = compact(v)
		}
	}
	cs, _ := p["authenticationMethodConfigurations"].([]any)
	for _, c := range cs {
		cm, ok := c.(map[string]any)
		id, _ := cm["id"].(string)
		if !ok || id == "" {
			continue
		}
		s := map[string]string{}
		for k, v := range cm {
			switch {
			case strings.HasPrefix(k, "@"), k == "id":
			case k == "includeTargets" || k == "excludeTargets":
				s[k] = describeTargets(v)
			default:
				s[k] = compact(v)
			}
		}
		out[id] = s
	}
	return out
}

func compact(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// describeTargets lists targets as a sorted, comma-separated string, so
// that a reordering is not a change.
func describeTargets(v any) string {
	ts, _ := v.([]any)
	var out []string
	for _, t := range ts {
		tm, _ := t.(map[string]any)
		id, _ := tm["id"].(string)
		typ, _ := tm["targetType"].(string)
		d := strings.TrimSpace(typ + " " + id)
		if id == snapshot.AllUsersTarget {
			d = "all users"
		}
		if extra := targetExtras(tm); extra != "" {
			d += " (" + extra + ")"
		}
		out = append(out, d)
	}
	slices.Sort(out)
	if len(out) == 0 {
		return "nobody"
	}
	return strings.Join(out, ", ")
}

// targetExtras are a target's settings beyond who it names
// (isUsableForSignIn, authenticationMode, ...).
func targetExtras(t map[string]any) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(t)) {
		if k == "id" || k == "targetType" || strings.HasPrefix(k, "@") {
			continue
		}
		parts = append(parts, k+"="+compact(t[k]))
	}
	return strings.Join(parts, " ")
}

func writePolicyText(b *bufio.Writer, p *PolicyDiff) {
	if p == nil {
		return
	}
	b.WriteString("\nAuthentication methods policy\n")
	switch {
	case p.Note != "":
		fmt.Fprintf(b, "  not compared: %s\n", p.Note)
	case len(p.Changes) == 0:
		b.WriteString("  no change\n")
	}
	for _, c := range p.Changes {
		fmt.Fprintf(b, "  %-22s %-40s %s -> %s\n", c.Method, c.Setting, oneLine(c.Old), oneLine(c.New))
	}
}

func writePolicyMarkdown(b *bufio.Writer, p *PolicyDiff) {
	if p == nil {
		return
	}
	md := mdEsc.Replace
	b.WriteString("\n### Authentication methods policy\n\n")
	switch {
	case p.Note != "":
		fmt.Fprintf(b, "Not compared: %s.\n", md(p.Note))
		return
	case len(p.Changes) == 0:
		b.WriteString("No change.\n")
		return
	}
	b.WriteString("| Method | Setting | Old | New |\n|---|---|---|---|\n")
	for _, c := range p.Changes {
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", md(c.Method), md(c.Setting), md(c.Old), md(c.New))
	}
}
