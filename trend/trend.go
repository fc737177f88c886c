package trend

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/authgate/authgate/result"
	"github.com/authgate/authgate/snapshot"
)

// Input is one side of a comparison.
type Input struct {
	// Label names the input (its path).
	Label     string
	TenantID  string
	FetchedAt string
	Users     int
	Verdict   string
	// Aggregates are nil for a results JSON file: it holds no coverage.
	Aggregates *result.Aggregates
	Controls   []Control
	// Usage is the usage section's figures; nil when the snapshot (or the
	// results JSON file) has none.
	Usage *result.UsageSummary
	// Policy is the snapshot's authentication methods policy section; nil
	// without one (and for a results JSON file).
	Policy *snapshot.MethodsPolicy
}

// Control is what a comparison keeps of a control.
type Control struct {
	ID         string    `json:"id"`
	Title      string    `json:"title"`
	Status     string    `json:"status"`
	Violations []Finding `json:"violations"`
}

// Finding is one violation, keyed by its subject.
type Finding struct {
	// Subject is the subject's id, or "" for a tenant-level finding.
	Subject string `json:"subject,omitempty"`
	// Name is the subject's UPN (or id), for humans.
	Name    string `json:"name,omitempty"`
	Message string `json:"message"`
	Waived  bool   `json:"waived,omitempty"`
}

// FromResult makes an Input of an evaluated result.
func FromResult(label string, r *result.Result) *Input {
	in := &Input{Label: label, TenantID: r.Snapshot.TenantID, FetchedAt: r.Snapshot.FetchedAt, Users: r.Snapshot.Users,
		Verdict: string(r.Verdict), Aggregates: r.Aggregates, Usage: r.Usage}
	for _, c := range r.Controls {
		ctl := Control{ID: c.ID, Title: c.Title, Status: string(c.Status)}
		for _, v := range c.Violations {
			f := Finding{Message: v.Message, Waived: v.Waiver != nil}
			if v.Subject != nil {
				f.Subject = cmp.Or(v.Subject.ID, v.Subject.UserPrincipalName)
				f.Name = cmp.Or(v.Subject.UserPrincipalName, v.Subject.ID)
			}
			ctl.Violations = append(ctl.Violations, f)
		}
		in.Controls = append(in.Controls, ctl)
	}
	return in
}

// resultsJSON is the part of the json output a comparison reads.
type resultsJSON struct {
	SchemaVersion int `json:"schemaVersion"`
	Snapshot      struct {
		TenantID  string `json:"tenantId"`
		FetchedAt string `json:"fetchedAt"`
		Users     int    `json:"users"`
	} `json:"snapshot"`
	Verdict  string `json:"verdict"`
	Controls []struct {
		ID         string `json:"id"`
		Title      string `json:"title"`
		Status     string `json:"status"`
		Violations []struct {
			Subject *struct {
				ID                string `json:"id"`
				UserPrincipalName string `json:"userPrincipalName"`
			} `json:"subject"`
			Message string          `json:"message"`
			Waiver  json.RawMessage `json:"waiver"`
		} `json:"violations"`
	} `json:"controls"`
	Usage *result.UsageSummary `json:"usage"`
}

// ReadResults reads a results JSON file (authgate check --format json).
func ReadResults(path string) (*Input, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	var r resultsJSON
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: not a snapshot nor a results JSON file: %v", path, err)
	}
	if r.SchemaVersion == 0 || r.Verdict == "" || r.Controls == nil {
		return nil, fmt.Errorf("%s: not a snapshot nor a results JSON file (no schemaVersion, verdict and controls)", path)
	}
	in := &Input{Label: path, TenantID: r.Snapshot.TenantID, FetchedAt: r.Snapshot.FetchedAt, Users: r.Snapshot.Users, Verdict: r.Verdict, Usage: r.Usage}
	for _, c := range r.Controls {
		ctl := Control{ID: c.ID, Title: c.Title, Status: c.Status}
		for _, v := range c.Violations {
			f := Finding{Message: v.Message, Waived: len(v.Waiver) > 0 && string(v.Waiver) != "null"}
			if v.Subject != nil {
				f.Subject = cmp.Or(v.Subject.ID, v.Subject.UserPrincipalName)
				f.Name = cmp.Or(v.Subject.UserPrincipalName, v.Subject.ID)
			}
			ctl.Violations = append(ctl.Violations, f)
		}
		in.Controls = append(in.Controls, ctl)
	}
	return in, nil
}

// Side describes one input in a Report.
type Side struct {
	Label     string `json:"label"`
	TenantID  string `json:"tenantId"`
	FetchedAt string `json:"fetchedAt"`
	Users     int    `json:"users"`
	Verdict   string `json:"verdict"`
}

// Coverage is one feature of one scope in both inputs.
type Coverage struct {
	Scope    string  `json:"scope"`
	Feature  string  `json:"feature"`
	OldCount int64   `json:"oldCount"`
	OldUsers int64   `json:"oldUsers"`
	NewCount int64   `json:"newCount"`
	NewUsers int64   `json:"newUsers"`
	Old      float64 `json:"old"`
	New      float64 `json:"new"`
	// Delta is New - Old in share points (0.01 is one percentage point).
	Delta float64 `json:"delta"`
}

