package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestSchemaNullsWithBinary: the built binary fetches, through its own demo
// emulator, rows with the nulls and evolvable enum values Microsoft's
// schema allows, then checks the snapshot: the check reaches a verdict (exit
// 1, a failing tenant, not a crash or a refusal), counts the users it cannot
// vouch for and names them in AM-DQ-03.
func TestSchemaNullsWithBinary(t *testing.T) {
	bin := builtBinary(t)
	dir := filepath.Join(t.TempDir(), "demo")
	if out, err := exec.Command(bin, "demo", "--users", "2000", "--out", dir).CombinedOutput(); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	report := filepath.Join(t.TempDir(), "r.json")
	cmd := exec.Command(bin, "check", "--snapshot", filepath.Join(dir, "snapshot.json"), "--format", "json", "-o", report, "-q")
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitViolations {
		t.Fatalf("check: %v, want exit %d\n%s", err, exitViolations, out)
	}
	raw, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var r checkJSON
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	dq03 := 0
	for _, c := range r.Controls {
		if c.ID == "AM-DQ-03" {
			dq03 = len(c.Violations)
		}
	}
	if dq03 == 0 || r.Unknown["all"] == 0 || int64(dq03) != r.Unknown["all"] {
		t.Errorf("AM-DQ-03 names %d users, unknown counts %d: want the same, more than none", dq03, r.Unknown["all"])
	}
}
