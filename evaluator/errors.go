package evaluator

import "fmt"

// PolicyError is a problem in a policy: a compile error, missing or invalid
// METADATA, a clashing id, a rule of the wrong shape, or a Rego runtime
// error. It names the file, line and, where known, the control.
type PolicyError struct {
	File    string
	Line    int
	Col     int
	Control string
	Msg     string
}

func (e *PolicyError) Error() string {
	loc := e.File
	if loc == "" {
		loc = "policy"
	}
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", loc, e.Line)
		if e.Col > 0 {
			loc = fmt.Sprintf("%s:%d", loc, e.Col)
		}
	}
	if e.Control != "" {
		return fmt.Sprintf("%s: %s: %s", loc, e.Control, e.Msg)
	}
	return fmt.Sprintf("%s: %s", loc, e.Msg)
}

// ParamError is a problem with a parameter value or name.
type ParamError struct {
	Name string
	Msg  string
}

func (e *ParamError) Error() string { return fmt.Sprintf("parameter %s: %s", e.Name, e.Msg) }
