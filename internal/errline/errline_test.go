package errline

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestOneLine(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                         "plain",
		"  padded \n":                   "padded",
		"line one\nline two\r\n\tthree": "line one line two three",
	} {
		if got := OneLine(in); got != want {
			t.Errorf("OneLine(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestClip: a long message keeps its start and its end, says how much was
// cut, stays valid UTF-8 and within bounds; a short one is untouched.
func TestClip(t *testing.T) {
	short := strings.Repeat("a", Max)
	if Clip(short) != short {
		t.Error("a message of Max bytes was clipped")
	}
	long := "START" + strings.Repeat("é", 10_000_000) + "END" // 2-byte runes put the cuts inside runes
	got := Clip(long)
	if !strings.HasPrefix(got, "START") || !strings.HasSuffix(got, "END") || !strings.Contains(got, " bytes cut) … ") {
		t.Errorf("clipped to %q", got)
	}
	if !utf8.ValidString(got) {
		t.Error("the clipped message is not valid UTF-8")
	}
	if len(got) > Max+100 {
		t.Errorf("clipped message is %d bytes", len(got))
	}
	if l := Line("a\n" + long); strings.Contains(l, "\n") || len(l) > Max+100 {
		t.Errorf("Line gave %d bytes with a newline: %v", len(l), strings.Contains(l, "\n"))
	}
}
