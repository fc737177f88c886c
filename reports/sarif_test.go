package reports

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/authgate/authgate/result"
	"github.com/google/go-cmp/cmp"
)

func TestSARIFGolden(t *testing.T) {
	golden(t, "sarif.golden", render(t, "sarif", fixtureOptions(), fixture()))
}

// sarifDoc is the part of a SARIF log the tests look at.
type sarifDoc struct {
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name           string `json:"name"`
				Version        string `json:"version"`
				InformationURI string `json:"informationUri"`
				Rules          []struct {
					ID               string                `json:"id"`
					Name             string                `json:"name"`
					ShortDescription struct{ Text string } `json:"shortDescription"`
					FullDescription  struct{ Text string } `json:"fullDescription"`
					Help             struct {
						Text     string `json:"text"`
						Markdown string `json:"markdown"`
					} `json:"help"`
					HelpURI              string `json:"helpUri"`
					DefaultConfiguration struct {
						Level string `json:"level"`
					} `json:"defaultConfiguration"`
					Properties map[string]any `json:"properties"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results     []sarifResult `json:"results"`
		Invocations []struct {
			ExecutionSuccessful bool `json:"executionSuccessful"`
			ExitCode            int  `json:"exitCode"`
		} `json:"invocations"`
	} `json:"runs"`
}

type sarifResult struct {
	RuleID    string `json:"ruleId"`
	RuleIndex int    `json:"ruleIndex"`
	Level     string `json:"level"`
	Message   struct {
		Text string `json:"text"`
	} `json:"message"`
	Locations []struct {
		PhysicalLocation struct {
			ArtifactLocation struct {
				URI string `json:"uri"`
			} `json:"artifactLocation"`
			Region struct {
				StartLine int `json:"startLine"`
			} `json:"region"`
		} `json:"physicalLocation"`
		LogicalLocations []struct {
			Name               string `json:"name"`
			FullyQualifiedName string `json:"fullyQualifiedName"`
			Kind               string `json:"kind"`
		} `json:"logicalLocations"`
	} `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          map[string]any    `json:"properties"`
	Suppressions        []struct {
		Kind          string `json:"kind"`
		Status        string `json:"status"`
		Justification string `json:"justification"`
	} `json:"suppressions"`
}

func decodeSARIF(t testing.TB, b []byte) sarifDoc {
	t.Helper()
	var d sarifDoc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	if d.Version != "2.1.0" || len(d.Runs) != 1 {
		t.Fatalf("version %q, %d runs", d.Version, len(d.Runs))
	}
	return d
}

func TestSARIF(t *testing.T) {
	d := decodeSARIF(t, render(t, "sarif", fixtureOptions(), fixture()))
	run := d.Runs[0]
	drv := run.Tool.Driver
	if drv.Name != "authgate" || drv.Version != "1.2.3" || drv.InformationURI != "https://github.com/authgate/authgate" {
		t.Errorf("driver = %q %q %q", drv.Name, drv.Version, drv.InformationURI)
	}
	var ids []string
	for _, r := range drv.Rules {
		ids = append(ids, r.ID)
	}
	if diff := cmp.Diff([]string{"ACME-X-01", "AM-ADM-01", "AM-ADM-02", "AM-BG-01", "AM-USR-01", "AM-WEAK-02"}, ids); diff != "" {
		t.Errorf("one rule per control, sorted (-want +got):\n%s", diff)
	}
	adm := drv.Rules[1]
	if adm.Name != "AdministratorsAreMfaCapable" || adm.ShortDescription.Text != "Administrators are MFA-capable" ||
		adm.FullDescription.Text == "" || !strings.Contains(adm.Help.Text, "phishing-resistant") ||
		!strings.Contains(adm.Help.Markdown, "[CIS Microsoft 365 Foundations 5.2.3.4](https://www.cisecurity.org/benchmark/microsoft_365)") ||
		adm.HelpURI != "https://www.cisecurity.org/benchmark/microsoft_365" || adm.DefaultConfiguration.Level != "error" {
		t.Errorf("rule AM-ADM-01 = %+v", adm)
	}
	if diff := cmp.Diff([]any{"security", "CIS-M365-5.2.3.4", "NIST-800-53-IA-2(1)"}, adm.Properties["tags"]); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	sev := map[string]string{}
	lvl := map[string]string{}
	for _, r := range drv.Rules {
		sev[r.ID], _ = r.Properties["security-severity"].(string)
		lvl[r.ID] = r.DefaultConfiguration.Level
	}
	wantSev := map[string]string{"ACME-X-01": "5.5", "AM-ADM-01": "9.5", "AM-ADM-02": "8.0", "AM-BG-01": "8.0", "AM-USR-01": "8.0", "AM-WEAK-02": "3.0"}
	if diff := cmp.Diff(wantSev, sev); diff != "" {
		t.Errorf("security-severity (-want +got):\n%s", diff)
	}
	wantLvl := map[string]string{"ACME-X-01": "warning", "AM-ADM-01": "error", "AM-ADM-02": "error", "AM-BG-01": "error", "AM-USR-01": "error", "AM-WEAK-02": "note"}
	if diff := cmp.Diff(wantLvl, lvl); diff != "" {
		t.Errorf("defaultConfiguration.level (-want +got):\n%s", diff)
	}

	// 1 ACME + 4 ADM-01 (one waived) + 1 USR-01 + 1 waived WEAK-02.
	if len(run.Results) != 7 {
		t.Fatalf("%d results, want 7", len(run.Results))
	}
	byKey := map[string]sarifResult{}
	for _, r := range run.Results {
		if len(r.Locations) != 1 {
			t.Fatalf("result %s has %d locations", r.RuleID, len(r.Locations))
		}
		loc := r.Locations[0]
		if loc.PhysicalLocation.ArtifactLocation.URI != "testdata/my%20snapshot.json" {
			t.Errorf("uri = %q", loc.PhysicalLocation.ArtifactLocation.URI)
		}
		if ids[r.RuleIndex] != r.RuleID {
			t.Errorf("ruleIndex %d does not point at %s", r.RuleIndex, r.RuleID)
		}
		if len(loc.LogicalLocations) != 1 {
			t.Fatalf("%d logical locations", len(loc.LogicalLocations))
		}
		byKey[r.RuleID+"/"+loc.LogicalLocations[0].FullyQualifiedName] = r
	}
	carol := byKey["AM-ADM-01/c3"]
	if carol.Level != "error" || carol.Locations[0].PhysicalLocation.Region.StartLine != 10 ||
		carol.Locations[0].LogicalLocations[0].Kind != "user" || carol.Locations[0].LogicalLocations[0].Name != "carol@contoso.example" ||
		carol.Properties["displayName"] != "Carol <Ops> & Co | Tier-0 Ünïcødé ✓" ||
		carol.PartialFingerprints["primaryLocationLineHash"] != Fingerprint("AM-ADM-01", "c3", "") ||
		!strings.HasPrefix(carol.Message.Text, "carol@contoso.example: ") || len(carol.Suppressions) != 0 {
		t.Errorf("carol = %+v", carol)
	}
	bob := byKey["AM-ADM-01/b2"]
	if len(bob.Suppressions) != 1 || bob.Suppressions[0].Kind != "external" || bob.Suppressions[0].Status != "accepted" ||
		bob.Suppressions[0].Justification != "hardware token on order (owner secops@contoso.example, expires 2026-12-31, ticket SEC-42)" {
		t.Errorf("bob suppressions = %+v", bob.Suppressions)
	}
	tenant := byKey["AM-USR-01/11111111-2222-3333-4444-555555555555"]
	if tenant.Locations[0].LogicalLocations[0].Kind != "tenant" || tenant.Locations[0].PhysicalLocation.Region.StartLine != 13 ||
		tenant.Properties["value"] != 0.91 || tenant.Properties["threshold"] != 0.95 || tenant.Level != "error" ||
		tenant.PartialFingerprints["primaryLocationLineHash"] != Fingerprint("AM-USR-01", "", "11111111-2222-3333-4444-555555555555\x00"+maskDigits(tenant.Message.Text)) {
		t.Errorf("tenant result = %+v", tenant)
	}
	if erin := byKey["ACME-X-01/e5"]; erin.Locations[0].PhysicalLocation.Region.StartLine != 1 || erin.Level != "warning" {
		t.Errorf("unknown offset must give line 1: %+v", erin)
	}
	if inv := run.Invocations; len(inv) != 1 || !inv[0].ExecutionSuccessful || inv[0].ExitCode != 1 {
		t.Errorf("invocations = %+v", inv)
	}
}

func TestSARIFInvocation(t *testing.T) {
	for _, tt := range []struct {
		code int
		ok   bool
	}{{0, true}, {1, true}, {2, false}, {3, false}, {4, false}} {
		d := decodeSARIF(t, render(t, "sarif", Options{ExitCode: tt.code}, fixture()))
		inv := d.Runs[0].Invocations[0]
		if inv.ExitCode != tt.code || inv.ExecutionSuccessful != tt.ok {
			t.Errorf("exit %d: invocation %+v, want successful=%v", tt.code, inv, tt.ok)
		}
	}
}

func TestArtifactURI(t *testing.T) {
	tests := []struct{ in, want string }{
		{"snapshot.json", "snapshot.json"},
		{"testdata/my snapshot.json", "testdata/my%20snapshot.json"},
		{"out/50%.json", "out/50%25.json"},
		{"a#b?.json", "a%23b%3F.json"},
		{"c:x.json", "./c:x.json"},
		{"tenant/Zoë.json", "tenant/Zo%C3%AB.json"},
	}
	for _, tt := range tests {
		if got := artifactURI(tt.in); got != tt.want {
			t.Errorf("artifactURI(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// validate runs testdata/schemas/validate.sh with args on file.
func validate(t *testing.T, file string, args ...string) {
	t.Helper()
	cmd := exec.Command("bash", append([]string{validator()}, append(args, file)...)...)
	out, err := cmd.CombinedOutput()
	if err != nil && bytes.Contains(out, []byte("npm ")) && !bytes.Contains(out, []byte("schema")) {
		// npx could not fetch ajv-cli (no registry, no NPM_TOOLS_DIR): a missing tool.
		needTool(t, "ajv-cli (npx failed: "+firstLine(string(out))+")", false)
	}
	if err != nil {
		t.Fatalf("validate.sh %s %s: %v\n%s", strings.Join(args, " "), file, err, out)
	}
	t.Logf("%s", out)
}

func needSARIFValidator(t *testing.T) {
	needTool(t, "jq", haveCmd("jq"))
	needTool(t, "npx (node/npm, for ajv-cli)", haveCmd("npx"))
}

func TestSARIFValidates(t *testing.T) {
	needSARIFValidator(t)
	validate(t, writeTemp(t, "fixture.sarif", render(t, "sarif", fixtureOptions(), fixture())), "--gh")
}

// TestSARIFCap renders a control with 1,000,000 violations: cap results plus
// one that says how many more there are, well inside GitHub's limits.
func TestSARIFCap(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	out := render(t, "sarif", Options{LineOf: lineOf, FullList: "out/results.json"}, bigResult())
	d := decodeSARIF(t, out)
	perRule := map[string]int{}
	var last sarifResult
	for _, r := range d.Runs[0].Results {
		perRule[r.RuleID]++
		if r.RuleID == "AM-ADM-01" {
			last = r
		}
	}
	if perRule["AM-ADM-01"] != DefaultMaxPerControl+1 {
		t.Errorf("AM-ADM-01 has %d results, want %d", perRule["AM-ADM-01"], DefaultMaxPerControl+1)
	}
	if want := "999000 more violations of AM-ADM-01 not listed; the full list is in out/results.json"; last.Message.Text != want {
		t.Errorf("last result says %q, want %q", last.Message.Text, want)
	}
	gz := gzipSize(out)
	if gz >= 10<<20 {
		t.Errorf("gzipped SARIF is %d bytes, GitHub's limit is 10 MB", gz)
	}
	t.Logf("SARIF for 1,000,000 violations: %d bytes, %d gzipped", len(out), gz)
	if haveCmd("jq") && haveCmd("npx") {
		validate(t, writeTemp(t, "big.sarif", out), "--gh")
	} else {
		needSARIFValidator(t)
	}
}

// TestSARIFCapLowered checks that with many controls the per-control cap is
// lowered so a run stays within 25,000 results.
func TestSARIFCapLowered(t *testing.T) {
	r := &result.Result{}
	for i := range 30 {
		c := result.Control{ID: "AM-C-" + pad7(i), Title: "t", Status: result.StatusFail}
		for k := range 900 {
			c.Violations = append(c.Violations, result.Violation{Subject: &result.Subject{ID: pad7(k)}, Message: "m"})
		}
		r.Controls = append(r.Controls, c)
	}
	out := render(t, "sarif", Options{}, r)
	d := decodeSARIF(t, out)
	if got, want := len(d.Runs[0].Results), 30*(25000/30); got != want || got > MaxSARIFResults {
		t.Errorf("%d results, want %d (cap lowered to %d per control)", got, want, 25000/30-1)
	}
	// The largest run the writer produces still gzips far below GitHub's 10 MB.
	if n := gzipSize(out); n >= 10<<20 {
		t.Errorf("%d results gzip to %d bytes, over 10 MB", len(d.Runs[0].Results), n)
	} else {
		t.Logf("%d results: %d bytes, %d gzipped", len(d.Runs[0].Results), len(out), n)
	}
	if got := sarifCap(Options{MaxPerControl: 10}, 30); got != 10 {
		t.Errorf("a small cap must not change: %d", got)
	}
}

// TestStableIdentity renders two different Results that share a control and
// a user: the SARIF fingerprint and the JUnit classname and name agree.
func TestStableIdentity(t *testing.T) {
	a := fixture()
	b := fixture()
	b.Snapshot.TenantID = "99999999-0000-0000-0000-000000000000"
	b.Snapshot.SHA256 = "ff"
	b.Tool.Version = "2.0.0"
	adm := &b.Controls[1]
	adm.Violations = adm.Violations[0:1] // only carol, at another offset
	adm.Violations[0].Offset = 99_999
	adm.Violations[0].Message = "admin is still not MFA-capable"
	b.Controls = append(b.Controls[:4], b.Controls[5]) // drop AM-WEAK-02

	fp := func(r *result.Result) string {
		for _, res := range decodeSARIF(t, render(t, "sarif", fixtureOptions(), r)).Runs[0].Results {
			if res.RuleID == "AM-ADM-01" && res.Locations[0].LogicalLocations[0].FullyQualifiedName == "c3" {
				return res.PartialFingerprints["primaryLocationLineHash"]
			}
		}
		t.Fatal("no result for c3")
		return ""
	}
	if fa, fb := fp(a), fp(b); fa != fb || fa == "" {
		t.Errorf("fingerprints differ across runs: %q vs %q", fa, fb)
	}
	ja, jb := junitCases(t, render(t, "junit", fixtureOptions(), a)), junitCases(t, render(t, "junit", fixtureOptions(), b))
	for key := range jb {
		if _, ok := ja[key]; !ok {
			t.Errorf("testcase %q of the second run is not in the first", key)
		}
	}
	if _, ok := jb["authgate.ADM/AM-ADM-01 Administrators are MFA-capable"]; !ok {
		t.Errorf("testcases = %v", jb)
	}
}

func BenchmarkWriteSarif(b *testing.B) { benchmarkWrite(b, "sarif") }

func gzipSize(b []byte) int {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return gz.Len()
}

func TestTenantFingerprintsSeparateFindingsAndIgnoreFigures(t *testing.T) {
	mk := func(msgs ...string) []string {
		r := fixture()
		r.Controls = r.Controls[:1]
		c := &r.Controls[0]
		c.Status = result.StatusFail
		c.Violations = nil
		for _, m := range msgs {
			c.Violations = append(c.Violations, result.Violation{Message: m, Offset: -1})
		}
		var log struct {
			Runs []struct {
				Results []struct {
					PartialFingerprints map[string]string `json:"partialFingerprints"`
				} `json:"results"`
			} `json:"runs"`
		}
		if err := json.Unmarshal([]byte(render(t, "sarif", fixtureOptions(), r)), &log); err != nil {
			t.Fatal(err)
		}
		var fps []string
		for _, res := range log.Runs[0].Results {
			fps = append(fps, res.PartialFingerprints["primaryLocationLineHash"])
		}
		return fps
	}
	run1 := mk(`Method name "a" is unknown.`, `Method name "b" is unknown.`, "91.2% of 1,204 members")
	run2 := mk(`Method name "a" is unknown.`, `Method name "b" is unknown.`, "90.8% of 1,210 members")
	if run1[0] == run1[1] {
		t.Errorf("two tenant findings of one control share a fingerprint")
	}
	if !slices.Equal(run1, run2) {
		t.Errorf("fingerprints moved with the figures: %v vs %v", run1, run2)
	}
}
