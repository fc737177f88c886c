package result

import (
	"fmt"
	"strings"

	"github.com/authgate/authgate/scope"
)

// Severity ranks a control. The zero value is SeverityInfo; higher is worse.
type Severity int

// Severities from least to most severe.
const (
	SeverityInfo Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

// String returns the lower-case name used in METADATA, flags and every output.
func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// MarshalText encodes the severity as its name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ParseSeverity parses a severity name (critical, high, medium, low, info).
func ParseSeverity(name string) (Severity, error) {
	for i, n := range severityNames {
		if n == name {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (valid: critical, high, medium, low, info)", name)
}

// Status is the outcome of one control.
type Status string

// Control outcomes.
const (
	StatusPass    Status = "pass"
	StatusFail    Status = "fail"
	StatusSkipped Status = "skipped"
)

// Scope says what a control judges: one user at a time, the tenant's
// aggregates, or the whole document.
type Scope string

// Control scopes, declared in METADATA as custom.scope.
const (
	ScopeUser     Scope = "user"
	ScopeTenant   Scope = "tenant"
	ScopeDocument Scope = "document"
)

// Reference points at a framework requirement or documentation page.
type Reference struct {
	// ID is a framework identifier such as "CIS-M365-5.2.3.4" or "NIST-800-53-IA-2(1)"; may be empty.
	ID string `json:"id,omitempty"`
	// Description is a human-readable label.
	Description string `json:"description,omitempty"`
	// URL links to the text, when one exists.
	URL string `json:"url,omitempty"`
}

// Param is one tunable parameter a control declares, with its default and
// the value in force for this evaluation.
type Param struct {
	Name    string `json:"name"`
	Default any    `json:"default"`
	Value   any    `json:"value"`
	// Minimum and Maximum bound a numeric parameter, when its control
	// declares a range (METADATA custom.param_schema).
	Minimum *float64 `json:"minimum,omitempty"`
	Maximum *float64 `json:"maximum,omitempty"`
}

// Subject identifies the user a violation is about.
type Subject struct {
	ID                string `json:"id"`
	UserPrincipalName string `json:"userPrincipalName"`
	DisplayName       string `json:"displayName"`
	// Roles name the directory roles that make the user an administrator
	// ("Global Administrator (eligible, via group PIM-Admins)"), on the
	// findings of admin controls when the snapshot has a roles section.
	Roles []string `json:"roles,omitempty"`
}

// Waiver is an accepted risk that applies to a violation.
type Waiver struct {
	Control string `json:"control"`
	Subject string `json:"subject,omitempty"`
	Reason  string `json:"reason"`
	Owner   string `json:"owner"`
	Expires string `json:"expires"`
	Ticket  string `json:"ticket,omitempty"`
}

// WaiverState says what became of a declared waiver in one evaluation.
type WaiverState string

// Waiver states.
const (
	// WaiverApplied: the waiver is in force and covered at least one violation.
	WaiverApplied WaiverState = "applied"
	// WaiverExpired: the waiver's expires date is before the evaluation
	// date; it no longer applies (Matched counts what it would have covered).
	WaiverExpired WaiverState = "expired"
	// WaiverOrphaned: the waiver is in force but matched no violation, so it
	// can be removed.
	WaiverOrphaned WaiverState = "orphaned"
)

// WaiverStatus reports one declared waiver and what it did.
type WaiverStatus struct {
	Waiver
	// Source names the entry, e.g. "waivers.yaml: waivers[3]".
	Source string `json:"source"`
	// State is applied, expired or orphaned.
	State WaiverState `json:"state"`
	// Matched is the number of violations the waiver covered (or, when
	// expired, would have covered).
	Matched int `json:"matched"`
}

// Violation is one finding of a control.
type Violation struct {
	// Subject is the user concerned, or nil for a tenant-level finding.
	Subject *Subject `json:"subject"`
	// Message says what is wrong, in one sentence.
	Message string `json:"message"`
	// Value and Threshold are the measured value and the limit, for tenant-level shares.
	Value     *float64 `json:"value,omitempty"`
	Threshold *float64 `json:"threshold,omitempty"`
	// Waiver is set when an accepted risk covers this violation.
	Waiver *Waiver `json:"waiver,omitempty"`
	// Offset is the byte offset in the snapshot of the object the finding
	// points at (the user's object, or the summary or manifest for
	// tenant-level findings); -1 when unknown. Outputs that need a line
	// number resolve it with snapshot.LineIndex.
	Offset int64 `json:"-"`
}

// Control is one evaluated control with its metadata and findings.
type Control struct {
	ID          string      `json:"id"`
	Title       string      `json:"title"`
	Description string      `json:"description,omitempty"`
	Severity    Severity    `json:"severity"`
	Scope       Scope       `json:"scope"`
	Remediation string      `json:"remediation,omitempty"`
	References  []Reference `json:"references,omitempty"`
	Params      []Param     `json:"params,omitempty"`
	// Package is the Rego package that defines the control, e.g. "authgate.builtin.adm01".
	Package string `json:"package"`
	// Family groups controls in outputs: the middle part of a built-in id
	// (ADM, USR, ...), or a user control's package without "authgate."
	// (so JUnit's classname authgate.<family> reads authgate.acme.x).
	Family string `json:"family"`
	// Builtin is true for controls of the embedded pack.
	Builtin bool `json:"builtin"`
	// Source is the policy file that defines the control, with Line its package line.
	Source string `json:"source,omitempty"`
	Line   int    `json:"-"`

	Status     Status      `json:"status"`
	SkipReason string      `json:"skipReason,omitempty"`
	Violations []Violation `json:"violations"`
}

// Failed reports whether the control has at least one unwaived violation.
func (c *Control) Failed() bool { return c.Status == StatusFail }

// Summary counts the controls by outcome.
type Summary struct {
	Controls   int `json:"controls"`
	Passed     int `json:"passed"`
	Failed     int `json:"failed"`
	Skipped    int `json:"skipped"`
	Violations int `json:"violations"`
	Waived     int `json:"waived,omitempty"`
}

// Tool names the program that produced a result.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// SnapshotRef identifies the snapshot a result was computed from.
type SnapshotRef struct {
	Path      string `json:"path"`
	SHA256    string `json:"sha256"`
	TenantID  string `json:"tenantId"`
	FetchedAt string `json:"fetchedAt"`
	Users     int    `json:"users"`
	// Unverified is true when the manifest carries no usersSha256 to check
	// the rows against (a hand-made snapshot): nothing shows it was not cut
	// or edited since it was fetched.
	Unverified bool `json:"unverified,omitempty"`
	// ManifestOffset is the byte offset of the manifest object in the snapshot.
	ManifestOffset int64 `json:"-"`
}

// Verdict is the gate's decision.
type Verdict string

// Verdicts.
const (
	VerdictPass Verdict = "pass"
	VerdictFail Verdict = "fail"
)

// Result is the outcome of one evaluation: the contract every output format renders.
type Result struct {
	SchemaVersion int         `json:"schemaVersion"`
	Tool          Tool        `json:"tool"`
	Snapshot      SnapshotRef `json:"snapshot"`
	Verdict       Verdict     `json:"verdict"`
	FailOn        string      `json:"failOn"`
	Summary       Summary     `json:"summary"`
	Controls      []Control   `json:"controls"`
	// Waivers lists every declared waiver with its state (applied, expired,
	// orphaned), in declaration order; empty when none were given.
	Waivers []WaiverStatus `json:"waivers,omitempty"`
	// Aggregates are the tenant figures the evaluator computed (users per
	// scope and capability, methods), for outputs that chart coverage.
	Aggregates *Aggregates `json:"-"`
	// Unknown counts, per aggregate scope (all, member, guest, admin), the
	// users its coverage shares could not place or judge (ScopeCounts.Unknown,
	// docs/policies.md); omitted when every row was complete.
	Unknown map[string]int64 `json:"unknown,omitempty"`
	// Usage are the usage section's figures (SummarizeUsage); nil when the snapshot has none.
	Usage *UsageSummary `json:"usage,omitempty"`
	// Exclusions lists each declared exclusion with the users it took out
	// of each control's scope (WithExclusions); empty when none were given.
	Exclusions []scope.Status `json:"exclusions,omitempty"`
	// MethodsPolicy summarises the methods policy section per method
	// (methodspolicy.go); nil when the snapshot has none.
	MethodsPolicy *PolicySummary `json:"methodsPolicy,omitempty"`
}

// FailOnNone disables the gate: no severity fails it.
const FailOnNone = "none"

// Decide sets Verdict and Summary from the controls and failOn (a severity
// name or "none").
func (r *Result) Decide(failOn string) error {
	var threshold Severity
	gate := failOn != FailOnNone
	if gate {
		s, err := ParseSeverity(failOn)
		if err != nil {
			return err
		}
		threshold = s
	}
	r.FailOn = failOn
	r.Verdict = VerdictPass
	r.Summary = Summary{Controls: len(r.Controls)}
	for i := range r.Controls {
		c := &r.Controls[i]
		for _, v := range c.Violations {
			if v.Waiver != nil {
				r.Summary.Waived++
			} else {
				r.Summary.Violations++
			}
		}
		switch c.Status {
		case StatusPass:
			r.Summary.Passed++
		case StatusFail:
			r.Summary.Failed++
			if gate && c.Severity >= threshold {
				r.Verdict = VerdictFail
			}
		case StatusSkipped:
			r.Summary.Skipped++
		}
	}
	return nil
}

// FamilyOf returns the output family of a control id such as AM-ADM-01
// ("ADM"), or "" when the id does not have that shape.
func FamilyOf(id string) string {
	parts := strings.Split(id, "-")
	if len(parts) == 3 && parts[0] == "AM" {
		return parts[1]
	}
	return ""
}
