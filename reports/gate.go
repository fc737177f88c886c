package reports

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/authgate/authgate/result"
)

// A failing control fails the gate only at or above --fail-on. The human
// formats label a failing control below it WARN (GitHub: a warning, not an
// error) and say on the verdict line why the gate passed, so that a CI view
// never shows red where the job is green without saying why. JUnit keeps a
// failure per failing control (a test report lists every failed check) and
// says in the message and in a suite property whether it gates.

// gate is the --fail-on threshold of a result.
type gate struct {
	on        bool // false for --fail-on none
	threshold result.Severity
	failOn    string
}

// gateOf returns r's gate. A result without a readable fail-on (one not
// decided by Result.Decide) is treated as gating on every failure, so that
// no output under-states a failure.
func gateOf(r *result.Result) gate {
	if r.FailOn == result.FailOnNone {
		return gate{failOn: r.FailOn}
	}
	s, err := result.ParseSeverity(r.FailOn)
	if err != nil {
		return gate{on: true, failOn: r.FailOn}
	}
	return gate{on: true, threshold: s, failOn: r.FailOn}
}

// gates reports whether c fails the gate.
func (g gate) gates(c *result.Control) bool {
	return c.Status == result.StatusFail && g.on && c.Severity >= g.threshold
}

// warns reports whether c fails but does not fail the gate.
func (g gate) warns(c *result.Control) bool {
	return c.Status == result.StatusFail && !g.gates(c)
}

// notGating says why a failing control does not fail the gate.
func (g gate) notGating() string {
	if !g.on {
		return "not gating: --fail-on none"
	}
	return "not gating: below --fail-on " + g.failOn
}

// statusLabel is the upper-case status the human formats show: WARN for a
// failing control that does not fail the gate.
func (g gate) statusLabel(c *result.Control) string {
	if g.warns(c) {
		return "WARN"
	}
	return statusWord(c.Status)
}

// verdictReason says why the gate decided as it did, or "" when no control
// failed: "2 controls fail at or above --fail-on high", "3 controls fail
// below --fail-on high", "3 controls fail, --fail-on none gates on nothing".
func verdictReason(r *result.Result) string {
	g := gateOf(r)
	var gating, warning int
	for i := range r.Controls {
		switch c := &r.Controls[i]; {
		case g.gates(c):
			gating++
		case g.warns(c):
			warning++
		}
	}
	fail := func(n int) string { return fmt.Sprintf("%d %s", n, Plural(n, "control fails", "controls fail")) }
	failOn := Sanitize(g.failOn)
	switch {
	case gating > 0 && warning > 0:
		return fmt.Sprintf("%s at or above --fail-on %s, %d more below it", fail(gating), failOn, warning)
	case gating > 0:
		return fmt.Sprintf("%s at or above --fail-on %s", fail(gating), failOn)
	case warning > 0 && !g.on:
		return fmt.Sprintf("%s, --fail-on none gates on nothing", fail(warning))
	case warning > 0:
		return fmt.Sprintf("%s below --fail-on %s", fail(warning), failOn)
	}
	return ""
}

// verdictLine is the verdict and its reason: "PASS (3 controls fail below
// --fail-on high)".
func verdictLine(r *result.Result) string {
	if why := verdictReason(r); why != "" {
		return verdictWord(r.Verdict) + " (" + why + ")"
	}
	return verdictWord(r.Verdict)
}

// Figures for people: the human formats round a violation's value and
// threshold, the machine formats keep them exact.
type unit int

const (
	unitPlain unit = iota
	unitShare      // a fraction of 1, shown as a percentage
	unitHours
)

// figureUnit guesses what a violation's figures measure from the parameter
// that set its threshold: a name with "hours" is hours; otherwise figures
// that both lie in [0, 1] are shares (the built-in minimums and maximums).
func figureUnit(c *result.Control, v *result.Violation) unit {
	if v.Threshold != nil {
		for _, p := range c.Params {
			if f, ok := paramFloat(p.Value); ok && f == *v.Threshold && strings.Contains(p.Name, "hours") {
				return unitHours
			}
		}
	}
	in01 := func(f *float64) bool { return f == nil || (*f >= 0 && *f <= 1) }
	fraction := func(f *float64) bool { return f != nil && *f > 0 && *f < 1 }
	if in01(v.Value) && in01(v.Threshold) && (fraction(v.Value) || fraction(v.Threshold)) {
		return unitShare
	}
	return unitPlain
}

// paramFloat returns a numeric parameter value as a float64.
func paramFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	case interface{ Float64() (float64, error) }:
		f, err := v.Float64()
		return f, err == nil
	}
	return 0, false
}

// humanNumber formats f for a person: a share as a percentage with one
// decimal (91.2%), hours with one decimal (400.6 h), anything else rounded
// to one decimal without trailing zeros (3, 2.5).
func humanNumber(f float64, u unit) string {
	switch u {
	case unitShare:
		return strconv.FormatFloat(f*100, 'f', 1, 64) + "%"
	case unitHours:
		return strconv.FormatFloat(f, 'f', 1, 64) + " h"
	}
	return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64)
}
