package reports

import (
	"bufio"
	"fmt"

	"github.com/authgate/authgate/result"
)

// writePolicyText renders the methods policy section for the text format:
// each method configuration's state and targets, the users who registered
// a method it governs and the users it allows. Nothing without a section.
func writePolicyText(b *bufio.Writer, p *result.PolicySummary) {
	if p == nil {
		return
	}
	fmt.Fprintf(b, "\nmethods policy (Graph %s):\n", Sanitize(p.APIVersion))
	if p.Source != "graph" {
		fmt.Fprintf(b, "    not fetched: %s\n", Sanitize(p.Reason))
		return
	}
	fmt.Fprintf(b, "    migration state: %s\n", Sanitize(orDash(p.MigrationState)))
	if p.UnresolvedGroups > 0 {
		fmt.Fprintf(b, "    %d target groups could not be resolved: their members are not counted as allowed\n", p.UnresolvedGroups)
	}
	for _, m := range p.Methods {
		fmt.Fprintf(b, "    %-24s %-9s registered %6d  allowed %6d  include %s; exclude %s\n",
			Sanitize(m.ID), Sanitize(orDash(m.State)), m.Registered, m.Allowed, Sanitize(m.Include), Sanitize(m.Exclude))
	}
}

// writePolicyMarkdown renders the methods policy section as a table.
func writePolicyMarkdown(b *bufio.Writer, p *result.PolicySummary) {
	if p == nil {
		return
	}
	fmt.Fprintf(b, "\n### Methods policy (Graph %s)\n\n", md(p.APIVersion))
	if p.Source != "graph" {
		fmt.Fprintf(b, "Not fetched: %s\n", md(p.Reason))
		return
	}
	fmt.Fprintf(b, "Migration state: %s.", md(orDash(p.MigrationState)))
	if p.UnresolvedGroups > 0 {
		fmt.Fprintf(b, " %d target groups could not be resolved: their members are not counted as allowed.", p.UnresolvedGroups)
	}
	b.WriteString("\n\n| Method | State | Include | Exclude | Users registered | Users allowed |\n|---|---|---|---|--:|--:|\n")
	for _, m := range p.Methods {
		fmt.Fprintf(b, "| %s | %s | %s | %s | %d | %d |\n", md(m.ID), md(orDash(m.State)), md(m.Include), md(m.Exclude), m.Registered, m.Allowed)
	}
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// htmlPolicyView is the methods policy section of the HTML page; every
// string has been through Sanitize.
type htmlPolicyView struct {
	APIVersion, Reason, MigrationState string
	// Fetched is false when the section records why Graph gave no policy
	// (a missing permission): the page then says so instead of a table.
	Fetched    bool
	Unresolved int
	Methods    []htmlPolicyMethod
}

// htmlPolicyMethod is one row; State is as Graph wrote it ("" shows as a
// dash, while data-state keeps it empty for a script or a test to read).
type htmlPolicyMethod struct {
	ID, State, Include, Exclude string
	Registered, Allowed         int64
}

// policyView builds the methods policy section of the HTML page; nil (no
// section) without a policy summary.
func policyView(p *result.PolicySummary) *htmlPolicyView {
	if p == nil {
		return nil
	}
	v := &htmlPolicyView{APIVersion: Sanitize(p.APIVersion), Reason: Sanitize(orDash(p.Reason)), Fetched: p.Source == "graph"}
	if !v.Fetched {
		return v
	}
	v.MigrationState, v.Unresolved = Sanitize(orDash(p.MigrationState)), p.UnresolvedGroups
	for _, m := range p.Methods {
		v.Methods = append(v.Methods, htmlPolicyMethod{ID: Sanitize(m.ID), State: Sanitize(m.State),
			Include: Sanitize(m.Include), Exclude: Sanitize(m.Exclude), Registered: m.Registered, Allowed: m.Allowed})
	}
	return v
}
