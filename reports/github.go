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

// githubWriter writes GitHub Actions workflow commands: one annotation per
// failing control, titled with the control id and title: ::error when it
// fails the gate, ::warning (titled "not gating") when it is below
// --fail-on; ::notice for waived violations and for each exclusion (a
// ::warning when a waiver or an exclusion needs review). Passing,
// waived-only and skipped controls print nothing.
type githubWriter struct{ o Options }

var _ Writer = (*githubWriter)(nil)

// ghData escapes the message of a workflow command.
var ghData = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")

// ghProperty escapes a property value of a workflow command.
var ghProperty = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")

// githubCommand is the annotation command of a failing control: an error
// when it fails the gate, a warning when it does not, so that the job's
// annotations agree with its exit code.
func githubCommand(g gate, c *result.Control) string {
	if g.gates(c) {
		return "error"
	}
	return "warning"
}

func (g *githubWriter) Write(w io.Writer, r *result.Result) error {
	b := bufio.NewWriter(w)
	limit := g.o.limit(githubListed)
	gt := gateOf(r)
	for _, c := range sortedControls(r) {
		if c.Status == result.StatusFail {
			g.failing(b, gt, c, limit)
		}
		if _, waived := tally(c); waived > 0 {
			var items []string
			for _, v := range sortedViolations(c) {
				if v.Waiver != nil && len(items) < limit {
					items = append(items, textViolation(c, &v, true)+" (waived: "+oneLine(waiverNote(v.Waiver))+")")
				}
			}
			msg := fmt.Sprintf("%d waived %s of %s: %s", waived, Plural(waived, "violation", "violations"), c.ID, strings.Join(items, "; "))
			if waived > len(items) {
				msg += fmt.Sprintf("; and %d more", waived-len(items))
			}
			title := strings.TrimSpace(c.ID + " " + oneLine(c.Title) + " (waived)")
			fmt.Fprintf(b, "::notice title=%s::%s\n", ghProperty.Replace(Sanitize(title)), ghData.Replace(Sanitize(msg)))
		}
	}
	for _, l := range staleWaivers(r) {
		fmt.Fprintf(b, "::warning title=authgate waiver to review::%s\n", ghData.Replace(Sanitize(l)))
	}
	// Users taken out of scope shape every verdict above: each exclusion
	// is shown, as a warning when it needs someone's attention (it matched
	// nobody, or its review is overdue).
	lines := exclusionLines(r)
	for i, x := range r.Exclusions {
		cmd := "notice"
		if x.Users == 0 || x.ReviewOverdue {
			cmd = "warning"
		}
		fmt.Fprintf(b, "::%s title=authgate exclusion (users out of scope)::%s\n", cmd, ghData.Replace(Sanitize(lines[i])))
	}
	if err := b.Flush(); err != nil {
		return fmt.Errorf("write github annotations: %w", err)
	}
	return nil
}

// failing writes the annotation of one failing control.
func (g *githubWriter) failing(b *bufio.Writer, gt gate, c *result.Control, limit int) {
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
		items = append(items, textViolation(c, &vs[i], true))
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
	if !strings.HasSuffix(msg.String(), ".") { // messages usually end a sentence themselves
		msg.WriteString(".")
	}
	if gt.warns(c) {
		msg.WriteString(" " + strings.ToUpper(gt.notGating()[:1]) + gt.notGating()[1:] + ".")
	}
	if fix := firstLine(c.Remediation); fix != "" {
		msg.WriteString(" Fix: " + fix)
	}
	if u := firstURL(c.References); u != "" {
		msg.WriteString(" See " + u)
	}
	title := strings.TrimSpace(c.ID + " " + oneLine(c.Title))
	if gt.warns(c) {
		title += " (not gating)"
	}
	fmt.Fprintf(b, "::%s title=%s::%s\n", githubCommand(gt, c), ghProperty.Replace(Sanitize(title)), ghData.Replace(Sanitize(msg.String())))
}
