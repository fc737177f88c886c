package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authgate/authgate/internal/tenantgen"
)

// TestRunExclusions: `authgate run --config authgate.yaml --include roles`
// fetches the members of the groups the exclusions name, takes them out of
// their controls, lists each entry with its removed users in the JSON
// result, and warns about an overdue review and an entry matching nobody;
// an entry naming an unknown control exits 2 before any fetch.
func TestRunExclusions(t *testing.T) {
	s := newTestEmulator(t, 300)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "authgate.yaml")
	yaml := `exclusions:
  - groups: [` + tenantgen.ServiceAccountsGroup + `]
    controls: [AM-USR-02, AM-PWL-01]
    reason: shared mailboxes and service accounts
    owner: it@contoso.example
    review_by: 2020-01-01
  - subjects: ["nobody-*@contoso.example"]
    controls: [all]
    reason: a typo
    owner: it@contoso.example
`
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "r.json")
	others := map[string]string{"sarif": filepath.Join(dir, "r.sarif"), "junit": filepath.Join(dir, "r.xml"), "markdown": filepath.Join(dir, "r.md"), "text": filepath.Join(dir, "r.txt"), "html": filepath.Join(dir, "r.html")}
	args := []string{"--config", cfg, "--include", "roles", "--format", "json", "--output-file", out, "--snapshot-out", filepath.Join(dir, "s.json")}
	for f, p := range others {
		args = append(args, "--output", f+"="+p)
	}
	code, _, stderr := runWithEmulator(t, s, "run", args...)
	if code != exitOK && code != exitViolations {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"exclusions[0]", "due for review on 2020-01-01", "exclusions[1]", "matched no user"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	res, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Exclusions []struct {
			Index   int              `json:"index"`
			Users   int64            `json:"users"`
			Removed map[string]int64 `json:"removed"`
		} `json:"exclusions"`
	}
	if err := json.Unmarshal(res, &doc); err != nil {
		t.Fatal(err)
	}
	n := int64(len(s.Tenant().Roles().ServiceAccounts))
	if len(doc.Exclusions) != 2 || doc.Exclusions[0].Users != n || doc.Exclusions[0].Removed["AM-PWL-01"] != n || doc.Exclusions[0].Removed["AM-USR-02"] != n || doc.Exclusions[1].Users != 0 {
		t.Errorf("JSON exclusions %+v, want the group's %d users removed from AM-USR-02 and AM-PWL-01", doc.Exclusions, n)
	}
	for f, p := range others {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(b), `\`, "") // Markdown escapes [ ] * @
		if !strings.Contains(text, "exclusions[0] group "+tenantgen.ServiceAccountsGroup) || !strings.Contains(text, "users removed: AM-PWL-01 3, AM-USR-02 3") || !strings.Contains(text, "matched no user") {
			t.Errorf("%s output does not list the exclusions:\n%s", f, b)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "s.json"))
	if err != nil {
		t.Fatal(err)
	}
	var snap struct {
		ExclusionGroups []struct {
			ID      string            `json:"id"`
			Members []json.RawMessage `json:"members"`
		} `json:"exclusionGroups"`
	}
	if err := json.Unmarshal(b, &snap); err != nil {
		t.Fatal(err)
	}
	if len(snap.ExclusionGroups) != 1 || int64(len(snap.ExclusionGroups[0].Members)) != n {
		t.Errorf("snapshot exclusionGroups %+v, want the group with %d members", snap.ExclusionGroups, n)
	}

	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("exclusions:\n  - subjects: [a@x]\n    controls: [AM-NOPE-01]\n    reason: r\n    owner: o\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.ResetStats()
	code, _, stderr = runWithEmulator(t, s, "run", "--config", bad, "--include", "roles")
	if code != exitUsage || !strings.Contains(stderr, "exclusions[0]") || !strings.Contains(stderr, "AM-NOPE-01") {
		t.Errorf("unknown control: exit %d, stderr %s", code, stderr)
	}
	if st := s.Stats(); st.TokensIssued != 0 {
		t.Errorf("a bad config still fetched (%d tokens)", st.TokensIssued)
	}
}

// TestExclusionsPseudonymized: a pseudonymised run names no excluded
// account through its exclusion, in the outputs or in the evidence
// bundle's manifest, which lists the exclusions with their counts.
func TestExclusionsPseudonymized(t *testing.T) {
	s := newTestEmulator(t, 200)
	upn := s.Tenant().Roles().ServiceAccounts[0]
	dir := t.TempDir()
	cfg := filepath.Join(dir, "authgate.yaml")
	yaml := "exclusions:\n  - subjects: [" + upn + "]\n    controls: [all]\n    reason: service account\n    owner: it@contoso.example\n"
	key := filepath.Join(dir, "key")
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, []byte(strings.Repeat("k", 40)), 0o600); err != nil {
		t.Fatal(err)
	}
	out, bundle := filepath.Join(dir, "r.json"), filepath.Join(dir, "e.tar.gz")
	code, _, stderr := runWithEmulator(t, s, "run", "--config", cfg, "--format", "json", "--output-file", out,
		"--output", "text="+filepath.Join(dir, "r.txt"), "--pseudonymize", "--pseudonym-key-file", key, "--evidence", bundle)
	if code != exitOK && code != exitViolations {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, p := range []string{out, filepath.Join(dir, "r.txt")} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(strings.ToLower(string(b)), strings.ToLower(upn)) {
			t.Errorf("%s names the excluded %s", p, upn)
		}
		if !strings.Contains(string(b), "exclusions") {
			t.Errorf("%s does not list the exclusion", p)
		}
	}
	var man []byte
	for _, e := range readBundle(t, bundle) {
		if e.name == "manifest.json" {
			man = e.data
		}
	}
	if !strings.Contains(string(man), `"exclusions"`) || !strings.Contains(string(man), `"users": 1`) || strings.Contains(strings.ToLower(string(man)), strings.ToLower(upn)) {
		t.Errorf("evidence manifest:\n%s", man)
	}
}

// TestPseudonymizedBundleKeepsRoles: a pseudonymised evidence bundle of a
// run with --include roles and an exclusion by group keeps the roles and
// the exclusion's group in its snapshot, so its results judge the role
// holders as the check did (same AM-ADM-04 findings, same exclusion
// counts, same verdict), and `evidence verify` re-evaluates it to the same
// results.
func TestPseudonymizedBundleKeepsRoles(t *testing.T) {
	s := newTestEmulator(t, 300)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "authgate.yaml")
	yaml := "exclusions:\n  - groups: [" + tenantgen.ServiceAccountsGroup + "]\n    controls: [AM-USR-02]\n    reason: service accounts\n    owner: it@contoso.example\n" +
		"  - subjects: ['USER00[0-1]*@contoso.example']\n    controls: [AM-WEAK-01]\n    reason: shared mailboxes\n    owner: it@contoso.example\n"
	key := filepath.Join(dir, "key")
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, []byte(strings.Repeat("k", 40)), 0o600); err != nil {
		t.Fatal(err)
	}
	out, bundle := filepath.Join(dir, "r.json"), filepath.Join(dir, "e.tar.gz")
	code, _, stderr := runWithEmulator(t, s, "run", "--include", "roles", "--config", cfg, "--format", "json", "--output-file", out,
		"--pseudonymize", "--pseudonym-key-file", key, "--evidence", bundle)
	if code != exitViolations {
		t.Fatalf("exit %d, want %d: %s", code, exitViolations, stderr)
	}
	type doc struct {
		Verdict  string `json:"verdict"`
		Controls []struct {
			ID         string            `json:"id"`
			Status     string            `json:"status"`
			Violations []json.RawMessage `json:"violations"`
		} `json:"controls"`
		Exclusions []struct {
			Users   int64            `json:"users"`
			Removed map[string]int64 `json:"removed"`
		} `json:"exclusions"`
	}
	read := func(b []byte) (doc, map[string]int) {
		var d doc
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatal(err)
		}
		n := map[string]int{}
		for _, c := range d.Controls {
			n[c.ID] = len(c.Violations)
		}
		return d, n
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	checked, checkedN := read(b)
	var inBundle, snap, settings []byte
	for _, e := range readBundle(t, bundle) {
		switch e.name {
		case "results/results.json":
			inBundle = e.data
		case "snapshot.json":
			snap = e.data
		case "data/settings.json":
			settings = e.data
		}
	}
	if !strings.Contains(string(snap), `"roles":`) || !strings.Contains(string(snap), `"exclusionGroups":`) {
		t.Fatal("the bundle's snapshot lost its roles or exclusionGroups section")
	}
	bundled, bundledN := read(inBundle)
	if checkedN["AM-ADM-04"] == 0 || bundledN["AM-ADM-04"] != checkedN["AM-ADM-04"] || bundled.Verdict != checked.Verdict {
		t.Errorf("AM-ADM-04: %d findings in the check, %d in the bundle; verdicts %s and %s", checkedN["AM-ADM-04"], bundledN["AM-ADM-04"], checked.Verdict, bundled.Verdict)
	}
	// The pattern cannot match tokens: the bundle carries the tokens of the
	// users it matched, so it removes the same users.
	if len(checked.Exclusions) != 2 || len(bundled.Exclusions) != 2 || checked.Exclusions[0].Users == 0 || checked.Exclusions[1].Users == 0 ||
		bundled.Exclusions[0].Users != checked.Exclusions[0].Users || bundled.Exclusions[0].Removed["AM-USR-02"] != checked.Exclusions[0].Removed["AM-USR-02"] ||
		bundled.Exclusions[1].Users != checked.Exclusions[1].Users || bundled.Exclusions[1].Removed["AM-WEAK-01"] != checked.Exclusions[1].Removed["AM-WEAK-01"] {
		t.Errorf("exclusions: check %+v, bundle %+v", checked.Exclusions, bundled.Exclusions)
	}
	if bundledN["AM-WEAK-01"] != checkedN["AM-WEAK-01"] {
		t.Errorf("AM-WEAK-01: %d findings in the check, %d in the bundle", checkedN["AM-WEAK-01"], bundledN["AM-WEAK-01"])
	}
	if settings == nil || strings.Contains(strings.ToLower(string(settings)), "@contoso.example") && strings.Contains(strings.ToLower(string(settings)), "user00") {
		t.Errorf("the bundle's settings are missing or name users:\n%s", settings)
	}
	if code, stdout, errOut := cli(t, "evidence", "verify", bundle); code != 0 {
		t.Errorf("evidence verify: exit %d\n%s%s", code, stdout, errOut)
	}
}
