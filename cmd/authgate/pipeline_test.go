package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/tenantgen"

	"github.com/google/go-cmp/cmp"

	"github.com/authgate/authgate/evidence"
	"github.com/authgate/authgate/internal/graphfake"
	"github.com/authgate/authgate/pseudonym"
	"github.com/authgate/authgate/trend"
)

// verdictOf is what every command must agree on: the verdict and, per
// control, its status and findings (subject, message, waived).
type verdictOf struct {
	Verdict  string
	Usage    bool
	Controls map[string]string // id -> status and sorted findings
}

// fromResultsJSON reads the JSON results check, run and bundles write.
func fromResultsJSON(t *testing.T, b []byte) verdictOf {
	t.Helper()
	var r struct {
		Verdict  string          `json:"verdict"`
		Usage    json.RawMessage `json:"usage"`
		Controls []struct {
			ID         string `json:"id"`
			Status     string `json:"status"`
			Violations []struct {
				Subject *struct {
					ID string `json:"id"`
				} `json:"subject"`
				Message string          `json:"message"`
				Waiver  json.RawMessage `json:"waiver"`
			} `json:"violations"`
		} `json:"controls"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("results JSON: %v", err)
	}
	v := verdictOf{Verdict: r.Verdict, Usage: len(r.Usage) > 0 && string(r.Usage) != "null", Controls: map[string]string{}}
	for _, c := range r.Controls {
		var fs []string
		for _, x := range c.Violations {
			id := ""
			if x.Subject != nil {
				id = x.Subject.ID
			}
			fs = append(fs, fmt.Sprintf("%s|%s|waived=%t", id, x.Message, len(x.Waiver) > 0))
		}
		slices.Sort(fs)
		v.Controls[c.ID] = c.Status + " " + strings.Join(fs, "; ")
	}
	return v
}

// fromDiff reads the new side of `diff X X --format json`: every finding
// is unchanged, so the unchanged list is the findings.
func fromDiff(t *testing.T, rep trend.Report, usage bool) verdictOf {
	t.Helper()
	v := verdictOf{Verdict: rep.New.Verdict, Usage: usage, Controls: map[string]string{}}
	for _, c := range rep.Controls {
		if len(c.New)+len(c.Resolved) > 0 {
			t.Errorf("diff of a snapshot with itself: %s has new or resolved findings", c.ID)
		}
		var fs []string
		for _, f := range c.Unchanged {
			fs = append(fs, fmt.Sprintf("%s|%s|waived=%t", f.Subject, f.Message, f.Waived))
		}
		slices.Sort(fs)
		v.Controls[c.ID] = c.NewStatus + " " + strings.Join(fs, "; ")
	}
	return v
}

// TestOnePipeline drives run, check, evidence create, evidence verify and
// diff on one snapshot with a usage section, one config with params and
// waivers, and --pseudonymize, and asserts that all of them reach the same
// verdict and the same findings, the bundles' recorded results included.
func TestOnePipeline(t *testing.T) {
	t.Setenv(pseudonym.EnvKey, "a-long-enough-test-pseudonym-key")
	// Delegated, so the usage section has sign-ins; the tenant's clock is
	// today's, as the usage reports' periods end now.
	s, err := graphfake.New(graphfake.Options{
		Tenant:   tenantgen.Tenant{Seed: 3, Users: 300, Now: time.Now().UTC().Truncate(time.Hour)},
		ClientID: cmdTestClientID, ClientSecret: cmdTestSecret, Rate: -1, Delegated: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	now := time.Now().UTC().Add(24 * time.Hour).Format(time.RFC3339)
	expires := time.Now().UTC().Add(30 * 24 * time.Hour).Format(time.DateOnly)
	dir := t.TempDir()
	first := filepath.Join(dir, "first.json")
	if code, _, stderr := runWithEmulator(t, s, "fetch", "-o", first, "--include", "usage"); code != 0 {
		t.Fatalf("fetch: exit %d: %s", code, stderr)
	}
	// A user-level and a tenant-level finding to waive, from a first check.
	_, out, _ := cli(t, "check", "--snapshot", first, "--format", "json", "--now", now)
	var probe struct {
		Controls []struct {
			ID         string `json:"id"`
			Violations []struct {
				Subject *struct {
					UPN string `json:"userPrincipalName"`
				} `json:"subject"`
			} `json:"violations"`
		} `json:"controls"`
	}
	if err := json.Unmarshal([]byte(out), &probe); err != nil {
		t.Fatalf("probe check: %v", err)
	}
	var userWaiver, tenantWaiver string
	for _, c := range probe.Controls {
		for _, v := range c.Violations {
			if v.Subject != nil && userWaiver == "" {
				userWaiver = fmt.Sprintf("  - control: %s\n    subject: %s\n    reason: accepted\n    owner: sec\n    expires: %s\n", c.ID, v.Subject.UPN, expires)
			}
			if v.Subject == nil && tenantWaiver == "" && strings.HasPrefix(c.ID, "AM-USE-") {
				tenantWaiver = fmt.Sprintf("  - control: %s\n    reason: accepted\n    owner: sec\n    expires: %s\n", c.ID, expires)
			}
		}
	}
	if userWaiver == "" || tenantWaiver == "" {
		t.Fatalf("the emulated tenant has no user finding or no failing usage control to waive:\n%s", out)
	}
	waiversFile := filepath.Join(dir, "waivers.yaml")
	if err := os.WriteFile(waiversFile, []byte("waivers:\n"+userWaiver+tenantWaiver), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "authgate.yaml")
	if err := os.WriteFile(cfg, []byte("params:\n  single_factor_signin_max: 0.02\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	flags := []string{"--config", cfg, "--waivers", waiversFile, "--pseudonymize", "--now", now, "--fail-on", "medium"}

	snap := filepath.Join(dir, "snapshot.json")
	runJSON := filepath.Join(dir, "run.json")
	code, _, stderr := runWithEmulator(t, s, "run", append([]string{"--include", "usage", "--snapshot-out", snap, "--format", "json", "-o", runJSON}, flags...)...)
	if code != 0 && code != 1 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	runOut, err := os.ReadFile(runJSON)
	if err != nil {
		t.Fatal(err)
	}
	want := fromResultsJSON(t, runOut)
	if !want.Usage {
		t.Fatal("run's results have no usage section")
	}
	for _, w := range []string{userWaiver, tenantWaiver} {
		if id := strings.Fields(w)[2]; !strings.Contains(want.Controls[id], "waived=true") {
			t.Errorf("the waiver of %s applied to nothing: %s", id, want.Controls[id])
		}
	}
	wantExit := map[string]int{"pass": 0, "fail": 1}[want.Verdict]
	check := func(name string, got verdictOf) {
		t.Helper()
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s disagrees with run (-run +%s):\n%s", name, name, diff)
		}
	}

	checkJSON, checkBundle := filepath.Join(dir, "check.json"), filepath.Join(dir, "check.tar.gz")
	code, _, stderr = cli(t, append([]string{"check", "--snapshot", snap, "--format", "json", "-o", checkJSON, "--evidence", checkBundle}, flags...)...)
	if code != wantExit {
		t.Fatalf("check: exit %d, want %d: %s", code, wantExit, stderr)
	}
	checkOut, err := os.ReadFile(checkJSON)
	if err != nil {
		t.Fatal(err)
	}
	check("check", fromResultsJSON(t, checkOut))

	bundle := filepath.Join(dir, "evidence.tar.gz")
	if code, _, stderr := cli(t, append([]string{"evidence", "create", "--snapshot", snap, "-o", bundle}, flags...)...); code != wantExit {
		t.Fatalf("evidence create: exit %d, want %d: %s", code, wantExit, stderr)
	}
	for _, b := range []string{bundle, checkBundle} {
		var recorded []byte
		var man evidence.Manifest
		for _, e := range readBundle(t, b) {
			switch e.name {
			case "results/results.json":
				recorded = e.data
			case evidence.ManifestName:
				if err := json.Unmarshal(e.data, &man); err != nil {
					t.Fatal(err)
				}
			}
		}
		check(filepath.Base(b)+" results/results.json", fromResultsJSON(t, recorded))
		if man.Verdict != want.Verdict || !man.Pseudonymized {
			t.Errorf("%s manifest.json: verdict %s, pseudonymized %t; want %s, true", filepath.Base(b), man.Verdict, man.Pseudonymized, want.Verdict)
		}
		if code, stdout, _ := cli(t, "evidence", "verify", b); code != 0 || !strings.Contains(stdout, "gives the bundled verdict ("+want.Verdict+")") {
			t.Errorf("evidence verify %s: exit %d:\n%s", filepath.Base(b), code, stdout)
		}
	}

	code, stdout, stderr := cli(t, append([]string{"diff", snap, snap, "--format", "json"}, flags...)...)
	if code != 0 {
		t.Fatalf("diff: exit %d: %s", code, stderr)
	}
	var rep trend.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	check("diff", fromDiff(t, rep, rep.Usage != nil))
}

// TestTimeout: an evaluation cut short by --timeout reaches no verdict
// (exit 4) and writes no output and no bundle.
func TestTimeout(t *testing.T) {
	dir := t.TempDir()
	out, bundle := filepath.Join(dir, "results.json"), filepath.Join(dir, "b.tar.gz")
	for _, args := range [][]string{
		{"check", "--snapshot", sample, "--timeout", "1ns", "--format", "json", "-o", out, "--evidence", bundle},
		{"evidence", "create", "--snapshot", sample, "--timeout", "1ns", "-o", bundle},
		{"diff", sample, sample, "--timeout", "1ns", "-o", out},
		{"policy", "test", "--timeout", "1ns"},
	} {
		code, _, stderr := cli(t, args...)
		if code != exitInconclusive || !strings.Contains(stderr, "--timeout 1ns") {
			t.Errorf("%s: exit %d, want %d naming --timeout: %s", strings.Join(args, " "), code, exitInconclusive, stderr)
		}
		for _, p := range []string{out, bundle} {
			if _, err := os.Stat(p); err == nil {
				t.Errorf("%s wrote %s", strings.Join(args, " "), p)
			}
		}
	}
	if code, _, stderr := cli(t, "evidence", "create", "--snapshot", sample, "-o", bundle); code != 1 {
		t.Fatalf("evidence create: exit %d: %s", code, stderr)
	}
	if code, stdout, stderr := cli(t, "evidence", "verify", bundle, "--timeout", "1ns"); code != exitInconclusive || strings.Contains(stdout, "OK") {
		t.Errorf("evidence verify --timeout 1ns: exit %d, want %d: %s%s", code, exitInconclusive, stdout, stderr)
	}
	if code, _, stderr := cli(t, "check", "--snapshot", sample, "--timeout", "-1s"); code != exitUsage || !strings.Contains(stderr, "--timeout") {
		t.Errorf("negative --timeout: exit %d: %s", code, stderr)
	}
}

// TestMaxMemory: a policy that builds values without end is stopped at
// --max-memory with no verdict (exit 4) naming the bound and the control,
// and nothing is written; evidence verify holds a bundle's policies to the
// verifier's bound, not the creator's.
func TestMaxMemory(t *testing.T) {
	dir := t.TempDir()
	pol := filepath.Join(dir, "hoard")
	if err := os.Mkdir(pol, 0o700); err != nil {
		t.Fatal(err)
	}
	// About 300 MB of OPA values: under the default bound, over 96 MiB.
	src := "# METADATA\n# scope: package\n# title: T\n# description: D\n# custom:\n#   id: HOARD-01\n#   severity: low\n#   scope: tenant\n#   remediation: R\n#   references:\n#     - id: X\n" +
		"package authgate.hoard\n\nviolation contains {\"message\": \"never\"} if {\n\txs := [x | some x in numbers.range(1, 4000000)]\n\tcount(xs) == -1\n}\n"
	test := "package authgate.hoard_test\n\nimport data.authgate.hoard\n\ntest_hoard if count(hoard.violation) == 0\n"
	for name, body := range map[string]string{"hoard.rego": src, "hoard_test.rego": test} {
		if err := os.WriteFile(filepath.Join(pol, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out, bundle := filepath.Join(dir, "results.json"), filepath.Join(dir, "b.tar.gz")
	for _, args := range [][]string{
		{"check", "--snapshot", sample, "--policy", pol, "--max-memory", "96MiB", "--format", "json", "-o", out, "--evidence", bundle},
		{"evidence", "create", "--snapshot", sample, "--policy", pol, "--max-memory", "96MiB", "-o", bundle},
		{"diff", sample, sample, "--policy", pol, "--max-memory", "96MiB", "-o", out},
		{"policy", "test", pol, "--max-memory", "96MiB"},
	} {
		code, _, stderr := cli(t, args...)
		if code != exitInconclusive || !strings.Contains(stderr, "--max-memory 96 MiB") || (args[0] != "policy" && !strings.Contains(stderr, "HOARD-01")) {
			t.Errorf("%s: exit %d, want %d naming --max-memory and the control: %s", strings.Join(args, " "), code, exitInconclusive, stderr)
		}
		for _, p := range []string{out, bundle} {
			if _, err := os.Stat(p); err == nil {
				t.Errorf("%s wrote %s", strings.Join(args, " "), p)
			}
		}
	}
	if code, _, stderr := cli(t, "evidence", "create", "--snapshot", sample, "--policy", pol, "-o", bundle); code != 1 {
		t.Fatalf("evidence create under the default bound: exit %d: %s", code, stderr)
	}
	if code, stdout, stderr := cli(t, "evidence", "verify", bundle, "--max-memory", "96MiB"); code != exitInconclusive || strings.Contains(stdout, "OK") || !strings.Contains(stderr, "--max-memory") {
		t.Errorf("evidence verify --max-memory 96MiB: exit %d, want %d: %s%s", code, exitInconclusive, stdout, stderr)
	}
	for _, bad := range []string{"0", "lots", "-1GiB"} {
		if code, _, stderr := cli(t, "check", "--snapshot", sample, "--max-memory", bad); code != exitUsage || !strings.Contains(stderr, "--max-memory") {
			t.Errorf("--max-memory %s: exit %d: %s", bad, code, stderr)
		}
	}
}
