package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/authgate/authgate/reports"
)

func TestDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	var stdout, stderr bytes.Buffer
	err := cmdDemo(context.Background(), []string{"--users", "300", "--out", dir}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, stderr.String())
	}
	if exitCode(err) != exitOK {
		t.Errorf("exit %d", exitCode(err))
	}
	if !strings.Contains(stdout.String(), "verdict: ") || !strings.Contains(stderr.String(), "fetched 300 users") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := 5 + len(reports.Formats()); len(entries) != want {
		t.Errorf("%d files in %s, want the snapshot, its baseline, authgate.yaml, the evidence bundle, the diff and %d reports", len(entries), dir, len(reports.Formats()))
	}
	if diff, err := os.ReadFile(filepath.Join(dir, "diff.md")); err != nil || !bytes.Contains(diff, []byte("## authgate diff")) || !strings.Contains(stdout.String(), "diff: since the baseline, ") {
		t.Errorf("the demo does not write and announce its diff (%v):\n%s", err, stdout.String())
	}
	for _, e := range entries {
		if !strings.Contains(stdout.String(), filepath.Join(dir, e.Name())) {
			t.Errorf("stdout does not name %s", e.Name())
		}
	}
	if !strings.Contains(stdout.String(), "evidence.tar.gz re-verified") {
		t.Errorf("the demo does not verify its evidence bundle:\n%s", stdout.String())
	}
	// The demo fetches every section: the role holders isAdmin misses are
	// named by AM-ADM-04 in the text results.
	text, err := os.ReadFile(filepath.Join(dir, "results.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(text), "AM-ADM-04") || !strings.Contains(string(text), "(eligible") || !strings.Contains(string(text), "via group PIM-Admins") {
		t.Errorf("results.txt does not name the eligible and group-held administrators:\n%s", text)
	}
	if !strings.Contains(string(text), "exclusions (users out of scope):") || !strings.Contains(string(text), "users removed: AM-PWL-01 3") {
		t.Errorf("results.txt does not list the demo exclusion with its removed users:\n%s", text)
	}
	// The emulator tells the truth by default: its legal oddities and its
	// one contradictory usage day reach the demo's results.
	raw, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r checkJSON
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	found := map[string]int{}
	for _, c := range r.Controls {
		found[c.ID] = len(c.Violations)
	}
	if found["AM-DQ-03"] == 0 || found["AM-DQ-04"] != 1 || r.Unknown["all"] == 0 {
		t.Errorf("demo: AM-DQ-03 %d and AM-DQ-04 %d violations, %d users unknown; want some, exactly one, some", found["AM-DQ-03"], found["AM-DQ-04"], r.Unknown["all"])
	}
	if err := cmdDemo(context.Background(), []string{"--users", "-1"}, &stdout, &stderr); exitCode(err) != exitUsage {
		t.Errorf("--users -1: %v", err)
	}
}

// The demo fetches every section and its reports show every methods policy
// control judged, and the cross-checks naming users.
func TestDemoMethodsPolicy(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	var stdout, stderr bytes.Buffer
	if err := cmdDemo(context.Background(), []string{"--users", "2000", "--out", dir}, &stdout, &stderr); err != nil {
		t.Fatalf("demo: %v\n%s", err, stderr.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Controls []struct {
			ID, Status string
			Violations []struct {
				Subject *struct{ UserPrincipalName string } `json:"subject"`
			} `json:"violations"`
		} `json:"controls"`
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	// The HTML report shows the policy section: the rows of the Markdown
	// report's table (method and state), one per method configuration.
	page, err := os.ReadFile(filepath.Join(dir, "results.html"))
	if err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, "results.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(md), "| Method | State |")
	lines := strings.Split(table, "\n")
	if !ok || len(lines) < 3 {
		t.Fatal("results.md has no methods policy table")
	}
	var rows []string
	for _, l := range lines[2:] {
		cells := strings.Split(l, " | ")
		if !strings.HasPrefix(l, "| ") || len(cells) < 2 {
			break
		}
		rows = append(rows, `<tr data-method="`+strings.TrimPrefix(cells[0], "| ")+`" data-state="`+cells[1]+`">`)
	}
	if len(rows) < 8 || !bytes.Contains(page, []byte(`<section id="methods-policy">`)) || bytes.Count(page, []byte(`<tr data-method="`)) != len(rows) {
		t.Errorf("results.html does not show the %d method configurations of results.md", len(rows))
	}
	for _, row := range rows {
		if !bytes.Contains(page, []byte(row)) {
			t.Errorf("results.html lacks %s", row)
		}
	}
	seen := 0
	for _, c := range res.Controls {
		if !strings.HasPrefix(c.ID, "AM-POL-") {
			continue
		}
		seen++
		if c.Status != "fail" {
			t.Errorf("%s is %s in the demo, want it failing on the demo tenant's lax policy", c.ID, c.Status)
		}
		if (c.ID == "AM-POL-10" || c.ID == "AM-POL-12") && (len(c.Violations) == 0 || c.Violations[0].Subject == nil || c.Violations[0].Subject.UserPrincipalName == "") {
			t.Errorf("%s names no user", c.ID)
		}
	}
	if seen != 12 {
		t.Errorf("%d AM-POL controls in the demo, want 12", seen)
	}
	// At the demo's default size, the baseline a month earlier and the
	// configured break-glass accounts give the trend controls and AM-BG-01
	// something to find, one of them the account the report lacks.
	found := map[string]int{}
	for _, c := range res.Controls {
		found[c.ID] = len(c.Violations)
		if c.ID == "AM-BG-01" && !slices.ContainsFunc(c.Violations, func(v struct {
			Subject *struct{ UserPrincipalName string } `json:"subject"`
		}) bool {
			return v.Subject != nil && v.Subject.UserPrincipalName == "breakglass-02@contoso.example"
		}) {
			t.Errorf("AM-BG-01 does not name the missing break-glass account")
		}
	}
	for _, id := range []string{"AM-TRD-01", "AM-TRD-02", "AM-TRD-03", "AM-TRD-04", "AM-BG-01"} {
		if found[id] == 0 {
			t.Errorf("%s has no finding in the demo, want the demo to exercise it", id)
		}
	}
	// Its one waiver shows in every output, SARIF as a suppression.
	for name, want := range map[string]string{"results.txt": "~ waived: ", "results.md": "waived", "results.html": "waived",
		"results.junit.xml": "waived", "results.github.txt": "(waived)", "results.sarif": `"suppressions"`, "results.json": `"waiver"`} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("%s does not show the demo's waiver (%q)", name, want)
		}
	}
	if !strings.Contains(stderr.String(), "authentication methods policy (beta): graph") {
		t.Errorf("stderr does not report the policy section:\n%s", stderr.String())
	}
}
