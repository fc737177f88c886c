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
	fmt.Fprintf(b, "\nmethods policy (Graph %s):\n", oneLine(p.APIVersion))
	if p.Source != "graph" {
		fmt.Fprintf(b, "    not fetched: %s\n", oneLine(p.Reason))
		return
	}
	fmt.Fprintf(b, "    migration state: %s\n", oneLine(orDash(p.MigrationState)))
	if p.UnresolvedGroups > 0 {
		fmt.Fprintf(b, "    %d target groups could not be resolved: their members are not counted as allowed\n", p.UnresolvedGroups)
	}
	for _, m := range p.Methods {
		fmt.Fprintf(b, "    %-24s %-9s registered %6d  allowed %6d  include %s; exclude %s\n",
			oneLine(m.ID), oneLine(orDash(m.State)), m.Registered, m.Allowed, oneLine(m.Include), oneLine(m.Exclude))
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
