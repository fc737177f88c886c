package trend

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Formats are the output formats of Write.
var Formats = []string{"text", "json", "markdown"}

// DefaultListed is how many findings per control and kind text and
// markdown list (json lists them all).
const DefaultListed = 20

// Write renders the report in format (text, json or markdown), listing at
// most limit findings per control and kind in text and markdown (0:
// DefaultListed).
func Write(w io.Writer, rep *Report, format string, limit int) error {
	if limit <= 0 {
		limit = DefaultListed
	}
	b := bufio.NewWriter(w)
	switch format {
	case "json":
		enc := json.NewEncoder(b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return fmt.Errorf("write diff: %w", err)
		}
	case "text":
		writeText(b, rep, limit)
	case "markdown":
		writeMarkdown(b, rep, limit)
	default:
		return fmt.Errorf("unknown format %q (valid: %s)", format, strings.Join(Formats, ", "))
	}
	if err := b.Flush(); err != nil {
		return fmt.Errorf("write diff: %w", err)
	}
	return nil
}

func pct(x float64) string { return fmt.Sprintf("%.1f%%", x*100) }

// points formats a share delta in percentage points with a sign.
func points(d float64) string {
	p := d * 100
	if p > -0.05 && p < 0.05 {
		return "±0.0"
	}
	return fmt.Sprintf("%+.1f", p)
}

func label(f Finding) string { return cmp.Or(f.Name, "tenant") }

func writeText(b *bufio.Writer, rep *Report, limit int) {
	fmt.Fprintf(b, "authgate diff\n  old: %s (fetched %s, %d users, verdict %s)\n  new: %s (fetched %s, %d users, verdict %s)\n",
		rep.Old.Label, rep.Old.FetchedAt, rep.Old.Users, rep.Old.Verdict, rep.New.Label, rep.New.FetchedAt, rep.New.Users, rep.New.Verdict)
	if rep.Old.TenantID != rep.New.TenantID {
		fmt.Fprintf(b, "  warning: the tenants differ (%s, %s)\n", rep.Old.TenantID, rep.New.TenantID)
	}
	b.WriteString("\nCoverage (share of the scope's users; change in percentage points)\n")
	if len(rep.Coverage) == 0 {
		b.WriteString("  not available: results JSON files hold no coverage; compare snapshots for it\n")
	}
	for _, c := range rep.Coverage {
		fmt.Fprintf(b, "  %-7s %-23s %6s -> %6s  %6s  (%d/%d -> %d/%d)\n", c.Scope, c.Feature, pct(c.Old), pct(c.New), points(c.Delta), c.OldCount, c.OldUsers, c.NewCount, c.NewUsers)
	}
	writeUsageText(b, rep.Usage)
	writePolicyText(b, rep.Policy)
	b.WriteString("\nViolations per control (new, resolved, unchanged)\n")
	for _, d := range rep.Controls {
		status := d.NewStatus
		if d.OldStatus != d.NewStatus {
			status = d.OldStatus + " -> " + d.NewStatus
		}
		fmt.Fprintf(b, "  %-11s %-15s +%d -%d =%d  %s\n", d.ID, status, len(d.New), len(d.Resolved), len(d.Unchanged), d.Title)
		list := func(sign string, fs []Finding) {
			for _, f := range fs[:min(len(fs), limit)] {
				fmt.Fprintf(b, "      %s %s: %s\n", sign, label(f), f.Message)
			}
			if len(fs) > limit {
				fmt.Fprintf(b, "      %s ... %d more (--format json lists them all)\n", sign, len(fs)-limit)
			}
		}
		list("+", d.New)
		list("-", d.Resolved)
	}
}

var mdEsc = strings.NewReplacer(`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`, `#`, `\#`,
	`|`, `\|`, `<`, `\<`, `>`, `\>`, `&`, `\&`, `@`, `\@`, "\n", " ", "\r", " ")

func writeMarkdown(b *bufio.Writer, rep *Report, limit int) {
	md := mdEsc.Replace
	fmt.Fprintf(b, "## authgate diff\n\n| | Snapshot | Fetched | Users | Verdict |\n|---|---|---|--:|---|\n")
	fmt.Fprintf(b, "| old | %s | %s | %d | %s |\n| new | %s | %s | %d | %s |\n",
		md(rep.Old.Label), md(rep.Old.FetchedAt), rep.Old.Users, md(rep.Old.Verdict), md(rep.New.Label), md(rep.New.FetchedAt), rep.New.Users, md(rep.New.Verdict))
	b.WriteString("\n### Coverage\n\n")
	if len(rep.Coverage) == 0 {
		b.WriteString("Not available: results JSON files hold no coverage; compare snapshots for it.\n")
	} else {
		b.WriteString("| Scope | Feature | Old | New | Change (points) |\n|---|---|--:|--:|--:|\n")
		for _, c := range rep.Coverage {
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", c.Scope, c.Feature, pct(c.Old), pct(c.New), points(c.Delta))
		}
	}
	writeUsageMarkdown(b, rep.Usage)
	writePolicyMarkdown(b, rep.Policy)
	b.WriteString("\n### Violations\n\n| Control | Status | New | Resolved | Unchanged |\n|---|---|--:|--:|--:|\n")
	for _, d := range rep.Controls {
		status := d.NewStatus
		if d.OldStatus != d.NewStatus {
			status = d.OldStatus + " → " + d.NewStatus
		}
		fmt.Fprintf(b, "| %s | %s | %d | %d | %d |\n", md(d.ID), md(status), len(d.New), len(d.Resolved), len(d.Unchanged))
	}
	for _, d := range rep.Controls {
		if len(d.New) == 0 && len(d.Resolved) == 0 {
			continue
		}
		fmt.Fprintf(b, "\n#### %s %s\n\n", md(d.ID), md(d.Title))
		for _, kind := range []struct {
			name string
			fs   []Finding
		}{{"New", d.New}, {"Resolved", d.Resolved}} {
			for _, f := range kind.fs[:min(len(kind.fs), limit)] {
				fmt.Fprintf(b, "- %s: %s: %s\n", kind.name, md(label(f)), md(f.Message))
			}
			if len(kind.fs) > limit {
				fmt.Fprintf(b, "- %s: %d more\n", kind.name, len(kind.fs)-limit)
			}
		}
	}
}

