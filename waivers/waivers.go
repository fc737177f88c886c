package waivers

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/authgate/authgate/result"
	"gopkg.in/yaml.v3"
)

// DefaultMaxDays is the longest a waiver may run, in days after the
// evaluation date, unless configured otherwise (max_waiver_days).
const DefaultMaxDays = 365

// DateLayout is the layout of the expires field.
const DateLayout = "2006-01-02"

// Entry is one declared waiver.
type Entry struct {
	result.Waiver
	// File is the file that declared the entry and Index its position in
	// the waivers list (0-based).
	File  string
	Index int
}

// Label names the entry in messages: `waivers.yaml: waivers[3] (AM-ADM-01 alice@contoso.com)`.
func (e *Entry) Label() string {
	who := strings.TrimSpace(e.Control + " " + e.Subject)
	if who == "" {
		return e.Source()
	}
	return fmt.Sprintf("%s (%s)", e.Source(), who)
}

// Source names the entry's position: `waivers.yaml: waivers[3]`.
func (e *Entry) Source() string {
	return fmt.Sprintf("%s: waivers[%d]", e.File, e.Index)
}

// Error is an invalid waiver or waivers file.
type Error struct {
	// Entry is the offending entry, or nil for a problem with the file.
	Entry *Entry
	File  string
	Msg   string
}

func (e *Error) Error() string {
	if e.Entry != nil {
		return e.Entry.Label() + ": " + e.Msg
	}
	return e.File + ": " + e.Msg
}

type yamlEntry struct {
	Control string `yaml:"control"`
	Subject string `yaml:"subject"`
	Reason  string `yaml:"reason"`
	Owner   string `yaml:"owner"`
	Expires string `yaml:"expires"`
	Ticket  string `yaml:"ticket"`
}

// Load reads a waivers file: a YAML document with a waivers list.
func Load(path string) ([]Entry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read waivers: %w", err)
	}
	var doc struct {
		Waivers yaml.Node `yaml:"waivers"`
	}
	name := filepath.Base(path)
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, &Error{File: name, Msg: YAMLMessage(err)}
	}
	return FromNode(name, &doc.Waivers)
}

// FromNode reads a waivers list from a YAML node (the waivers list of a
// waivers file, or the inline list of authgate.yaml); file names the source
// in messages. An empty node gives no entries.
func FromNode(file string, n *yaml.Node) ([]Entry, error) {
	if n == nil || n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, &Error{File: file, Msg: fmt.Sprintf("line %d: waivers: want a list of entries", n.Line)}
	}
	out := make([]Entry, 0, len(n.Content))
	for i, item := range n.Content {
		e := Entry{File: file, Index: i}
		if item.Kind != yaml.MappingNode {
			return nil, &Error{Entry: &e, Msg: "want a mapping with control, reason, owner, expires"}
		}
		var ye yamlEntry
		if err := decodeStrict(item, &ye); err != nil {
			return nil, &Error{Entry: &e, Msg: err.Error()}
		}
		e.Waiver = result.Waiver{
			Control: strings.TrimSpace(ye.Control), Subject: strings.TrimSpace(ye.Subject),
			Reason: strings.TrimSpace(ye.Reason), Owner: strings.TrimSpace(ye.Owner),
			Expires: strings.TrimSpace(ye.Expires), Ticket: strings.TrimSpace(ye.Ticket),
		}
		out = append(out, e)
	}
	return out, nil
}

var knownKeys = []string{"control", "subject", "reason", "owner", "expires", "ticket"}

// decodeStrict decodes a mapping node, refusing unknown keys and non-scalar values.
func decodeStrict(n *yaml.Node, dst *yamlEntry) error {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		known := false
		for _, name := range knownKeys {
			known = known || k.Value == name
		}
		if !known {
			return fmt.Errorf("line %d: unknown field %q (valid: %s)", k.Line, k.Value, strings.Join(knownKeys, ", "))
		}
		if v.Kind != yaml.ScalarNode {
			return fmt.Errorf("line %d: %s: want a string", v.Line, k.Value)
		}
	}
	if err := n.Decode(dst); err != nil {
		return errors.New(YAMLMessage(err))
	}
	return nil
}

// YAMLMessage keeps the first line of a yaml.v3 error, without its prefix.
func YAMLMessage(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
		if len(te.Errors) > 1 {
			msg += fmt.Sprintf(" (and %d more)", len(te.Errors)-1)
		}
	}
	return msg
}

