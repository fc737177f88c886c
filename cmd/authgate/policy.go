package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/gate"
	"github.com/authgate/authgate/reports"
	"github.com/authgate/authgate/result"
)

// policySubcommands are the subcommands of `authgate policy`.
var policySubcommands = []command{
	{"test", "run the Rego tests (*_test.rego) of policies, with the built-in pack available", cmdPolicyTest},
	{"list", "list every control: id, severity, scope, title, source", cmdPolicyList},
	{"doc", "print a Markdown catalogue of every control", cmdPolicyDoc},
}

func cmdPolicy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatchSub(ctx, "policy", "authgate policy <test|list|doc> [flags]", policySubcommands, args, stdout, stderr)
}

// testReport is the JSON output of policy test.
type testReport struct {
	Tests   []evaluator.TestResult `json:"tests"`
	Summary testSummary            `json:"summary"`
}

type testSummary struct {
	Tests   int `json:"tests"`
	Passed  int `json:"passed"`
	Failed  int `json:"failed"`
	Errors  int `json:"errors"`
	Skipped int `json:"skipped"`
}

func cmdPolicyTest(ctx context.Context, args []string, stdout, _ io.Writer) error {
	var o gate.Options
	var format string
	fs := newFlagSet("policy test", "policy test [PATH...] [flags]", stdout)
	fs.StringVar(&format, "format", "text", "output `FORMAT`: text|json")
	addPolicyFlags(fs, &o, false)
	fs.DurationVar(&o.Timeout, "timeout", gate.DefaultTimeout, "give up with exit 4 (inconclusive) when all the tests take longer than `DURATION` (each test has its own limit too)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if format != "text" && format != "json" {
		return usagef("--format: unknown format %q (valid: text, json)", format)
	}
	o.Policies = fs.Args()
	if len(o.Policies) == 0 && o.NoBuiltin {
		return usagef("policy test: --no-builtin needs a policy PATH (without one, the built-in pack's tests run)")
	}
	results, err := gate.Test(ctx, o)
	if err != nil {
		return err
	}
	rep := testReport{Tests: results}
	rep.Summary.Tests = len(results)
	for _, r := range results {
		switch r.Outcome {
		case evaluator.TestPass:
			rep.Summary.Passed++
		case evaluator.TestFail:
			rep.Summary.Failed++
		case evaluator.TestError:
			rep.Summary.Errors++
		case evaluator.TestSkip:
			rep.Summary.Skipped++
		}
	}
	bw := bufio.NewWriter(stdout)
	if format == "json" {
		enc := json.NewEncoder(bw)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return fmt.Errorf("write test results: %w", err)
		}
	} else {
		writeTestText(bw, rep)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write test results: %w", err)
	}
	if rep.Summary.Failed+rep.Summary.Errors > 0 {
		return errGateFailed
	}
	return nil
}

func writeTestText(w io.Writer, rep testReport) {
	for _, r := range rep.Tests {
		word := map[evaluator.TestOutcome]string{
			evaluator.TestPass: "PASS", evaluator.TestFail: "FAIL", evaluator.TestError: "ERROR", evaluator.TestSkip: "SKIP",
		}[r.Outcome]
		fmt.Fprintf(w, "%-5s %s.%s (%s)\n", word, r.Package, r.Name, r.Duration.Round(time.Microsecond))
		switch r.Outcome {
		case evaluator.TestFail:
			fmt.Fprintf(w, "      %s:%d: the test's body was false or undefined\n", r.File, r.Line)
		case evaluator.TestError:
			fmt.Fprintf(w, "      %s\n", r.Error)
		}
		if r.Outcome != evaluator.TestPass && r.Output != "" {
			for _, line := range strings.Split(strings.TrimRight(r.Output, "\n"), "\n") {
				fmt.Fprintf(w, "      | %s\n", line)
			}
		}
	}
	s := rep.Summary
	fmt.Fprintf(w, "\n%d %s: %d passed, %d failed, %d errors, %d skipped\n", s.Tests, reports.Plural(s.Tests, "test", "tests"), s.Passed, s.Failed, s.Errors, s.Skipped)
}

// loadControls compiles the controls the flags select and returns their metadata.
func loadControls(ctx context.Context, o gate.Options) ([]result.Control, error) {
	p, err := gate.Prepare(ctx, o)
	if err != nil {
		return nil, err
	}
	return p.Controls(), nil
}

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

func cmdPolicyList(ctx context.Context, args []string, stdout, _ io.Writer) error {
	var o gate.Options
	var format string
	fs := newFlagSet("policy list", "policy list [--policy PATH]... [flags]", stdout)
	fs.StringVar(&format, "format", "table", "output `FORMAT`: table|json")
	addPolicyFlags(fs, &o, true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("policy list: unexpected argument %q (user policies are given with --policy)", fs.Arg(0))
	}
	if format != "table" && format != "json" {
		return usagef("--format: unknown format %q (valid: table, json)", format)
	}
	controls, err := loadControls(ctx, o)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(stdout)
	if format == "json" {
		entries := make([]controlEntry, 0, len(controls))
		for _, c := range controls {
			e := controlEntry{ID: c.ID, Title: c.Title, Severity: c.Severity, Scope: c.Scope, Description: c.Description,
				Remediation: c.Remediation, References: c.References, Params: c.Params, Package: c.Package, Builtin: c.Builtin, Source: c.Source}
			if e.Params == nil {
				e.Params = []result.Param{}
			}
			entries = append(entries, e)
		}
		enc := json.NewEncoder(bw)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{"controls": entries}); err != nil {
			return fmt.Errorf("write control list: %w", err)
		}
	} else {
		tw := tabwriter.NewWriter(bw, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSEVERITY\tSCOPE\tSOURCE\tTITLE")
		for _, c := range controls {
			src := "built-in"
			if !c.Builtin {
				src = c.Source
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.Severity, c.Scope, src, c.Title)
		}
		if err := tw.Flush(); err != nil {
			return fmt.Errorf("write control list: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write control list: %w", err)
	}
	return nil
}

func cmdPolicyDoc(ctx context.Context, args []string, stdout, _ io.Writer) error {
	var o gate.Options
	fs := newFlagSet("policy doc", "policy doc [--policy PATH]... [flags]", stdout)
	addPolicyFlags(fs, &o, true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("policy doc: unexpected argument %q (user policies are given with --policy)", fs.Arg(0))
	}
	controls, err := loadControls(ctx, o)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(stdout)
	writeDoc(bw, controls)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write control catalogue: %w", err)
	}
	return nil
}

// writeDoc renders the Markdown catalogue: a summary table, then one
// section per control.
func writeDoc(w io.Writer, controls []result.Control) {
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
			fmt.Fprintf(w, "Parameters:\n\n| Parameter | Default |\n|---|---|\n")
			for _, p := range c.Params {
				def := "`" + jsonText(p.Default) + "`"
				if jsonText(p.Value) != jsonText(p.Default) {
					def += " (in force: `" + jsonText(p.Value) + "`)"
				}
				fmt.Fprintf(w, "| `%s` | %s |\n", p.Name, cell(def))
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
