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
	code, stdout, stderr := cli(t, "diff", oldSnap, newSnap, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep trend.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
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
	code, stdout, stderr = cli(t, "diff", oldJSON, newJSON, "--format", "markdown")
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