// ControlDiff is one control's violations in both inputs.
type ControlDiff struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	OldStatus string    `json:"oldStatus"`
	NewStatus string    `json:"newStatus"`
	New       []Finding `json:"new"`
	Resolved  []Finding `json:"resolved"`
	Unchanged []Finding `json:"unchanged"`
}

// Report is the comparison of two inputs.
type Report struct {
	Old Side `json:"old"`
	New Side `json:"new"`
	// Coverage is empty unless both inputs have aggregates (snapshots).
	Coverage []Coverage    `json:"coverage"`
	Controls []ControlDiff `json:"controls"`
	// Usage compares the usage sections; nil when neither input has one.
	Usage *UsageDiff `json:"usage,omitempty"`
	// Policy compares the methods policy sections; nil when neither has one.
	Policy *PolicyDiff `json:"methodsPolicy,omitempty"`
}

// Scopes and Features are the coverage rows, in output order.
var (
	Scopes   = []string{"all", "member", "guest", "admin"}
	Features = []string{"mfaCapable", "mfaRegistered", "passwordlessCapable", "ssprRegistered", "ssprCapable", "systemPreferredEnabled"}
)

func feature(c *result.ScopeCounts, name string) int64 {
	switch name {
	case "mfaCapable":
		return c.MfaCapable
	case "mfaRegistered":
		return c.MfaRegistered
	case "passwordlessCapable":
		return c.PasswordlessCapable
	case "ssprRegistered":
		return c.SsprRegistered
	case "ssprCapable":
		return c.SsprCapable
	case "systemPreferredEnabled":
		return c.SystemPreferredEnabled
	}
	return 0
}

func share(n, d int64) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

func side(in *Input) Side {
	return Side{Label: in.Label, TenantID: in.TenantID, FetchedAt: in.FetchedAt, Users: in.Users, Verdict: in.Verdict}
}

// keys identifies findings across runs: by subject, or for tenant-level
// findings by their message with the digits left out (the figures change
// between runs; the method and feature a usage finding names do not) and
// their rank among findings of that message.
func keys(fs []Finding) ([]string, map[string]Finding) {
	m := map[string]Finding{}
	var order []string
	seen := map[string]int{}
	for _, f := range fs {
		k := "s:" + f.Subject
		if f.Subject == "" {
			shape := strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' {
					return -1
				}
				return r
			}, f.Message)
			seen[shape]++
			k = fmt.Sprintf("t:%s:%d", shape, seen[shape])
		}
		if _, dup := m[k]; dup {
			continue
		}
		m[k] = f
		order = append(order, k)
	}
	return order, m
}

// Compare compares old with new.
func Compare(old, new *Input) *Report {
	rep := &Report{Old: side(old), New: side(new), Coverage: []Coverage{}, Controls: []ControlDiff{}}
	if old.Aggregates != nil && new.Aggregates != nil {
		for _, sc := range Scopes {
			o, n := old.Aggregates.Scopes[sc], new.Aggregates.Scopes[sc]
			if o == nil || n == nil {
				continue
			}
			for _, f := range Features {
				c := Coverage{Scope: sc, Feature: f, OldCount: feature(o, f), OldUsers: o.Users, NewCount: feature(n, f), NewUsers: n.Users}
				c.Old, c.New = share(c.OldCount, c.OldUsers), share(c.NewCount, c.NewUsers)
				c.Delta = c.New - c.Old
				rep.Coverage = append(rep.Coverage, c)
			}
		}
	}
	oc := map[string]Control{}
	nc := map[string]Control{}
	for _, c := range old.Controls {
		oc[c.ID] = c
	}
	for _, c := range new.Controls {
		nc[c.ID] = c
	}
	ids := slices.Sorted(maps.Keys(oc))
	for id := range nc {
		if _, ok := oc[id]; !ok {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		o, n := oc[id], nc[id]
		d := ControlDiff{ID: id, Title: cmp.Or(n.Title, o.Title), OldStatus: cmp.Or(o.Status, "absent"), NewStatus: cmp.Or(n.Status, "absent"),
			New: []Finding{}, Resolved: []Finding{}, Unchanged: []Finding{}}
		ok, om := keys(o.Violations)
		nk, nm := keys(n.Violations)
		for _, k := range nk {
			if _, was := om[k]; was {
				d.Unchanged = append(d.Unchanged, nm[k])
			} else {
				d.New = append(d.New, nm[k])
			}
		}
		for _, k := range ok {
			if _, still := nm[k]; !still {
				d.Resolved = append(d.Resolved, om[k])
			}
		}
		rep.Controls = append(rep.Controls, d)
	}
	rep.Usage = CompareUsage(old.Usage, new.Usage)
	rep.Policy = ComparePolicy(old.Policy, new.Policy)
	return rep
}
