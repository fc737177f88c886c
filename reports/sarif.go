package reports

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/authgate/authgate/result"
)

// sarifSchemaURI is the $schema GitHub's documentation uses.
const sarifSchemaURI = "https://json.schemastore.org/sarif-2.1.0.json"

// maxRuleTags is the number of tags GitHub keeps per rule.
const maxRuleTags = 10

// sarifWriter writes one SARIF 2.1.0 run for GitHub code scanning and other
// SARIF consumers.
type sarifWriter struct{ o Options }

var _ Writer = (*sarifWriter)(nil)

// securitySeverity maps a severity to GitHub's numeric security-severity.
func securitySeverity(s result.Severity) string {
	switch s {
	case result.SeverityCritical:
		return "9.5"
	case result.SeverityHigh:
		return "8.0"
	case result.SeverityMedium:
		return "5.5"
	case result.SeverityLow:
		return "3.0"
	}
	return "0.0"
}

// sarifLevel maps a severity to a SARIF level.
func sarifLevel(s result.Severity) string {
	switch {
	case s >= result.SeverityHigh:
		return sarif.LevelError
	case s == result.SeverityMedium:
		return sarif.LevelWarning
	}
	return sarif.LevelNote
}

// sarifCap returns the per-control cap for a run of rules controls: the
// configured cap, lowered so that rules*(cap+1) results (cap listed plus
// one "more" result per control) never exceed MaxSARIFResults.
func sarifCap(o Options, rules int) int {
	limit := o.limit(DefaultMaxPerControl)
	if rules > 0 && rules*(limit+1) > MaxSARIFResults {
		limit = max(MaxSARIFResults/rules-1, 0)
	}
	return limit
}

// artifactURI percent-encodes a relative path as a SARIF uri-reference.
func artifactURI(p string) string {
	p = filepath.ToSlash(p)
	return (&url.URL{Path: p}).String()
}

// ruleName turns a title into an identifier-like rule name ("Admins are
// MFA-capable" → "AdminsAreMfaCapable"), falling back to the id.
func ruleName(title, id string) string {
	var b strings.Builder
	for _, word := range strings.FieldsFunc(title, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		rs := []rune(strings.ToLower(word))
		rs[0] = unicode.ToUpper(rs[0])
		if b.Len()+len(string(rs)) > 255 {
			break
		}
		b.WriteString(string(rs))
	}
	if b.Len() == 0 {
		return id
	}
	return b.String()
}

func (s *sarifWriter) rule(c *result.Control) *sarif.ReportingDescriptor {
	rule := sarif.NewReportingDescriptor()
	rule.ID = ptr(c.ID)
	rule.Name = ptr(ruleName(c.Title, c.ID))
	title := cmp.Or(oneLine(c.Title), c.ID)
	rule.ShortDescription = &sarif.MultiformatMessageString{Text: ptr(title)}
	rule.FullDescription = &sarif.MultiformatMessageString{Text: ptr(cmp.Or(strings.TrimSpace(c.Description), title))}

	var text, md strings.Builder
	text.WriteString(cmp.Or(strings.TrimSpace(c.Remediation), strings.TrimSpace(c.Description), title))
	md.WriteString(cmp.Or(strings.TrimSpace(c.Remediation), strings.TrimSpace(c.Description), title))
	if len(c.References) > 0 {
		text.WriteString("\n\nReferences:")
		md.WriteString("\n\n**References**\n")
		for _, ref := range c.References {
			label := cmp.Or(ref.Description, ref.ID, ref.URL)
			text.WriteString("\n- " + label)
			if ref.ID != "" && ref.ID != label {
				text.WriteString(" (" + ref.ID + ")")
			}
			if ref.URL != "" && ref.URL != label {
				text.WriteString(": " + ref.URL)
			}
			md.WriteString("\n- ")
			if ref.URL != "" {
				md.WriteString("[" + label + "](" + ref.URL + ")")
			} else {
				md.WriteString(label)
			}
			if ref.ID != "" && ref.ID != label {
				md.WriteString(" (" + ref.ID + ")")
			}
		}
	}
	rule.Help = &sarif.MultiformatMessageString{Text: ptr(text.String()), Markdown: ptr(md.String())}
	if u := firstURL(c.References); u != "" {
		rule.HelpURI = ptr(u)
	}
	conf := sarif.NewReportingConfiguration()
	conf.Level = sarifLevel(c.Severity)
	rule.DefaultConfiguration = conf

	tags := []string{"security"}
	for _, ref := range c.References {
		if len(tags) == maxRuleTags {
			break
		}
		if ref.ID != "" && !slices.Contains(tags, ref.ID) {
			tags = append(tags, ref.ID)
		}
	}
	props := sarif.NewPropertyBag()
	props.Add("security-severity", securitySeverity(c.Severity))
	props.Tags = tags
	rule.Properties = props
	return rule
}

