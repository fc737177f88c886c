package reports

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/authgate/authgate/result"
)

// Writer renders a Result in one format. Output is byte-for-byte deterministic.
type Writer interface {
	Write(w io.Writer, r *result.Result) error
}

// DefaultMaxPerControl is the number of violations per control that the
// sarif and junit writers list when Options.MaxPerControl is 0.
const DefaultMaxPerControl = 1000

// MaxSARIFResults is the most results a SARIF run holds: GitHub code
// scanning rejects a run with more than 25,000.
const MaxSARIFResults = 25000

// Options configures the writers. The zero value is usable.
type Options struct {
	// SnapshotURI is the snapshot path relative to the working directory, as
	// given on the command line; the SARIF writer percent-encodes it. Empty
	// means Result.Snapshot.Path.
	SnapshotURI string
	// LineOf maps Violation.Offset and SnapshotRef.ManifestOffset to a
	// 1-based line of the snapshot; nil, or a negative offset, gives line 1.
	LineOf func(offset int64) int
	// MaxPerControl caps the violations listed per control. 0 means the
	// format's default: DefaultMaxPerControl for sarif and junit, 10 for
	// text and markdown, 5 for github. A negative value is treated as 0.
	MaxPerControl int
	// FullList says where the full list of violations is (the path of the
	// JSON output), for the message that replaces the violations past the
	// cap. May be empty.
	FullList string
	// ExitCode is the exit code of the run, recorded in SARIF invocations[0].
	ExitCode int
	// ToolInformationURI is the SARIF driver's informationUri; optional.
	ToolInformationURI string
	// HTML holds what only the html writer reads (html.go).
	HTML HTMLOptions
}

var registry = map[string]func(Options) Writer{
	"github":   func(o Options) Writer { return &githubWriter{o: o} },
	"html":     func(o Options) Writer { return &htmlWriter{o: o} },
	"json":     func(o Options) Writer { return &jsonWriter{o: o} },
	"junit":    func(o Options) Writer { return &junitWriter{o: o} },
	"markdown": func(o Options) Writer { return &markdownWriter{o: o} },
	"sarif":    func(o Options) Writer { return &sarifWriter{o: o} },
	"text":     func(o Options) Writer { return &textWriter{o: o} },
}

// Formats returns the supported format names, sorted.
func Formats() []string { return slices.Sorted(maps.Keys(registry)) }

// New returns the Writer for format, or an error listing the valid formats.
func New(format string, o Options) (Writer, error) {
	f, ok := registry[format]
	if !ok {
		return nil, fmt.Errorf("unknown format %q (valid: %s)", format, strings.Join(Formats(), ", "))
	}
	return f(o), nil
}

// limit returns the per-control cap, or def when the option is unset.
func (o Options) limit(def int) int {
	if o.MaxPerControl > 0 {
		return o.MaxPerControl
	}
	return def
}

// line resolves a byte offset of the snapshot to a 1-based line.
func (o Options) line(off int64) int {
	if o.LineOf == nil || off < 0 {
		return 1
	}
	if n := o.LineOf(off); n >= 1 {
		return n
	}
	return 1
}

// moreMessage says that n violations of control id are not listed and where
// the full list is.
func (o Options) moreMessage(n int, id string) string {
	where := "the json output lists them all"
	if o.FullList != "" {
		where = "the full list is in " + o.FullList
	}
	return fmt.Sprintf("%d more %s of %s not listed; %s", n, Plural(n, "violation", "violations"), id, where)
}

// sortedControls returns pointers to r's controls sorted by id, leaving r untouched.
func sortedControls(r *result.Result) []*result.Control {
	cs := make([]*result.Control, len(r.Controls))
	for i := range r.Controls {
		cs[i] = &r.Controls[i]
	}
	slices.SortStableFunc(cs, func(a, b *result.Control) int { return cmp.Compare(a.ID, b.ID) })
	return cs
}

// compareViolations orders tenant-level findings first (by message), then
// per-user findings by subject id, then by message.
func compareViolations(a, b result.Violation) int {
	switch {
	case a.Subject == nil && b.Subject != nil:
		return -1
	case a.Subject != nil && b.Subject == nil:
		return 1
	case a.Subject != nil && b.Subject != nil:
		if c := cmp.Compare(a.Subject.ID, b.Subject.ID); c != 0 {
			return c
		}
	}
	return cmp.Compare(a.Message, b.Message)
}

// sortedViolations returns c's violations in output order. It returns the
// control's own slice when it is already sorted (the evaluator's output is),
// and a sorted copy otherwise.
func sortedViolations(c *result.Control) []result.Violation {
	if slices.IsSortedFunc(c.Violations, compareViolations) {
		return c.Violations
	}
	vs := slices.Clone(c.Violations)
	slices.SortStableFunc(vs, compareViolations)
	return vs
}

