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