// The result subtree is written with the types below rather than go-sarif's:
// go-sarif's location types carry int indexes without omitempty and fill them
// with -1 ("unset"), which Microsoft's SARIF validator flags on every result
// (SARIF2004) and which bloat a 25,000-result run. These write only what
// authgate sets.

// sarifLog is the top-level SARIF object.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

// sarifRun is one run: the tool with its rules, the invocation, the results.
type sarifRun struct {
	Tool        *sarif.Tool         `json:"tool"`
	Invocations []*sarif.Invocation `json:"invocations"`
	Results     []*sarifOutResult   `json:"results"`
	Properties  *sarif.PropertyBag  `json:"properties,omitempty"`
}

type sarifOutResult struct {
	RuleID              string               `json:"ruleId"`
	RuleIndex           int                  `json:"ruleIndex"`
	Level               string               `json:"level"`
	Message             *sarif.Message       `json:"message"`
	Locations           []sarifLocation      `json:"locations"`
	PartialFingerprints map[string]string    `json:"partialFingerprints"`
	Properties          *sarif.PropertyBag   `json:"properties,omitempty"`
	Suppressions        []*sarif.Suppression `json:"suppressions,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysicalLocation  `json:"physicalLocation"`
	LogicalLocations []sarifLogicalLocation `json:"logicalLocations"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           sarifRegion           `json:"region"`
}

type sarifArtifactLocation struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogicalLocation struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

// location is the one location of a result: a line of the snapshot and the
// user or tenant it is about.
func location(uri string, line int, logical sarifLogicalLocation) []sarifLocation {
	return []sarifLocation{{
		PhysicalLocation: sarifPhysicalLocation{ArtifactLocation: sarifArtifactLocation{URI: uri}, Region: sarifRegion{StartLine: line}},
		LogicalLocations: []sarifLogicalLocation{logical},
	}}
}

func tenantLocation(tenantID string) sarifLogicalLocation {
	return sarifLogicalLocation{Name: cmp.Or(tenantID, "tenant"), FullyQualifiedName: cmp.Or(tenantID, "tenant"), Kind: "tenant"}
}

func (s *sarifWriter) result(c *result.Control, idx int, uri, tenant string, v *result.Violation) *sarifOutResult {
	res := &sarifOutResult{RuleID: c.ID, RuleIndex: idx, Level: sarifLevel(c.Severity)}
	props := sarif.NewPropertyBag()
	msg := oneLine(cmp.Or(v.Message, c.Title, c.ID))
	var logical sarifLogicalLocation
	var fp string
	if sub := v.Subject; sub != nil {
		who := cmp.Or(sub.UserPrincipalName, sub.ID)
		if who != "" && !strings.Contains(msg, who) {
			msg = who + ": " + msg
		}
		logical = sarifLogicalLocation{Name: who, FullyQualifiedName: cmp.Or(sub.ID, sub.UserPrincipalName), Kind: "user"}
		fp = Fingerprint(c.ID, cmp.Or(sub.ID, sub.UserPrincipalName), tenant)
		props.Add("subjectId", sub.ID)
		props.Add("userPrincipalName", sub.UserPrincipalName)
		props.Add("displayName", sub.DisplayName)
	} else {
		logical = tenantLocation(tenant)
		// A tenant control may report several findings (one per unknown
		// method, one per disagreeing feature): the message with its
		// figures masked tells them apart and stays the same across runs.
		fp = Fingerprint(c.ID, "", tenant+"\x00"+maskDigits(v.Message))
		props.Add("tenantId", tenant)
	}
	if v.Value != nil {
		props.Add("value", *v.Value)
	}
	if v.Threshold != nil {
		props.Add("threshold", *v.Threshold)
	}
	res.Message = sarif.NewTextMessage(msg)
	res.Locations = location(uri, s.o.line(v.Offset), logical)
	res.PartialFingerprints = map[string]string{"primaryLocationLineHash": fp}
	res.Properties = props
	if w := v.Waiver; w != nil {
		sup := sarif.NewSuppression()
		sup.Kind = ptr("external")
		sup.Status = ptr("accepted")
		sup.Justification = ptr(oneLine(waiverNote(w)))
		res.Suppressions = []*sarif.Suppression{sup}
	}
	return res
}

