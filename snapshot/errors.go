package snapshot

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// Error is a problem with a snapshot's content: it names the file, the JSON
// path of the offending value and the problem, for example
// "snapshot.json: userRegistrationDetails[1042].isAdmin: want boolean, got string".
type Error struct {
	File string
	// Path is the JSON path, e.g. "userRegistrationDetails[1042].isAdmin"; empty for the whole document.
	Path string
	// Line is the 1-based line of a syntax error, or 0.
	Line int
	Msg  string
}

func (e *Error) Error() string {
	loc := printable(e.File)
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", loc, e.Line)
	}
	if e.Path == "" {
		return fmt.Sprintf("%s: %s", loc, printable(e.Msg))
	}
	return fmt.Sprintf("%s: %s: %s", loc, printable(e.Path), printable(e.Msg))
}

// printable escapes what a hostile snapshot could put in a path or message
// (a member name with a newline or a terminal escape), so an error stays on
// one line and shows what is there.
func printable(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) {
		return s
	}
	q := strconv.QuoteToGraphic(s)
	return q[1 : len(q)-1]
}

// ErrIncomplete is wrapped by the error Scan returns for a snapshot whose
// manifest says paging did not complete: no verdict can rest on it.
var ErrIncomplete = errors.New("snapshot is incomplete")