// day returns t's calendar date in UTC, at midnight.
func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Validate checks every entry against the loaded controls: control must be
// a known id; reason, owner and expires are required; expires is a
// YYYY-MM-DD date no more than maxDays after the evaluation date now; a
// subject is refused on a tenant-level control (its findings have none);
// two entries may not waive the same control and subject. Expired entries
// are valid: Apply reports them. The first problem is returned as *Error.
func Validate(entries []Entry, controls []result.Control, now time.Time, maxDays int) error {
	byID := make(map[string]*result.Control, len(controls))
	for i := range controls {
		byID[controls[i].ID] = &controls[i]
	}
	seen := map[string]int{}
	today := day(now)
	for i := range entries {
		e := &entries[i]
		bad := func(format string, a ...any) error { return &Error{Entry: e, Msg: fmt.Sprintf(format, a...)} }
		switch {
		case e.Control == "":
			return bad("control is required")
		case e.Reason == "":
			return bad("reason is required")
		case e.Owner == "":
			return bad("owner is required")
		case e.Expires == "":
			return bad("expires is required (YYYY-MM-DD)")
		}
		c, ok := byID[e.Control]
		if !ok {
			return bad("unknown control %s (see authgate policy list)", e.Control)
		}
		if e.Subject != "" && c.Scope != result.ScopeUser {
			return bad("subject given, but %s is a %s-level control whose findings have no subject: leave subject out", c.ID, c.Scope)
		}
		exp, err := time.Parse(DateLayout, e.Expires)
		if err != nil {
			return bad("expires %q is not a date (YYYY-MM-DD)", e.Expires)
		}
		if exp.After(today.AddDate(0, 0, maxDays)) { // AddDate: a huge maxDays must not overflow a Duration
			return bad("expires %s is more than %d days after %s", e.Expires, maxDays, today.Format(DateLayout))
		}
		key := e.Control + "\x00" + strings.ToLower(e.Subject)
		if j, dup := seen[key]; dup {
			return bad("waives the same control and subject as waivers[%d]", entries[j].Index)
		}
		seen[key] = i
	}
	return nil
}

// Expired reports whether the entry's end date is before now's date (a
// waiver applies through its expires date). Entries must be validated.
func (e *Entry) Expired(now time.Time) bool {
	exp, err := time.Parse(DateLayout, e.Expires)
	return err == nil && exp.Before(day(now))
}

func (e *Entry) matches(v *result.Violation) bool {
	if e.Subject == "" {
		return true
	}
	if v.Subject == nil {
		return false
	}
	return strings.EqualFold(e.Subject, v.Subject.ID) || strings.EqualFold(e.Subject, v.Subject.UserPrincipalName)
}

// Apply marks the violations the entries cover (Violation.Waiver), turns a
// failed control whose violations are all waived to pass, and records every
// entry's state in res.Waivers. A violation takes the waiver naming its
// subject over one covering the whole control. Entries that expired before
// now's date do not apply. Call it before Result.Decide; entries must have
// passed Validate.
func Apply(res *result.Result, entries []Entry, now time.Time) {
	matched := make([]int, len(entries))
	expired := make([]bool, len(entries))
	byControl := map[string][]int{}
	for i := range entries {
		expired[i] = entries[i].Expired(now)
		byControl[entries[i].Control] = append(byControl[entries[i].Control], i)
	}
	for ci := range res.Controls {
		c := &res.Controls[ci]
		idx := byControl[c.ID]
		if len(idx) == 0 {
			continue
		}
		for vi := range c.Violations {
			v := &c.Violations[vi]
			best := -1 // active waiver: subject-specific first
			for _, i := range idx {
				e := &entries[i]
				if !e.matches(v) {
					continue
				}
				if expired[i] {
					matched[i]++ // would have covered it
					continue
				}
				if best < 0 || (entries[best].Subject == "" && e.Subject != "") {
					best = i
				}
			}
			if best >= 0 {
				w := entries[best].Waiver
				v.Waiver = &w
				matched[best]++
			}
		}
		if c.Status == result.StatusFail && allWaived(c.Violations) {
			c.Status = result.StatusPass
		}
	}
	res.Waivers = make([]result.WaiverStatus, len(entries))
	for i := range entries {
		st := result.WaiverStatus{Waiver: entries[i].Waiver, Source: entries[i].Source(), Matched: matched[i]}
		switch {
		case expired[i]:
			st.State = result.WaiverExpired
		case matched[i] > 0:
			st.State = result.WaiverApplied
		default:
			st.State = result.WaiverOrphaned
		}
		res.Waivers[i] = st
	}
}

func allWaived(vs []result.Violation) bool {
	for i := range vs {
		if vs[i].Waiver == nil {
			return false
		}
	}
	return len(vs) > 0
}
