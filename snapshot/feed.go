package snapshot

import (
	"errors"
	"hash"
	"io"
)

// feedReader is the scanner's only buffer between the file and the JSON
// decoder. It refuses to read past a limit, hashes the whole file as it is
// read, and keeps the bytes the decoder has not been seen to finish with, so
// that the scanner can hash a range of the file whose start and end it
// learns only while decoding (the userRegistrationDetails array, for the
// manifest's usersSha256) in the same pass.
type feedReader struct {
	r      io.Reader
	n      int64 // bytes the limit still allows
	tooBig bool
	file   hash.Hash

	buf  []byte // buf[0] is the byte at file offset base
	base int64
	next int // buf[next] is the next byte to hand to the decoder
	eof  error

	// hold keeps the bytes from offset keep on, while the scanner reads a
	// member name that may open the range; otherwise a byte handed to the
	// decoder is dropped at the next fill (unless it is in the range).
	hold bool
	keep int64

	rng     hash.Hash // the range hash, when hashing
	rngFrom int64     // next offset to add to rng; -1 when not hashing
}

const feedChunk = 1 << 20

func newFeedReader(r io.Reader, limit int64, file, rng hash.Hash) *feedReader {
	return &feedReader{r: r, n: limit, file: file, rng: rng, rngFrom: -1, buf: make([]byte, 0, 2*feedChunk)}
}

func (f *feedReader) Read(p []byte) (int, error) {
	if f.next == len(f.buf) {
		if err := f.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, f.buf[f.next:])
	f.next += n
	return n, nil
}

// fill drops the bytes no one needs any more and reads the next chunk.
func (f *feedReader) fill() error {
	if f.eof != nil {
		return f.eof
	}
	from := f.base + int64(f.next)
	if f.hold {
		from = f.keep
	}
	if f.rngFrom >= 0 && f.rngFrom < from {
		from = f.rngFrom
	}
	if drop := int(min(max(from-f.base, 0), int64(len(f.buf)))); drop > 0 {
		f.buf = f.buf[:copy(f.buf, f.buf[drop:])]
		f.next -= drop
		f.base += int64(drop)
	}
	if f.n <= 0 {
		f.tooBig = true
		f.eof = errors.New("snapshot too large")
		return f.eof
	}
	if cap(f.buf)-len(f.buf) < feedChunk {
		nb := make([]byte, len(f.buf), 2*cap(f.buf)+feedChunk)
		copy(nb, f.buf)
		f.buf = nb
	}
	want := int64(feedChunk)
	if want > f.n {
		want = f.n
	}
	start := len(f.buf)
	n, err := f.r.Read(f.buf[start : start+int(want)])
	f.buf = f.buf[:start+n]
	f.n -= int64(n)
	f.file.Write(f.buf[start:])
	if err != nil && n == 0 {
		f.eof = err
		return err
	}
	return nil
}

// holdFrom keeps the bytes from offset off on until unhold.
func (f *feedReader) holdFrom(off int64) {
	if f == nil {
		return
	}
	f.hold, f.keep = true, off
}

func (f *feedReader) unhold() {
	if f != nil {
		f.hold = false
	}
}

// startRange starts hashing at offset off, which must be held.
func (f *feedReader) startRange(off int64) {
	if f == nil {
		return
	}
	f.rngFrom = off
	f.hold = false
}

// hashTo adds the range's bytes up to offset off (exclusive), which the
// decoder has read, to the range hash.
func (f *feedReader) hashTo(off int64) {
	if f == nil {
		return
	}
	if f.rngFrom < 0 || off <= f.rngFrom {
		return
	}
	f.rng.Write(f.buf[f.rngFrom-f.base : off-f.base])
	f.rngFrom = off
}

// endRange hashes up to off and stops hashing.
func (f *feedReader) endRange(off int64) {
	if f == nil {
		return
	}
	f.hashTo(off)
	f.rngFrom = -1
}
