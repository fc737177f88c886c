package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/authgate/authgate/trend"
	"github.com/authgate/authgate/trend/trendtest"
)

func TestDiffCommand(t *testing.T) {
	dir := t.TempDir()
	oldSnap, newSnap, err := trendtest.WritePair(dir)
	if err != nil {
		t.Fatal(err)
	}
	rep := diffJSON(t, oldSnap, newSnap)
	if len(rep.Coverage) == 0 {
		t.Error("no coverage from snapshots")
	}
	for _, d := range rep.Controls {
		if d.ID == "AM-ADM-01" && !slices.ContainsFunc(d.New, func(f trend.Finding) bool { return f.Subject == trendtest.AdminLost }) {
			t.Errorf("AM-ADM-01 new = %+v, want %s", d.New, trendtest.AdminLost)
		}
	}

	// Results JSON files compare the same violations, without coverage.
	oldJSON, newJSON := filepath.Join(dir, "old.json"), filepath.Join(dir, "new.json")
	cli(t, "check", "--snapshot", oldSnap, "--format", "json", "-o", oldJSON)
	cli(t, "check", "--snapshot", newSnap, "--format", "json", "-o", newJSON)
	code, stdout, stderr := cli(t, "diff", oldJSON, newJSON, "--format", "markdown")
	if code != 0 || !strings.Contains(stdout, "Not available: results JSON files hold no coverage") || !strings.Contains(stdout, "- New: admin.lost\\@contoso.example") {
		t.Errorf("exit %d %s:\n%s", code, stderr, stdout)
	}
	code, stdout, _ = cli(t, "diff", oldSnap, newSnap)
	if code != 0 || !strings.Contains(stdout, "member  passwordlessCapable") {
		t.Errorf("text: exit %d:\n%s", code, stdout)
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"diff", oldSnap}, "want OLD and NEW"},
		{[]string{"diff", oldSnap, newSnap, "--format", "xml"}, "valid: text, json, markdown"},
		{[]string{"diff", oldSnap, newJSON}, "not one of each"},
		{[]string{"diff", oldSnap, filepath.Join(dir, "missing.json")}, "missing.json"},
	} {
		if code, _, stderr := cli(t, tt.args...); code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

// TestDiffUsage compares snapshots with usage sections: the planted changes
// of trendtest appear in each format; a side without usage is noted.
func TestDiffUsage(t *testing.T) {
	dir := t.TempDir()
	oldSnap, newSnap, err := trendtest.WriteUsagePair(dir)
	if err != nil {
		t.Fatal(err)
	}
	rep := diffJSON(t, oldSnap, newSnap)
	u := rep.Usage
	if u == nil || u.Note != "" || u.MfaShare == nil || u.MfaShare.Delta == nil || u.TelephonyShare == nil {
		t.Fatalf("usage = %+v", u)
	}
	if d := *u.MfaShare.Delta; d > -0.0499 || d < -0.0501 {
		t.Errorf("MFA share change %v, want -0.05", d)
	}
	for _, tt := range []struct{ format, want string }{
		{"text", "    mobileSMS              reset         20.0% ->  33.3%   +13.3  (8/40 -> 15/45)\n"},
		{"markdown", "| Multi-factor | 95.0% | 90.0% | -5.0 |\n"},
	} {
		if code, stdout, stderr := cli(t, "diff", oldSnap, newSnap, "--format", tt.format); code != 0 || !strings.Contains(stdout, tt.want) {
			t.Errorf("%s: exit %d %s, lacks %q:\n%s", tt.format, code, stderr, tt.want, stdout)
		}
	}

	// The results JSON files of check carry the usage summary too.
	oldJSON, newJSON := filepath.Join(dir, "old.json"), filepath.Join(dir, "new.json")
	cli(t, "check", "--snapshot", oldSnap, "--format", "json", "-o", oldJSON)
	cli(t, "check", "--snapshot", newSnap, "--format", "json", "-o", newJSON)
	if code, stdout, stderr := cli(t, "diff", oldJSON, newJSON); code != 0 || !strings.Contains(stdout, "  multi-factor sign-ins                 95.0% ->  90.0%    -5.0") {
		t.Errorf("results JSON: exit %d %s:\n%s", code, stderr, stdout)
	}

	plain := filepath.Join(dir, "plain.snapshot.json")
	if err := trendtest.WriteWithUsage(plain, false, nil); err != nil {
		t.Fatal(err)
	}
	if code, stdout, stderr := cli(t, "diff", oldSnap, plain); code != 0 || !strings.Contains(stdout, "not compared: the new input has no usage section (fetch --include usage)") {
		t.Errorf("new without usage: exit %d %s:\n%s", code, stderr, stdout)
	}
}

// diffJSON runs authgate diff OLD NEW --format json and decodes the report.
func diffJSON(t *testing.T, oldPath, newPath string) trend.Report {
	t.Helper()
	code, stdout, stderr := cli(t, "diff", oldPath, newPath, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep trend.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	return rep
}
