package snapshot

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
)

// Lines maps byte offsets in the file at path to 1-based line numbers, in
// one pass over the file that counts each byte once, however many offsets
// there are. The returned function answers for the offsets
// given (others get line 1); offsets < 0 also map to line 1.
func Lines(path string, offsets []int64) (func(int64) int, error) {
	want := slices.Clone(offsets)
	slices.Sort(want)
	want = slices.Compact(want)
	lines := make(map[int64]int, len(want))
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("index lines of %s: %w", path, err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	buf := make([]byte, 1<<20)
	var pos int64 // offset of buf[0]
	line := 1
	k := 0
	for k < len(want) && want[k] < 0 {
		k++
	}
	for k < len(want) {
		n, err := io.ReadFull(r, buf)
		chunk := buf[:n]
		done := 0 // bytes of chunk already counted into line
		for k < len(want) && want[k] < pos+int64(n) {
			rel := int(want[k] - pos)
			line += bytes.Count(chunk[done:rel], []byte{'\n'})
			done = rel
			lines[want[k]] = line
			k++
		}
		line += bytes.Count(chunk[done:], []byte{'\n'})
		pos += int64(n)
		if err != nil { // io.EOF or io.ErrUnexpectedEOF: offsets past the end stay unmapped
			break
		}
	}
	return func(off int64) int {
		if l, ok := lines[off]; ok {
			return l
		}
		return 1
	}, nil
}
