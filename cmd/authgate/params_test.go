package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestShareParamsRefused: a share outside [0, 1], from --set or from
// authgate.yaml, is a usage error naming the parameter and the range, and
// nothing is written.
func TestShareParamsRefused(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "authgate.yaml")
	if err := os.WriteFile(cfg, []byte("params:\n  passwordless_min: 2.5\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "results.json")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--set", "mfa_capable_min=1.5"}, "parameter mfa_capable_min: 1.5 is out of range: want a number from 0 to 1"},
		{[]string{"--set", "telephony_max=-0.2"}, "parameter telephony_max: -0.2 is out of range: want a number from 0 to 1"},
		{[]string{"--config", cfg}, "parameter passwordless_min: 2.5 is out of range: want a number from 0 to 1"},
		{[]string{"--set", "max_report_lag_hours=-1"}, "parameter max_report_lag_hours: -1 is out of range: want a number at least 0"},
	} {
		args := append([]string{"check", "--snapshot", sample, "-o", out}, tt.args...)
		code, stdout, stderr := cli(t, args...)
		if code != exitUsage || stdout != "" || stderr != "authgate: "+tt.want+"\n" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", tt.args, code, stdout, stderr, tt.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Fatalf("%v: wrote %s", tt.args, out)
		}
	}
	// The bounds are shares too; the same command accepts them.
	code, _, stderr := cli(t, "check", "--snapshot", sample, "-o", out, "--set", "mfa_capable_min=1", "--set", "telephony_max=0", "--fail-on", "none")
	if code != 0 {
		t.Fatalf("bounds refused: exit %d, %s", code, stderr)
	}
	// policy list shows the range, so a user can see it before setting one.
	code, list, _ := cli(t, "policy", "list", "--format", "json")
	if code != 0 || !strings.Contains(list, `"name": "mfa_capable_min"`) || !strings.Contains(list, `"maximum": 1`) {
		t.Fatalf("policy list --format json does not show the range (exit %d)", code)
	}
}
