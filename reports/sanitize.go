package reports

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Sanitize makes a string from a snapshot, a policy or a configuration safe
// to show a person: in a terminal, a CI log, Markdown, a workflow annotation
// or an HTML page. Tabs and line breaks (CR, LF) fold with the whitespace
// around them into one space, so a value cannot start a line of its own (a
// forged "verdict: PASS"). Every other character that can move the cursor,
// recolour or clear a terminal, end a line in some reader, or reorder the
// text around it is replaced by a visible escape: C0 controls and DEL as
// \x1b, C1 controls (U+0085 included), the line and paragraph separators
// U+2028/U+2029 and the bidirectional controls (U+061C, U+200E, U+200F,
// U+202A-U+202E, U+2066-U+2069) as \u202e, and bytes that are not UTF-8 as
// \xff. Everything else, non-ASCII letters included, is kept.
//
// It is the one function every human-facing writer (text, markdown, github,
// html) passes such strings through; the machine formats (json, sarif,
// junit) keep exact values, escaped by their encoders.
func Sanitize(s string) string {
	if !needsSanitize(s) {
		return s
	}
	if strings.ContainsAny(s, "\t\r\n") {
		s = strings.Join(strings.Fields(strings.NewReplacer("\r", " ", "\n", " ", "\t", " ").Replace(s)), " ")
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// needsSanitize reports whether s holds anything Sanitize changes; most
// strings are plain and are returned as they are.
func needsSanitize(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < 0x80 {
			if c < 0x20 || c == 0x7f {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || unsafeRune(r) {
			return true
		}
		i += size
	}
	return false
}

// unsafeRune reports the non-ASCII characters Sanitize escapes: C1
// controls, line and paragraph separators, and bidirectional controls.
func unsafeRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f: // C1, U+0085 (next line) included
		return true
	case r == 0x2028 || r == 0x2029: // line and paragraph separators
		return true
	case r == 0x061c || r == 0x200e || r == 0x200f: // ALM, LRM, RLM
		return true
	case r >= 0x202a && r <= 0x202e: // LRE, RLE, PDF, LRO, RLO
		return true
	case r >= 0x2066 && r <= 0x2069: // LRI, RLI, FSI, PDI
		return true
	}
	return false
}
