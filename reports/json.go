package reports

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/authgate/authgate/result"
)

// JSONSchemaVersion is the version of the json output contract.
const JSONSchemaVersion = 1

// jsonWriter writes the json contract: every control and every violation,
// indented by two spaces, streamed element by element so that memory and
// time stay linear in the number of violations.
type jsonWriter struct{ o Options }

var _ Writer = (*jsonWriter)(nil)

// jsonField is one member of a JSON object: its name, its value, and
// whether it is left out (the omitempty of a struct tag).
type jsonField struct {
	name  string
	value any
	omit  bool
}

// controlFields are a control's members before its violations, in contract
// order: the violations follow, streamed.
func controlFields(c *result.Control) []jsonField {
	return []jsonField{
		{"id", c.ID, false},
		{"title", c.Title, false},
		{"description", c.Description, c.Description == ""},
		{"severity", c.Severity, false},
		{"scope", c.Scope, c.Scope == ""},
		{"status", c.Status, false},
		{"skipReason", c.SkipReason, c.SkipReason == ""},
		{"remediation", c.Remediation, c.Remediation == ""},
		{"references", c.References, len(c.References) == 0},
		{"params", c.Params, len(c.Params) == 0},
		{"package", c.Package, false},
		{"family", c.Family, false},
		{"builtin", c.Builtin, false},
		{"source", c.Source, c.Source == ""},
	}
}

// jsonEnc writes indented JSON values without HTML escaping.
type jsonEnc struct {
	w       *bufio.Writer
	buf     bytes.Buffer
	scratch []byte
	err     error
}

func (e *jsonEnc) raw(s string) {
	if e.err == nil {
		_, e.err = e.w.WriteString(s)
	}
}

// value writes v indented so that it can start mid-line at nesting prefix.
func (e *jsonEnc) value(prefix string, v any) {
	if e.err != nil {
		return
	}
	e.buf.Reset()
	enc := json.NewEncoder(&e.buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	if err := enc.Encode(v); err != nil {
		e.err = err
		return
	}
	_, e.err = e.w.Write(bytes.TrimSuffix(e.buf.Bytes(), []byte("\n")))
}

// field writes `"name": value` at nesting prefix, preceded by a comma unless first.
func (e *jsonEnc) field(prefix string, first bool, name string, v any) {
	if !first {
		e.raw(",")
	}
	e.raw("\n" + prefix + "  ")
	e.value("", name)
	e.raw(": ")
	e.value(prefix+"  ", v)
}

func (j *jsonWriter) Write(w io.Writer, r *result.Result) error {
	e := &jsonEnc{w: bufio.NewWriterSize(w, 64<<10)}
	schema := r.SchemaVersion
	if schema == 0 {
		schema = JSONSchemaVersion
	}
	controls := r.Controls
	if controls == nil {
		controls = []result.Control{}
	}
	e.raw("{")
	e.field("", true, "schemaVersion", schema)
	e.field("", false, "tool", r.Tool)
	e.field("", false, "snapshot", r.Snapshot)
	e.field("", false, "verdict", r.Verdict)
	e.field("", false, "failOn", r.FailOn)
	e.field("", false, "summary", r.Summary)
	if len(r.Unknown) > 0 { // users per scope the coverage shares could not place
		e.field("", false, "unknown", r.Unknown)
	}
	e.raw(",\n  \"controls\": [")
	for i, c := range sortedControls(r) {
		if i > 0 {
			e.raw(",")
		}
		e.raw("\n    {")
		first := true
		for _, f := range controlFields(c) {
			if !f.omit {
				e.field("    ", first, f.name, f.value)
				first = false
			}
		}
		vs := sortedViolations(c)
		if len(vs) == 0 {
			e.raw(",\n      \"violations\": []\n    }")
			continue
		}
		e.raw(",\n      \"violations\": [")
		for k := range vs {
			if e.err != nil {
				break
			}
			if k > 0 {
				e.raw(",")
			}
			e.raw("\n        ")
			e.scratch = appendViolation(e.scratch[:0], &vs[k])
			_, e.err = e.w.Write(e.scratch)
		}
		e.raw("\n      ]\n    }")
	}
	if len(controls) > 0 {
		e.raw("\n  ")
	}
	e.raw("]")
	if len(r.Waivers) > 0 {
		e.field("", false, "waivers", r.Waivers)
	}
	if r.Usage != nil {
		e.field("", false, "usage", r.Usage)
	}
	if len(r.Exclusions) > 0 {
		e.field("", false, "exclusions", r.Exclusions)
	}
	e.raw("\n}\n")
	if e.err != nil {
		return fmt.Errorf("write json: %w", e.err)
	}
	if err := e.w.Flush(); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// appendViolation appends v as the indented JSON that encoding/json would
// write for it at the nesting of a violation (8 spaces), without reflection:
// the json output of a 1,000,000-user tenant is mostly violations.
// TestAppendViolation keeps it identical to encoding/json and fails when
// the model gains a field.
func appendViolation(b []byte, v *result.Violation) []byte {
	const in1, in2 = "\n          ", "\n            "
	b = append(b, '{')
	b = append(b, in1+`"subject": `...)
	if s := v.Subject; s == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '{')
		b = appendField(b, in2, "id", s.ID, false)
		b = appendField(b, ","+in2, "userPrincipalName", s.UserPrincipalName, false)
		b = appendField(b, ","+in2, "displayName", s.DisplayName, false)
		if len(s.Roles) > 0 {
			b = append(b, ","+in2+`"roles": [`...)
			for i, r := range s.Roles {
				if i > 0 {
					b = append(b, ',')
				}
				b = append(b, in2+"  "...)
				b = appendString(b, r)
			}
			b = append(b, in2+"]"...)
		}
		b = append(b, in1+"}"...)
	}
	b = appendField(b, ","+in1, "message", v.Message, false)
	if v.Value != nil {
		b = append(b, ","+in1+`"value": `...)
		b = appendFloat(b, *v.Value)
	}
	if v.Threshold != nil {
		b = append(b, ","+in1+`"threshold": `...)
		b = appendFloat(b, *v.Threshold)
	}
	if w := v.Waiver; w != nil {
		b = append(b, ","+in1+`"waiver": {`...)
		b = appendField(b, in2, "control", w.Control, false)
		b = appendField(b, ","+in2, "subject", w.Subject, true)
		b = appendField(b, ","+in2, "reason", w.Reason, false)
		b = appendField(b, ","+in2, "owner", w.Owner, false)
		b = appendField(b, ","+in2, "expires", w.Expires, false)
		b = appendField(b, ","+in2, "ticket", w.Ticket, true)
		b = append(b, in1+"}"...)
	}
	return append(b, "\n        }"...)
}

// appendField appends sep, the quoted name and the string value; with
// omitEmpty an empty value appends nothing.
func appendField(b []byte, sep, name, value string, omitEmpty bool) []byte {
	if omitEmpty && value == "" {
		return b
	}
	b = append(b, sep...)
	b = append(b, '"')
	b = append(b, name...)
	b = append(b, `": `...)
	return appendString(b, value)
}

// appendString appends s as a JSON string the way encoding/json does with
// HTML escaping off; strings that need escaping go through encoding/json.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			return appendSlow(b, s)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func appendSlow(b []byte, v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only NaN and infinities fail; the evaluator never produces them.
		return append(b, "null"...)
	}
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

func appendFloat(b []byte, f float64) []byte { return appendSlow(b, f) }