// tally counts a control's open (unwaived) and waived violations.
func tally(c *result.Control) (open, waived int) {
	for i := range c.Violations {
		if c.Violations[i].Waiver != nil {
			waived++
		} else {
			open++
		}
	}
	return open, waived
}

// family returns the output family of a control: Control.Family, else the
// family of a built-in id, else the package, else "other".
func family(c *result.Control) string {
	switch {
	case c.Family != "":
		return c.Family
	case result.FamilyOf(c.ID) != "":
		return result.FamilyOf(c.ID)
	case c.Package != "":
		return c.Package
	}
	return "other"
}

// subjectLabel names a violation's subject for humans: the UPN (or id) and
// the display name in parentheses; "tenant" for tenant-level findings.
func subjectLabel(s *result.Subject) string {
	if s == nil {
		return "tenant"
	}
	name := cmp.Or(s.UserPrincipalName, s.ID)
	if s.DisplayName != "" && s.DisplayName != name {
		return name + " (" + s.DisplayName + ")"
	}
	return name
}

// waiverNote describes a waiver in one line: reason (owner …, expires …, ticket …).
func waiverNote(w *result.Waiver) string {
	var parts []string
	if w.Owner != "" {
		parts = append(parts, "owner "+w.Owner)
	}
	if w.Expires != "" {
		parts = append(parts, "expires "+w.Expires)
	}
	if w.Ticket != "" {
		parts = append(parts, "ticket "+w.Ticket)
	}
	reason := cmp.Or(w.Reason, "waived")
	if len(parts) == 0 {
		return reason
	}
	return reason + " (" + strings.Join(parts, ", ") + ")"
}

// firstLine returns the first non-empty line of s, trimmed.
func firstLine(s string) string {
	for l := range strings.Lines(s) {
		if t := strings.TrimSpace(l); t != "" {
			return t
		}
	}
	return ""
}

// oneLine folds line breaks and tabs of a user-provided string into spaces.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n\t") {
		return s
	}
	return strings.Join(strings.Fields(strings.NewReplacer("\r", " ", "\n", " ", "\t", " ").Replace(s)), " ")
}

// firstURL returns the first reference URL of a control, or "".
func firstURL(refs []result.Reference) string {
	for _, r := range refs {
		if r.URL != "" {
			return r.URL
		}
	}
	return ""
}

// statusWord is the upper-case status shown by text and markdown.
func statusWord(s result.Status) string {
	switch s {
	case result.StatusPass:
		return "PASS"
	case result.StatusFail:
		return "FAIL"
	case result.StatusSkipped:
		return "SKIPPED"
	}
	return strings.ToUpper(cmp.Or(string(s), "unknown"))
}

// verdictWord is the upper-case verdict.
func verdictWord(v result.Verdict) string {
	return strings.ToUpper(cmp.Or(string(v), "unknown"))
}

// Plural returns one when n is 1, else many: the one plural of every
// message and report.
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Fingerprint returns the stable identity of a finding across runs, used as
// SARIF partialFingerprints.primaryLocationLineHash: the first 32 hex digits
// (128 bits) of the SHA-256 of the control id and the subject id joined by a
// NUL byte. Tenant-level findings (subjectID "") use control id, "tenant" and
// the tenant id (to which the SARIF writer appends the finding's message with
// its figures masked) instead. Line numbers play no part, so an alert keeps its
// identity when the user's object moves in the snapshot.
func Fingerprint(controlID, subjectID, tenantID string) string {
	key := controlID + "\x00" + subjectID
	if subjectID == "" {
		key = controlID + "\x00tenant\x00" + tenantID
	}
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16])
}

// staleWaivers returns the declared waivers that need attention (expired or
// matching nothing), sorted by source, with one line describing each.
func staleWaivers(r *result.Result) []string {
	var out []string
	for _, w := range r.Waivers {
		if w.State == result.WaiverApplied {
			continue
		}
		what := w.Control
		if w.Subject != "" {
			what += " " + w.Subject
		}
		var why string
		switch w.State {
		case result.WaiverExpired:
			why = fmt.Sprintf("expired on %s and no longer applies", w.Expires)
			if w.Matched > 0 {
				why += fmt.Sprintf(" (%d %s no longer waived)", w.Matched, Plural(w.Matched, "violation", "violations"))
			}
		case result.WaiverOrphaned:
			why = "matched no violation: remove it"
		default:
			why = string(w.State)
		}
		out = append(out, fmt.Sprintf("%s (%s, owner %s): %s", what, w.Source, cmp.Or(w.Owner, "none"), why))
	}
	slices.Sort(out)
	return out
}
