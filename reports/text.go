package reports

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"strings"

	"github.com/authgate/authgate/evaluator"
)

// textListed is the number of violators the text format lists per control
// when Options.MaxPerControl is 0.
const textListed = 10

// textWriter writes a plain summary for a terminal or a CI log, without colour.
type textWriter struct{ o Options }

var _ Writer = (*textWriter)(nil)

func (t *textWriter) Write(w io.Writer, r *evaluator.Result) error {
	b := bufio.NewWriter(w)
	limit := t.o.limit(textListed)

	fmt.Fprintf(b, "authgate %s: %s (fail-on %s)\n", r.Tool.Version, verdictWord(r.Verdict), r.FailOn)
	s := r.Snapshot
	fmt.Fprintf(b, "snapshot %s, tenant %s, fetched %s, %d users, sha256 %s\n",
		s.Path, s.TenantID, s.FetchedAt, s.Users, s.SHA256)

	for _, c := range sortedControls(r) {
		open, waived := tally(c)
		fmt.Fprintf(b, "\n%-7s  %-8s  %s  %s", statusWord(c.Status), c.Severity, c.ID, oneLine(c.Title))
		switch {
		case c.Status == evaluator.StatusSkipped:
			fmt.Fprintf(b, ": skipped, %s\n", cmp.Or(oneLine(c.SkipReason), "no reason given"))
		default:
			fmt.Fprintf(b, ": %d %s", open, plural(open, "violation", "violations"))
			if waived > 0 {
				fmt.Fprintf(b, ", %d waived", waived)
			}
			b.WriteString("\n")
		}
		vs := sortedViolations(c)
		if c.Status == evaluator.StatusFail {
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
				fmt.Fprintf(b, "    - %s\n", textViolation(v))
			}
			if open > listed {
				fmt.Fprintf(b, "    … and %d more\n", open-listed)
			}
			if fix := firstLine(c.Remediation); fix != "" {
				fmt.Fprintf(b, "    fix: %s\n", fix)
			}
			if u := firstURL(c.References); u != "" {
				fmt.Fprintf(b, "    see: %s\n", u)
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
			fmt.Fprintf(b, "    ~ waived: %s; %s\n", textViolation(v), oneLine(waiverNote(v.Waiver)))
		}
	}

	if stale := staleWaivers(r); len(stale) > 0 {
		fmt.Fprintf(b, "\nwaivers to review:\n")
		for _, l := range stale {
			fmt.Fprintf(b, "    ! %s\n", oneLine(l))
		}
	}

	if ex := exclusionLines(r); len(ex) > 0 {
		fmt.Fprintf(b, "\nexclusions (users out of scope):\n")
		for _, l := range ex {
			fmt.Fprintf(b, "    - %s\n", oneLine(l))
		}
	}

	writeUsageText(b, r.Usage)

	m := r.Summary
	fmt.Fprintf(b, "\n%d %s: %d passed, %d failed, %d skipped; %d %s",
		m.Controls, plural(m.Controls, "control", "controls"), m.Passed, m.Failed, m.Skipped, m.Violations, plural(m.Violations, "violation", "violations"))
	if m.Waived > 0 {
		fmt.Fprintf(b, ", %d waived", m.Waived)
	}
	fmt.Fprintf(b, "\nverdict: %s\n", verdictWord(r.Verdict))
	if err := b.Flush(); err != nil {
		return fmt.Errorf("write text: %w", err)
	}
	return nil
}

// textViolation renders one finding on one line: the subject and the message,
// or the message with value and threshold for tenant-level findings.
func textViolation(v *evaluator.Violation) string {
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
			fmt.Fprintf(&sb, "value %s", formatNumber(*v.Value))
		}
		if v.Threshold != nil {
			if v.Value != nil {
				sb.WriteString(", ")
			}
			fmt.Fprintf(&sb, "threshold %s", formatNumber(*v.Threshold))
		}
		sb.WriteString("]")
	}
	return sb.String()
}

// formatNumber prints a float in its shortest exact form (0.91, 3, 1e-07).
func formatNumber(f float64) string { return fmt.Sprint(f) }
