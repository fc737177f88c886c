package reports

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"strings"

	"github.com/authgate/authgate/result"
)

// textListed is the number of violators the text format lists per control
// when Options.MaxPerControl is 0.
const textListed = 10

// textWriter writes a plain summary for a terminal or a CI log, without colour.
type textWriter struct{ o Options }

var _ Writer = (*textWriter)(nil)

func (t *textWriter) Write(w io.Writer, r *result.Result) error {
	b := bufio.NewWriter(w)
	limit := t.o.limit(textListed)
	g := gateOf(r)

	fmt.Fprintf(b, "authgate %s: %s (fail-on %s)\n", Sanitize(r.Tool.Version), verdictWord(r.Verdict), Sanitize(r.FailOn))
	s := r.Snapshot
	fmt.Fprintf(b, "snapshot %s, tenant %s, fetched %s, %d users, sha256 %s\n",
		Sanitize(s.Path), Sanitize(s.TenantID), Sanitize(s.FetchedAt), s.Users, Sanitize(s.SHA256))
	if u := unknownLine(r); u != "" {
		fmt.Fprintf(b, "unknown: %s\n", Sanitize(u))
	}

	for _, c := range sortedControls(r) {
		open, waived := tally(c)
		fmt.Fprintf(b, "\n%-7s  %-8s  %s  %s", g.statusLabel(c), c.Severity, Sanitize(c.ID), Sanitize(c.Title))
		switch {
		case c.Status == result.StatusSkipped:
			fmt.Fprintf(b, ": skipped, %s\n", cmp.Or(Sanitize(c.SkipReason), "no reason given"))
		default:
			fmt.Fprintf(b, ": %d %s", open, Plural(open, "violation", "violations"))
			if waived > 0 {
				fmt.Fprintf(b, ", %d waived", waived)
			}
			if g.warns(c) {
				fmt.Fprintf(b, " (%s)", Sanitize(g.notGating()))
			}
			b.WriteString("\n")
		}
		vs := sortedViolations(c)
		if c.Status == result.StatusFail {
			listed := 0
			for i := range vs {
				v := &vs[i]
				if v.Waiver != nil {
					continue
				}
				if listed == limit {
					break
				}
				listed++
				fmt.Fprintf(b, "    - %s\n", Sanitize(textViolation(c, v, true)))
			}
			if open > listed {
				fmt.Fprintf(b, "    … and %d more\n", open-listed)
			}
			if fix := firstLine(c.Remediation); fix != "" {
				fmt.Fprintf(b, "    fix: %s\n", Sanitize(fix))
			}
			if u := firstURL(c.References); u != "" {
				fmt.Fprintf(b, "    see: %s\n", Sanitize(u))
			}
		}
		listed := 0
		for i := range vs {
			v := &vs[i]
			if v.Waiver == nil {
				continue
			}
			if listed == limit {
				fmt.Fprintf(b, "    … and %d more waived\n", waived-listed)
				break
			}
			listed++
			fmt.Fprintf(b, "    ~ waived: %s; %s\n", Sanitize(textViolation(c, v, true)), Sanitize(waiverNote(v.Waiver)))
		}
	}

	if stale := staleWaivers(r); len(stale) > 0 {
		fmt.Fprintf(b, "\nwaivers to review:\n")
		for _, l := range stale {
			fmt.Fprintf(b, "    ! %s\n", Sanitize(l))
		}
	}

	if ex := exclusionLines(r); len(ex) > 0 {
		fmt.Fprintf(b, "\nexclusions (users out of scope):\n")
		for _, l := range ex {
			fmt.Fprintf(b, "    - %s\n", Sanitize(l))
		}
	}

	writeUsageText(b, r.Usage)
	writePolicyText(b, r.MethodsPolicy)

	m := r.Summary
	fmt.Fprintf(b, "\n%d %s: %d passed, %d failed, %d skipped; %d %s",
		m.Controls, Plural(m.Controls, "control", "controls"), m.Passed, m.Failed, m.Skipped, m.Violations, Plural(m.Violations, "violation", "violations"))
	if m.Waived > 0 {
		fmt.Fprintf(b, ", %d waived", m.Waived)
	}
	fmt.Fprintf(b, "\nverdict: %s\n", verdictLine(r))
	if err := b.Flush(); err != nil {
		return fmt.Errorf("write text: %w", err)
	}
	return nil
}

// textViolation renders one finding on one line: the subject and the message,
// or the message with value and threshold for tenant-level findings. For a
// person (human) the figures are rounded; otherwise they are exact.
func textViolation(c *result.Control, v *result.Violation, human bool) string {
	figure := formatNumber
	if human {
		u := figureUnit(c, v)
		figure = func(f float64) string { return humanNumber(f, u) }
	}
	var sb strings.Builder
	if v.Subject != nil {
		sb.WriteString(oneLine(subjectLabel(v.Subject)))
		if v.Message != "" {
			sb.WriteString(": ")
		}
	}
	sb.WriteString(oneLine(v.Message))
	if v.Value != nil || v.Threshold != nil {
		sb.WriteString(" [")
		if v.Value != nil {
			fmt.Fprintf(&sb, "value %s", figure(*v.Value))
		}
		if v.Threshold != nil {
			if v.Value != nil {
				sb.WriteString(", ")
			}
			fmt.Fprintf(&sb, "threshold %s", figure(*v.Threshold))
		}
		sb.WriteString("]")
	}
	return sb.String()
}

// formatNumber prints a float in its shortest exact form (0.91, 3, 1e-07).
func formatNumber(f float64) string { return fmt.Sprint(f) }
