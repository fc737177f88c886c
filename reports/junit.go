package reports

import (
	"bufio"
	"cmp"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/authgate/authgate/result"
)

// junitWriter writes JUnit XML valid against the Jenkins xUnit junit-10.xsd:
// one testsuite per control family, one testcase per control.
type junitWriter struct{ o Options }

var _ Writer = (*junitWriter)(nil)

// junitTime is the duration written on every element: the evaluation time is
// not part of the Result, and a fixed value keeps the output deterministic.
const junitTime = "0.000"

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
	notGating  []string
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Error     *junitMessage `xml:"error,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut *junitMessage `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr,omitempty"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",innerxml"` // escaped with xmlText
}

// xmlText escapes s as XML character data, keeping line breaks readable
// (encoding/xml writes them as &#xA;). Characters XML cannot carry become
// U+FFFD.
func xmlText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return strings.ReplaceAll(b.String(), "&#xA;", "\n")
}

// JUnitClassname returns the testcase classname of a control: "authgate."
// and its family. With JUnitName it is stable across runs and unique per control.
func JUnitClassname(c *result.Control) string { return "authgate." + family(c) }

// JUnitName returns the testcase name of a control: its id and title.
func JUnitName(c *result.Control) string {
	return strings.TrimSpace(c.ID + " " + oneLine(c.Title))
}

func (j *junitWriter) Write(w io.Writer, r *result.Result) error {
	limit := j.o.limit(DefaultMaxPerControl)
	g := gateOf(r)
	props := []junitProperty{
		{"tenantId", r.Snapshot.TenantID},
		{"snapshot.path", r.Snapshot.Path},
		{"snapshot.sha256", r.Snapshot.SHA256},
		{"snapshot.fetchedAt", r.Snapshot.FetchedAt},
		{"tool.version", r.Tool.Version},
		{"failOn", r.FailOn},
		{"verdict", string(r.Verdict)},
	}
	for i, l := range exclusionLines(r) {
		props = append(props, junitProperty{fmt.Sprintf("exclusion.%d", i), l})
	}

	byFamily := map[string]*junitSuite{}
	var names []string
	for _, c := range sortedControls(r) {
		fam := family(c)
		s, ok := byFamily[fam]
		if !ok {
			s = &junitSuite{Name: "authgate." + fam, Time: junitTime, Properties: props}
			byFamily[fam] = s
			names = append(names, fam)
		}
		s.Cases = append(s.Cases, j.testcase(g, c, limit))
		if g.warns(c) {
			s.notGating = append(s.notGating, c.ID)
		}
	}
	slices.Sort(names)

	root := junitSuites{Name: "authgate", Time: junitTime, Suites: []junitSuite{}}
	for _, fam := range names {
		s := byFamily[fam]
		if len(s.notGating) > 0 {
			// Which failures of this suite leave the gate passing: a JUnit
			// testcase has no properties of its own.
			s.Properties = append(slices.Clone(s.Properties), junitProperty{"failuresNotGating", strings.Join(s.notGating, " ")})
		}
		for _, tc := range s.Cases {
			s.Tests++
			switch {
			case tc.Failure != nil:
				s.Failures++
			case tc.Error != nil:
				s.Errors++
			case tc.Skipped != nil:
				s.Skipped++
			}
		}
		root.Tests += s.Tests
		root.Failures += s.Failures
		root.Errors += s.Errors
		root.Suites = append(root.Suites, *s)
	}

	b := bufio.NewWriterSize(w, 64<<10)
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(b)
	enc.Indent("", "  ")
	if err := enc.Encode(root); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	b.WriteString("\n")
	if err := b.Flush(); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	return nil
}

func (j *junitWriter) testcase(g gate, c *result.Control, limit int) junitCase {
	tc := junitCase{Classname: JUnitClassname(c), Name: JUnitName(c), Time: junitTime}
	open, waived := tally(c)
	vs := sortedViolations(c)
	switch c.Status {
	case result.StatusPass:
	case result.StatusFail:
		var sb strings.Builder
		listed := 0
		for i := range vs {
			if vs[i].Waiver != nil {
				continue
			}
			if listed == limit {
				break
			}
			listed++
			sb.WriteString(textViolation(c, &vs[i], false))
			sb.WriteString("\n")
		}
		if open > listed {
			sb.WriteString(j.o.moreMessage(open-listed, c.ID) + "\n")
		}
		if fix := firstLine(c.Remediation); fix != "" {
			sb.WriteString("fix: " + fix + "\n")
		}
		if u := firstURL(c.References); u != "" {
			sb.WriteString("see: " + u + "\n")
		}
		tc.Failure = &junitMessage{
			Message: fmt.Sprintf("%d %s of %s (%s)", open, Plural(open, "violation", "violations"), c.ID, gateNote(g, c)),
			Type:    c.Severity.String(),
			Text:    xmlText(sb.String()),
		}
	case result.StatusSkipped:
		tc.Skipped = &junitMessage{Message: cmp.Or(oneLine(c.SkipReason), "skipped")}
	default:
		// A status this writer does not know is an evaluation error.
		tc.Error = &junitMessage{Message: fmt.Sprintf("control %s ended with status %q", c.ID, c.Status), Type: "error"}
	}
	if waived > 0 {
		var sb strings.Builder
		listed := 0
		for i := range vs {
			v := &vs[i]
			if v.Waiver == nil {
				continue
			}
			if listed == limit {
				fmt.Fprintf(&sb, "%d more waived %s not listed\n", waived-listed, Plural(waived-listed, "violation", "violations"))
				break
			}
			listed++
			sb.WriteString("waived: " + textViolation(c, v, false) + "; " + oneLine(waiverNote(v.Waiver)) + "\n")
		}
		tc.SystemOut = &junitMessage{Text: xmlText(sb.String())}
	}
	return tc
}

// gateNote says whether a failing control fails the gate.
func gateNote(g gate, c *result.Control) string {
	if g.gates(c) {
		if g.failOn == "" {
			return "fails the gate"
		}
		return "fails the gate at --fail-on " + g.failOn
	}
	return g.notGating()
}
