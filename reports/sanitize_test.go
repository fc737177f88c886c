package reports

import "testing"

func TestSanitize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Alice", "Alice"},
		{"Zoë Ünïcødé ✓ 日本", "Zoë Ünïcødé ✓ 日本"},
		{"a\x1b[2Jb", `a\x1b[2Jb`},
		{"evil\u202etxt.exe", `evil\u202etxt.exe`},
		{"line\u2028two\u2029three", `line\u2028two\u2029three`},
		{"next\u0085line \u009b31m", `next\u0085line \u009b31m`},
		{"a\x00b\x07c\x7fd", `a\x00b\x07c\x7fd`},
		{"bidi \u061c\u200e\u200f\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069.", `bidi \u061c\u200e\u200f\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069.`},
		{"two\r\nlines\n\tverdict: PASS", "two lines verdict: PASS"},
		{"bad \xff\xfe utf8", `bad \xff\xfe utf8`},
		{"zero width joiner \u200d stays", "zero width joiner \u200d stays"},
	}
	for _, tt := range tests {
		if got := Sanitize(tt.in); got != tt.want {
			t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := Sanitize(Sanitize(tt.in)); got != Sanitize(tt.in) {
			t.Errorf("Sanitize is not idempotent on %q: %q", tt.in, got)
		}
	}
}
