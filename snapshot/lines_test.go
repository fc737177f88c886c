package snapshot

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLines(t *testing.T) {
	content := "a\nbb\n\nccc\n" + strings.Repeat("x", 3<<20) + "\nlast"
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	last := int64(strings.LastIndex(content, "last"))
	tests := map[int64]int{0: 1, 1: 1, 2: 2, 5: 3, 6: 4, 9: 4, 10: 5, last - 1: 5, last: 6, -1: 1}
	var offsets []int64
	for off := range tests {
		offsets = append(offsets, off, off) // duplicates are fine
	}
	lineOf, err := Lines(p, offsets)
	if err != nil {
		t.Fatal(err)
	}
	for off, want := range tests {
		if got := lineOf(off); got != want {
			t.Errorf("line of offset %d = %d, want %d", off, got, want)
		}
	}
	if got := lineOf(int64(len(content)) + 10); got != 1 {
		t.Errorf("offset past the end maps to %d, want 1", got)
	}
}