// ptrPct formats a nullable share, "–" when nil.
func ptrPct(f *float64) string {
	if f == nil {
		return "–"
	}
	return pct(*f)
}

// ptrPoints formats a nullable change in percentage points: "new" or "gone"
// when the share is known on one side only, "–" on none.
func ptrPoints(o, n, d *float64) string {
	switch {
	case d != nil:
		return points(*d)
	case o == nil && n != nil:
		return "new"
	case o != nil && n == nil:
		return "gone"
	}
	return "–"
}

// fraction formats count of total, "–" without a total.
func fraction(n, d int64) string {
	if d == 0 {
		return "–"
	}
	return fmt.Sprintf("%d/%d", n, d)
}

func writeUsageText(b *bufio.Writer, u *UsageDiff) {
	if u == nil {
		return
	}
	fmt.Fprintf(b, "\nUsage (%s; change in percentage points)\n", cmp.Or(u.NewPeriod, u.OldPeriod))
	if u.Note != "" {
		fmt.Fprintf(b, "  not compared: %s\n", u.Note)
		return
	}
	b.WriteString("  registration and reset failure rate per method and feature:\n")
	if len(u.Methods) == 0 {
		b.WriteString("    no attempts on either side\n")
	}
	for _, m := range u.Methods {
		fmt.Fprintf(b, "    %-22s %-12s %6s -> %6s  %6s  (%s -> %s)\n", oneLine(m.AuthMethod), oneLine(m.Feature), ptrPct(m.Old), ptrPct(m.New),
			ptrPoints(m.Old, m.New, m.Delta), fraction(m.OldFailed, m.OldAttempts), fraction(m.NewFailed, m.NewAttempts))
	}
	share := func(name string, s *ShareChange) {
		fmt.Fprintf(b, "  %-36s %6s -> %6s  %6s  (%s -> %s)\n", name, ptrPct(s.Old), ptrPct(s.New), ptrPoints(s.Old, s.New, s.Delta),
			fraction(s.OldCount, s.OldTotal), fraction(s.NewCount, s.NewTotal))
	}
	share("multi-factor sign-ins", u.MfaShare)
	if u.TelephonyShare != nil {
		share("SMS and voice of successful sign-ins", u.TelephonyShare)
	} else {
		fmt.Fprintf(b, "  SMS and voice of successful sign-ins: not compared (%s)\n", u.TelephonyNote)
	}
}

func writeUsageMarkdown(b *bufio.Writer, u *UsageDiff) {
	if u == nil {
		return
	}
	md := mdEsc.Replace
	fmt.Fprintf(b, "\n### Usage (%s)\n\n", md(cmp.Or(u.NewPeriod, u.OldPeriod)))
	if u.Note != "" {
		fmt.Fprintf(b, "Not compared: %s.\n", md(u.Note))
		return
	}
	if len(u.Methods) == 0 {
		b.WriteString("No registration or reset attempts on either side.\n")
	} else {
		b.WriteString("| Method | Feature | Old failure rate | New failure rate | Change (points) | Old failed/attempts | New failed/attempts |\n|---|---|--:|--:|--:|--:|--:|\n")
		for _, m := range u.Methods {
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s |\n", md(m.AuthMethod), md(m.Feature), ptrPct(m.Old), ptrPct(m.New),
				ptrPoints(m.Old, m.New, m.Delta), fraction(m.OldFailed, m.OldAttempts), fraction(m.NewFailed, m.NewAttempts))
		}
	}
	b.WriteString("\n| Sign-ins | Old | New | Change (points) |\n|---|--:|--:|--:|\n")
	share := func(name string, s *ShareChange) {
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", name, ptrPct(s.Old), ptrPct(s.New), ptrPoints(s.Old, s.New, s.Delta))
	}
	share("Multi-factor", u.MfaShare)
	if u.TelephonyShare != nil {
		share("SMS and voice of successful", u.TelephonyShare)
	} else {
		fmt.Fprintf(b, "\nSMS and voice of successful sign-ins: not compared (%s).\n", md(u.TelephonyNote))
	}
}

// oneLine folds line breaks and tabs of a name taken from a file into spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		return r
	}, s)
}