func (s *sarifWriter) Write(w io.Writer, r *result.Result) error {
	tenant := r.Snapshot.TenantID
	uri := artifactURI(cmp.Or(s.o.SnapshotURI, r.Snapshot.Path, "snapshot.json"))
	controls := sortedControls(r)
	limit := sarifCap(s.o, len(controls))

	driver := sarif.NewToolComponent()
	driver.Name = ptr("authgate")
	driver.Version, driver.SemanticVersion = toolVersions(r.Tool.Version)
	driver.InformationURI = ptr(cmp.Or(s.o.ToolInformationURI, DefaultInformationURI))
	run := sarifRun{Tool: sarif.NewTool(), Results: []*sarifOutResult{}}
	run.Tool.Driver = driver

	for idx, c := range controls {
		driver.Rules = append(driver.Rules, s.rule(c))
		vs := sortedViolations(c)
		n := min(len(vs), limit)
		for i := range n {
			run.Results = append(run.Results, s.result(c, idx, uri, tenant, &vs[i]))
		}
		if rest := len(vs) - n; rest > 0 {
			res := &sarifOutResult{RuleID: c.ID, RuleIndex: idx, Level: sarifLevel(c.Severity)}
			res.Message = sarif.NewTextMessage(s.o.moreMessage(rest, c.ID))
			res.Locations = location(uri, s.o.line(r.Snapshot.ManifestOffset), tenantLocation(tenant))
			res.PartialFingerprints = map[string]string{"primaryLocationLineHash": Fingerprint(c.ID+"\x00more", "", tenant)}
			props := sarif.NewPropertyBag()
			props.Add("notListed", rest)
			res.Properties = props
			run.Results = append(run.Results, res)
		}
	}

	inv := sarif.NewInvocation()
	inv.ExecutionSuccessful = ptr(s.o.ExitCode < 2)
	inv.ExitCode = ptr(s.o.ExitCode)
	run.Invocations = []*sarif.Invocation{inv}

	props := sarif.NewPropertyBag()
	props.Add("tenantId", tenant)
	props.Add("snapshotSha256", r.Snapshot.SHA256)
	props.Add("fetchedAt", r.Snapshot.FetchedAt)
	props.Add("verdict", string(r.Verdict))
	props.Add("failOn", r.FailOn)
	props.Add("maxPerControl", limit)
	if ex := exclusionLines(r); len(ex) > 0 {
		props.Add("exclusions", ex)
	}
	run.Properties = props

	rep := sarifLog{Schema: sarifSchemaURI, Version: "2.1.0", Runs: []sarifRun{run}}

	b := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return fmt.Errorf("write sarif: %w", err)
	}
	if err := b.Flush(); err != nil {
		return fmt.Errorf("write sarif: %w", err)
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// DefaultInformationURI is the SARIF driver's informationUri when
// Options.ToolInformationURI is empty: where a reader of an alert learns what
// authgate is.
const DefaultInformationURI = "https://github.com/authgate/authgate"

// semver matches a semantic version with an optional leading "v" (Go module
// versions, pseudo-versions included): the numeric core, then an optional
// pre-release and build metadata.
var semver = regexp.MustCompile(`^v?((0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*))(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)

// toolVersions returns the SARIF driver's version and semanticVersion for a
// build version. SARIF consumers compare "version" numerically, so only a
// release (v1.2.3) has one, its numeric core; semanticVersion holds the whole
// semantic version, pre-releases included. A build whose version is not a
// semantic version (a development build, "devel") is reported as the
// pre-release 0.0.0-<version>, the convention of Go's pseudo-versions, so it
// never sorts above a release.
func toolVersions(v string) (version, semantic *string) {
	if m := semver.FindStringSubmatch(v); m != nil {
		if m[5] != "" {
			return nil, ptr(strings.TrimPrefix(v, "v"))
		}
		return ptr(m[1]), ptr(strings.TrimPrefix(v, "v"))
	}
	pre := strings.Trim(strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' {
			return r
		}
		return '-'
	}, v), "-")
	return nil, ptr("0.0.0-" + cmp.Or(pre, "unknown"))
}

// maskDigits replaces every run of digits (and the separators inside a
// number) with "#", so "91.2% of 1,204 members" and "90.8% of 1,210 members"
// read the same.
func maskDigits(s string) string {
	var b strings.Builder
	inNum := false
	for i, r := range s {
		digit := r >= '0' && r <= '9'
		sep := (r == '.' || r == ',') && inNum && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9'
		switch {
		case digit || sep:
			if !inNum {
				b.WriteByte('#')
			}
			inNum = true
		default:
			inNum = false
			b.WriteRune(r)
		}
	}
	return b.String()
}
