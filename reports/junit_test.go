package reports

import (
	"encoding/xml"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/authgate/authgate/result"
	"github.com/google/go-cmp/cmp"
)

func TestJUnitGolden(t *testing.T) {
	golden(t, "junit.golden", render(t, "junit", fixtureOptions(), fixture()))
}

type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Skipped  *int     `xml:"skipped,attr"`
	Time     string   `xml:"time,attr"`
	Suites   []struct {
		Name       string `xml:"name,attr"`
		Tests      int    `xml:"tests,attr"`
		Failures   int    `xml:"failures,attr"`
		Errors     int    `xml:"errors,attr"`
		Skipped    int    `xml:"skipped,attr"`
		Time       string `xml:"time,attr"`
		Properties []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Classname string `xml:"classname,attr"`
			Name      string `xml:"name,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func decodeJUnit(t testing.TB, b []byte) junitDoc {
	t.Helper()
	var d junitDoc
	if err := xml.Unmarshal(b, &d); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	return d
}

// junitCases returns "classname/name" of every testcase.
func junitCases(t testing.TB, b []byte) map[string]bool {
	t.Helper()
	cases := map[string]bool{}
	for _, s := range decodeJUnit(t, b).Suites {
		for _, c := range s.Cases {
			key := c.Classname + "/" + c.Name
			if cases[key] {
				t.Errorf("duplicate testcase %q", key)
			}
			cases[key] = true
		}
	}
	return cases
}

func TestJUnit(t *testing.T) {
	out := render(t, "junit", fixtureOptions(), fixture())
	if !strings.HasPrefix(string(out), xml.Header) {
		t.Error("no XML declaration")
	}
	d := decodeJUnit(t, out)
	if d.Tests != 6 || d.Failures != 3 || d.Errors != 0 || d.Skipped != nil || d.Time != "0.000" {
		t.Errorf("testsuites tests=%d failures=%d errors=%d skipped=%v time=%q", d.Tests, d.Failures, d.Errors, d.Skipped, d.Time)
	}
	type counts struct{ Tests, Failures, Errors, Skipped int }
	got := map[string]counts{}
	var names []string
	for _, s := range d.Suites {
		names = append(names, s.Name)
		got[s.Name] = counts{s.Tests, s.Failures, s.Errors, s.Skipped}
		props := map[string]string{}
		for _, p := range s.Properties {
			props[p.Name] = p.Value
		}
		if props["tenantId"] != "11111111-2222-3333-4444-555555555555" || props["tool.version"] != "1.2.3" ||
			props["snapshot.sha256"] == "" || props["failOn"] != "high" {
			t.Errorf("suite %s properties = %v", s.Name, props)
		}
		for _, c := range s.Cases {
			if c.Classname != s.Name {
				t.Errorf("case %q classname %q in suite %q", c.Name, c.Classname, s.Name)
			}
		}
	}
	wantNames := []string{"authgate.ADM", "authgate.BG", "authgate.USR", "authgate.WEAK", "authgate.authgate.acme.x"}
	if diff := cmp.Diff(wantNames, names); diff != "" {
		t.Errorf("suites (-want +got):\n%s", diff)
	}
	want := map[string]counts{
		"authgate.ADM":             {2, 1, 0, 0},
		"authgate.BG":              {1, 0, 0, 1},
		"authgate.USR":             {1, 1, 0, 0},
		"authgate.WEAK":            {1, 0, 0, 0},
		"authgate.authgate.acme.x": {1, 1, 0, 0},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("suite counts (-want +got):\n%s", diff)
	}
	adm := d.Suites[0].Cases[0]
	if adm.Name != "AM-ADM-01 Administrators are MFA-capable" || adm.Failure == nil ||
		adm.Failure.Message != "3 violations of AM-ADM-01 (fails the gate at --fail-on high)" || adm.Failure.Type != "critical" ||
		!strings.Contains(adm.Failure.Text, "carol@contoso.example (Carol <Ops> & Co | Tier-0 Ünïcødé ✓): admin is not MFA-capable\n") ||
		strings.Contains(adm.Failure.Text, "bob@") ||
		!strings.Contains(adm.SystemOut, "waived: bob@contoso.example (Bob): admin is not MFA-capable; hardware token on order") {
		t.Errorf("AM-ADM-01 testcase = %+v", adm)
	}
	if bg := d.Suites[1].Cases[0]; bg.Skipped == nil || bg.Skipped.Message != "no break_glass_accounts configured" {
		t.Errorf("skipped case = %+v", bg)
	}
	if weak := d.Suites[3].Cases[0]; weak.Failure != nil || !strings.Contains(weak.SystemOut, "waived: ") {
		t.Errorf("waived-only control must pass and list the waiver: %+v", weak)
	}
	if !regexp.MustCompile(`<testsuites name="authgate" tests="6" failures="3" errors="0" time="0.000">`).Match(out) {
		t.Errorf("root element:\n%s", out[:200])
	}
}

func TestJUnitErrorStatus(t *testing.T) {
	r := &result.Result{Controls: []result.Control{{ID: "AM-E-01", Title: "e", Status: "error"}}}
	d := decodeJUnit(t, render(t, "junit", Options{}, r))
	if d.Errors != 1 || d.Suites[0].Errors != 1 || d.Failures != 0 {
		t.Errorf("an unknown status must count as an error: %+v", d)
	}
}

func TestJUnitValidates(t *testing.T) {
	needTool(t, "xmllint (libxml2-utils)", haveCmd("xmllint"))
	validate(t, writeTemp(t, "fixture.xml", render(t, "junit", fixtureOptions(), fixture())))
}

// TestJUnitCap lists at most the cap of subjects in a failure.
func TestJUnitCap(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	out := render(t, "junit", Options{FullList: "out/results.json"}, bigResult())
	d := decodeJUnit(t, out)
	f := d.Suites[0].Cases[0].Failure
	if f == nil || f.Message != "1000000 violations of AM-ADM-01 (fails the gate at --fail-on high)" {
		t.Fatalf("failure = %+v", f)
	}
	if n := strings.Count(f.Text, "@big.example"); n != DefaultMaxPerControl {
		t.Errorf("failure lists %d subjects, want %d", n, DefaultMaxPerControl)
	}
	if !strings.Contains(f.Text, "999000 more violations of AM-ADM-01 not listed; the full list is in out/results.json") {
		t.Errorf("no 'more' line in failure text")
	}
	if haveCmd("xmllint") {
		validate(t, writeTemp(t, "big.xml", out))
	}
}

// junitparserScript reads a JUnit file with junitparser, the library behind
// EnricoMi/publish-unit-test-result-action, and prints
// "passed failed errors skipped" over all cases.
const junitparserScript = `
import sys
from junitparser import JUnitXml, Failure, Error, Skipped
xml = JUnitXml.fromfile(sys.argv[1])
p = f = e = s = 0
names = set()
for suite in xml:
    for case in suite:
        key = (case.classname, case.name)
        if key in names:
            raise SystemExit("duplicate case %r" % (key,))
        names.add(key)
        kinds = [type(r) for r in case.result]
        if Failure in kinds: f += 1
        elif Error in kinds: e += 1
        elif Skipped in kinds: s += 1
        else: p += 1
print(p, f, e, s)
`

// TestJUnitParser parses the output with Debian's junitparser and checks the
// counts of passed, failed, errored and skipped cases, and that
// "junitparser verify" sees the failures.
func TestJUnitParser(t *testing.T) {
	py := "/usr/bin/python3"
	ok := exec.Command(py, "-c", "import junitparser").Run() == nil
	needTool(t, "junitparser (apt-get install python3-junitparser junitparser)", ok)
	file := writeTemp(t, "fixture.xml", render(t, "junit", fixtureOptions(), fixture()))
	out, err := exec.Command(py, "-c", junitparserScript, file).CombinedOutput()
	if err != nil {
		t.Fatalf("junitparser: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "2 3 0 1" {
		t.Errorf("junitparser counts (passed failed errors skipped) = %q, want \"2 3 0 1\"", got)
	}
	if haveCmd("junitparser") {
		// verify exits 1 when a case failed.
		err := exec.Command("junitparser", "verify", file).Run()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			t.Errorf("junitparser verify: %v, want exit status 1", err)
		}
	}
}

func BenchmarkWriteJunit(b *testing.B) { benchmarkWrite(b, "junit") }
