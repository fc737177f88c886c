package catalog

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/authgate/authgate/result"
)

// controlEntry is one control in policy list --format json.
type controlEntry struct {
	ID          string             `json:"id"`
	Title       string             `json:"title"`
	Severity    result.Severity    `json:"severity"`
	Scope       result.Scope       `json:"scope"`
	Description string             `json:"description"`
	Remediation string             `json:"remediation"`
	References  []result.Reference `json:"references"`
	Params      []result.Param     `json:"params"`
	Package     string             `json:"package"`
	Builtin     bool               `json:"builtin"`
	Source      string             `json:"source"`
}

// WriteJSON writes the controls as {"controls": [...]}, for policy list --format json.
func WriteJSON(w io.Writer, controls []result.Control) error {
	entries := make([]controlEntry, 0, len(controls))
	for _, c := range controls {
		e := controlEntry{ID: c.ID, Title: c.Title, Severity: c.Severity, Scope: c.Scope, Description: c.Description,
			Remediation: c.Remediation, References: c.References, Params: c.Params, Package: c.Package, Builtin: c.Builtin, Source: c.Source}
		if e.Params == nil {
			e.Params = []result.Param{}
		}
		entries = append(entries, e)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"controls": entries})
}

// WriteTable writes one aligned line per control: id, severity, scope,
// source and title.
func WriteTable(w io.Writer, controls []result.Control) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEVERITY\tSCOPE\tSOURCE\tTITLE")
	for _, c := range controls {
		src := "built-in"
		if !c.Builtin {
			src = c.Source
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.Severity, c.Scope, src, c.Title)
	}
	return tw.Flush()
}

// WriteMarkdown renders the Markdown catalogue: a summary table, then one
// section per control.
func WriteMarkdown(w io.Writer, controls []result.Control) {
	fmt.Fprintf(w, "| ID | Severity | Scope | Title |\n|---|---|---|---|\n")
	for _, c := range controls {
		fmt.Fprintf(w, "| [%s](#%s) | %s | %s | %s |\n", c.ID, anchor(c.ID), c.Severity, c.Scope, cell(c.Title))
	}
	for _, c := range controls {
		fmt.Fprintf(w, "\n### %s\n\n**%s**\n\n", c.ID, c.Title)
		src := "built-in, package `" + c.Package + "`"
		if !c.Builtin {
			src = "`" + c.Source + "`, package `" + c.Package + "`"
		}
		fmt.Fprintf(w, "Severity: %s · Scope: %s · Source: %s\n\n", c.Severity, c.Scope, src)
		fmt.Fprintf(w, "%s\n\n", c.Description)
		if len(c.Params) > 0 {
			fmt.Fprintf(w, "Parameters:\n\n| Parameter | Default | Allowed |\n|---|---|---|\n")
			for _, p := range c.Params {
				def := "`" + jsonText(p.Default) + "`"
				if jsonText(p.Value) != jsonText(p.Default) {
					def += " (in force: `" + jsonText(p.Value) + "`)"
				}
				fmt.Fprintf(w, "| `%s` | %s | %s |\n", p.Name, cell(def), paramRange(p))
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "Remediation: %s\n\n", c.Remediation)
		fmt.Fprintf(w, "References:\n\n")
		for _, r := range c.References {
			label := r.ID
			if label == "" {
				label = r.Description
			}
			if u, err := url.Parse(r.URL); r.URL != "" && err == nil && u.Scheme != "" {
				label = "[" + label + "](" + r.URL + ")"
			}
			if r.ID != "" && r.Description != "" {
				label += ": " + r.Description
			}
			fmt.Fprintf(w, "- %s\n", label)
		}
	}
}

// anchor is GitHub's heading anchor for a heading text.
func anchor(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteRune('-')
		}
	}
	return b.String()
}

// cell escapes a Markdown table cell.
func cell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// paramRange says which values a parameter accepts, as its control's
// METADATA custom.param_schema declares them.
func paramRange(p result.Param) string {
	f := func(v *float64) string { return strconv.FormatFloat(*v, 'g', -1, 64) }
	switch {
	case p.Minimum != nil && p.Maximum != nil:
		return f(p.Minimum) + " to " + f(p.Maximum)
	case p.Minimum != nil:
		return "at least " + f(p.Minimum)
	case p.Maximum != nil:
		return "at most " + f(p.Maximum)
	}
	return "any " + jsonKind(p.Default)
}

func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "list"
	case map[string]any:
		return "object"
	case string:
		return "string"
	case bool:
		return "boolean"
	}
	return "number"
}
