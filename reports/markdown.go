package reports

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/authgate/authgate/result"
)

// markdownListed is the number of violators listed per failing control when
// Options.MaxPerControl is 0.
const markdownListed = 10

// markdownWriter writes a compact summary for a pull-request comment or
// $GITHUB_STEP_SUMMARY (GitHub-flavoured Markdown).
type markdownWriter struct{ o Options }

var _ Writer = (*markdownWriter)(nil)

// mdEscaper backslash-escapes the characters that Markdown, GFM tables,
// inline HTML, entities and GitHub's autolinks (@mention, #123, $math$) give
// a meaning to anywhere in a line; parentheses, braces and ! mean nothing
// once [ and ] are escaped, so they stay readable. Line breaks become spaces. Characters that matter only at the
// start of a line (-, +, digits) are left alone: escaped strings never
// start a line.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`,
	`[`, `\[`, `]`, `\]`, `#`, `\#`,
	`|`, `\|`, `<`, `\<`, `>`, `\>`, `~`, `\~`, `&`, `\&`, `@`, `\@`, `$`, `\$`,
	"\r\n", " ", "\r", " ", "\n", " ",
)

// md sanitises a user-provided string and escapes it for use inline in
// Markdown, including inside a table cell.
func md(s string) string { return mdEscaper.Replace(Sanitize(s)) }

// mdURL makes a URL safe inside the parentheses of a Markdown link.
func mdURL(u string) string {
	return strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29", "<", "%3C", ">", "%3E", "|", "%7C").Replace(Sanitize(u))
}

func (m *markdownWriter) Write(w io.Writer, r *result.Result) error {
	b := bufio.NewWriter(w)
	limit := m.o.limit(markdownListed)
	s := r.Summary
	g := gateOf(r)

	fmt.Fprintf(b, "## authgate: %s\n\n", verdictWord(r.Verdict))
	fmt.Fprintf(b, "Gate **%s** at fail-on `%s`", verdictWord(r.Verdict), md(r.FailOn))
	if why := verdictReason(r); why != "" {
		fmt.Fprintf(b, " (%s)", md(why))
	}
	fmt.Fprintf(b, ". %d %s: %d passed, %d failed, %d skipped; %d %s",
		s.Controls, Plural(s.Controls, "control", "controls"), s.Passed, s.Failed, s.Skipped,
		s.Violations, Plural(s.Violations, "violation", "violations"))
	if s.Waived > 0 {
		fmt.Fprintf(b, ", %d waived", s.Waived)
	}
	fmt.Fprintf(b, ".\n\nTenant %s, snapshot %s (%d users, fetched %s), authgate %s.\n\n",
		md(r.Snapshot.TenantID), md(r.Snapshot.Path), r.Snapshot.Users, md(r.Snapshot.FetchedAt), md(r.Tool.Version))
	if u := unknownLine(r); u != "" {
		fmt.Fprintf(b, "Unknown: %s.\n\n", md(u))
	}

	controls := sortedControls(r)
	b.WriteString("| Control | Title | Severity | Status | Violations |\n")
	b.WriteString("|---|---|---|---|--:|\n")
	for _, c := range controls {
		open, waived := tally(c)
		count := fmt.Sprint(open)
		if waived > 0 {
			count += fmt.Sprintf(" (+%d waived)", waived)
		}
		if c.Status == result.StatusSkipped {
			count = "–"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", md(c.ID), md(c.Title), c.Severity, g.statusLabel(c), count)
	}

	for _, c := range controls {
		if _, waived := tally(c); waived == 0 || c.Status == result.StatusFail {
			continue
		}
		// A control whose every violation is waived passes, but its waived
		// findings stay visible with their justification.
		fmt.Fprintf(b, "\n### %s %s (waived)\n\n", md(c.ID), md(c.Title))
		m.waived(b, c, limit)
	}
	if stale := staleWaivers(r); len(stale) > 0 {
		b.WriteString("\n### Waivers to review\n\n")
		for _, l := range stale {
			fmt.Fprintf(b, "- %s\n", md(l))
		}
	}
	if ex := exclusionLines(r); len(ex) > 0 {
		b.WriteString("\n### Exclusions (users out of scope)\n\n")
		for _, l := range ex {
			fmt.Fprintf(b, "- %s\n", md(l))
		}
	}

	for _, c := range controls {
		if c.Status != result.StatusFail {
			continue
		}
		open, _ := tally(c)
		fmt.Fprintf(b, "\n### %s %s\n\n", md(c.ID), md(c.Title))
		fmt.Fprintf(b, "%s, %d %s", c.Severity, open, Plural(open, "violation", "violations"))
		if g.warns(c) {
			fmt.Fprintf(b, "; %s", md(g.notGating()))
		}
		b.WriteString(".\n\n")
		vs := sortedViolations(c)
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
			fmt.Fprintf(b, "- %s\n", md(textViolation(c, v, true)))
		}
		if open > listed {
			fmt.Fprintf(b, "- … and %d more", open-listed)
			if m.o.FullList != "" {
				fmt.Fprintf(b, " (full list: %s)", md(m.o.FullList))
			}
			b.WriteString("\n")
		}
		m.waived(b, c, limit)
		fix := firstLine(c.Remediation)
		u := firstURL(c.References)
		switch {
		case fix != "" && u != "":
			fmt.Fprintf(b, "\nRemediation: %s [Reference](%s)\n", md(fix), mdURL(u))
		case fix != "":
			fmt.Fprintf(b, "\nRemediation: %s\n", md(fix))
		case u != "":
			fmt.Fprintf(b, "\nRemediation: [Reference](%s)\n", mdURL(u))
		}
	}
	writeUsageMarkdown(b, r.Usage)
	writePolicyMarkdown(b, r.MethodsPolicy)
	if err := b.Flush(); err != nil {
		return fmt.Errorf("write markdown: %w", err)
	}
	return nil
}

// waived lists a control's waived violations with their justification.
func (m *markdownWriter) waived(b *bufio.Writer, c *result.Control, limit int) {
	_, waived := tally(c)
	if waived == 0 {
		return
	}
	fmt.Fprintf(b, "\nWaived (%d):\n\n", waived)
	listed := 0
	for _, v := range sortedViolations(c) {
		if v.Waiver == nil {
			continue
		}
		if listed == limit {
			fmt.Fprintf(b, "- … and %d more waived\n", waived-listed)
			break
		}
		listed++
		fmt.Fprintf(b, "- %s: waived, %s\n", md(textViolation(c, &v, true)), md(waiverNote(v.Waiver)))
	}
}
