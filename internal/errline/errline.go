// Package errline shapes an error message into the one line authgate
// prints on stderr: whole in a CI log, and bounded whatever a hostile input
// made the message quote.
package errline

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Max bounds the error line: a message quoting a 20 MB string from a
// hostile file must not flood the CI log.
const Max = 1000

// Line is the message as printed: on one line, and clipped to Max.
func Line(msg string) string { return Clip(OneLine(msg)) }

// OneLine keeps an error message on one line, so CI logs show it whole.
func OneLine(s string) string {
	s = strings.TrimSpace(s)
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	f := strings.Fields(s)
	return strings.Join(f, " ")
}

// Clip keeps the start and the end of a message longer than Max, cutting
// on UTF-8 boundaries.
func Clip(s string) string {
	if len(s) <= Max {
		return s
	}
	head, tail := Max*3/5, Max*2/5
	for head > 0 && !utf8.RuneStart(s[head]) {
		head--
	}
	start := len(s) - tail
	for start < len(s) && !utf8.RuneStart(s[start]) {
		start++
	}
	return fmt.Sprintf("%s … (%d bytes cut) … %s", s[:head], start-head, s[start:])
}
