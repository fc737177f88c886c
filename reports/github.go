package reports

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/authgate/authgate/result"
)

// githubListed is the number of violators named per annotation when
// Options.MaxPerControl is 0.
const githubListed = 5

// githubWriter writes GitHub Actions workflow commands: one ::error,
// ::warning or ::notice annotation per failing control, titled with the
// control id and title. Passing, waived-only and skipped controls print nothing.
type githubWriter struct{ o Options }

var _ Writer = (*githubWriter)(nil)

// ghData escapes the message of a workflow command.
var ghData = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")

// ghProperty escapes a property value of a workflow command.
var ghProperty = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")

// githubCommand maps a severity to the annotation command.
func githubCommand(s result.Severity) string {
	switch {
	case s >= result.SeverityHigh:
		return "error"
	case s == result.SeverityMedium:
		return "warning"
	}
	return "notice"
}

func (g *githubWriter) Write(w io.Writer, r *result.Result) error {
	b := bufio.NewWriter(w)
	limit := g.o.limit(githubListed)
	for _, c := range sortedControls(r) {
		if c.Status == result.StatusFail {
			g.failing(b, c, limit)
		}
		if _, waived := tally(c); waived > 0 {
			var items []string
			for _, v := range sortedViolations(c) {
				if v.Waiver != nil && len(items) < limit {
					items = append(items, textViolation(&v)+" (waived: "+oneLine(waiverNote(v.Waiver))+")")
				}
			}
			msg := fmt.Sprintf("%d waived %s of %s: %s", waived, Plural(waived, "violation", "violations"), c.ID, strings.Join(items, "; "))
			if waived > len(items) {
				msg += fmt.Sprintf("; and %d more", waived-len(items))
			}
			title := strings.TrimSpace(c.ID + " " + oneLine(c.Title) + " (waived)")
			fmt.Fprintf(b, "::notice title=%s::%s\n", ghProperty.Replace(title), ghData.Replace(msg))
		}
	}
	for _, l := range staleWaivers(r) {
		fmt.Fprintf(b, "::warning title=authgate waiver to review::%s\n", ghData.Replace(l))
	}
	if err := b.Flush(); err != nil {
		return fmt.Errorf("write github annotations: %w", err)
	}
	return nil
}

// failing writes the annotation of one failing control.
func (g *githubWriter) failing(b *bufio.Writer, c *result.Control, limit int) {
	open, _ := tally(c)
	var msg strings.Builder
	fmt.Fprintf(&msg, "%d %s of %s (%s)", open, Plural(open, "violation", "violations"), c.ID, c.Severity)
	vs := sortedViolations(c)
	var items []string
	for i := range vs {
		if vs[i].Waiver != nil {
			continue
		}
		if len(items) == limit {
			break
		}
		items = append(items, textViolation(&vs[i]))
	}
	if len(items) > 0 {
		msg.WriteString(": " + strings.Join(items, "; "))
	}
	if rest := open - len(items); rest > 0 {
		fmt.Fprintf(&msg, "; and %d more", rest)
		if g.o.FullList != "" {
			msg.WriteString(" (full list: " + g.o.FullList + ")")
		}
	}
	msg.WriteString(".")
	if fix := firstLine(c.Remediation); fix != "" {
		msg.WriteString(" Fix: " + fix)
	}
	if u := firstURL(c.References); u != "" {
		msg.WriteString(" See " + u)
	}
	title := strings.TrimSpace(c.ID + " " + oneLine(c.Title))
	fmt.Fprintf(b, "::%s title=%s::%s\n", githubCommand(c.Severity), ghProperty.Replace(title), ghData.Replace(msg.String()))
}
