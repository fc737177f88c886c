package evaluator

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// paramRange is the inclusive range a numeric parameter must stay within,
// declared in METADATA custom.param_schema; a nil bound is open.
type paramRange struct {
	Min, Max *float64
}

func (r paramRange) String() string {
	f := func(p *float64) string { return strconv.FormatFloat(*p, 'g', -1, 64) }
	switch {
	case r.Min != nil && r.Max != nil:
		return fmt.Sprintf("from %s to %s", f(r.Min), f(r.Max))
	case r.Min != nil:
		return "at least " + f(r.Min)
	default:
		return "at most " + f(r.Max)
	}
}

func (r paramRange) equal(o paramRange) bool {
	eq := func(a, b *float64) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }
	return eq(r.Min, o.Min) && eq(r.Max, o.Max)
}

// check says why v is outside r, or "" when it is within.
func (r paramRange) check(v any) string {
	n, ok := number(v)
	if !ok {
		return fmt.Sprintf("want a number %s, got %s", r, jsonType(v))
	}
	if (r.Min != nil && n < *r.Min) || (r.Max != nil && n > *r.Max) {
		return fmt.Sprintf("%s is out of range: want a number %s", strconv.FormatFloat(n, 'g', -1, 64), r)
	}
	return ""
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	case int:
		return float64(n), true
	}
	return 0, false
}

// parseParamSchema reads METADATA custom.param_schema: for each declared
// parameter, {minimum: N, maximum: N} (either may be left out). Unknown
// keys are refused, so that a misspelt bound cannot silently drop a check.
func parseParamSchema(raw any, params map[string]any) (map[string]paramRange, error) {
	if raw == nil {
		return nil, nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("must be a map of parameter name: {minimum: N, maximum: N}")
	}
	out := map[string]paramRange{}
	for _, name := range slices.Sorted(maps.Keys(m)) {
		def, declared := params[name]
		if !declared {
			return nil, fmt.Errorf("%s: not a parameter of this control (declare its default in custom.params)", name)
		}
		spec, ok := m[name].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: want {minimum: N, maximum: N}", name)
		}
		var r paramRange
		for _, k := range slices.Sorted(maps.Keys(spec)) {
			n, ok := number(normalize(spec[k]))
			if !ok {
				return nil, fmt.Errorf("%s.%s: want a number", name, k)
			}
			switch k {
			case "minimum":
				r.Min = &n
			case "maximum":
				r.Max = &n
			default:
				return nil, fmt.Errorf("%s: unknown key %q (valid: minimum, maximum)", name, k)
			}
		}
		if r.Min == nil && r.Max == nil {
			return nil, fmt.Errorf("%s: give minimum, maximum or both", name)
		}
		if r.Min != nil && r.Max != nil && *r.Min > *r.Max {
			return nil, fmt.Errorf("%s: minimum %g is above maximum %g", name, *r.Min, *r.Max)
		}
		if why := r.check(def); why != "" {
			return nil, fmt.Errorf("%s: the default %s: %s", name, jsonString(def), why)
		}
		out[name] = r
	}
	return out, nil
}

// paramRanges gathers the controls' declared ranges; two controls sharing
// a parameter must declare the same range, as they declare the same default.
func paramRanges(controls []*controlDef) (map[string]paramRange, error) {
	out := map[string]paramRange{}
	owner := map[string]string{}
	for _, c := range controls {
		for _, name := range slices.Sorted(maps.Keys(c.params)) {
			r, has := c.ranges[name]
			prev, seen := out[name]
			if _, other := owner[name]; other && (has != seen || (has && !r.equal(prev))) {
				return nil, &PolicyError{File: c.Source, Line: c.Line, Control: c.ID,
					Msg: fmt.Sprintf("parameter %s has %s here but %s in %s", name, rangeText(r, has), rangeText(prev, seen), owner[name])}
			}
			if has {
				out[name] = r
			}
			owner[name] = c.ID
		}
	}
	return out, nil
}

func rangeText(r paramRange, has bool) string {
	if !has {
		return "no range"
	}
	return "the range " + strings.TrimSpace(r.String())
}
