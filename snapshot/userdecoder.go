package snapshot

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/go-json-experiment/json/jsontext"
)

// UserDecoder validates and decodes single userRegistrationDetails rows with
// the same rules and error messages as Scan, for producers (the fetcher) that
// see the rows one at a time. It reuses its buffers; it is not safe for
// concurrent use.
type UserDecoder struct {
	s  scanner
	br bytes.Reader
}

// NewUserDecoder returns a decoder.
func NewUserDecoder() *UserDecoder {
	d := &UserDecoder{}
	d.s = scanner{ctx: context.Background(), intern: make(map[string]string), info: &Info{}}
	d.s.dec = jsontext.NewDecoder(&d.br, jsontext.AllowDuplicateNames(true))
	return d
}

// Decode decodes raw, one JSON object, into u. Errors are *Error naming
// source (for example "page 3") where Scan's name the file, and the path
// userRegistrationDetails[index]. u.Offset is the object's offset in raw.
func (d *UserDecoder) Decode(source string, raw []byte, index int, u *UserRegistrationDetails) error {
	d.s.path = source
	d.br.Reset(raw)
	d.s.dec.Reset(&d.br, jsontext.AllowDuplicateNames(true))
	*u = UserRegistrationDetails{}
	if err := d.s.user(index, u); err != nil {
		return err
	}
	if _, err := d.s.dec.ReadToken(); err != io.EOF {
		return d.s.fail(fmt.Sprintf("userRegistrationDetails[%d]", index), "unexpected data after the object")
	}
	return nil
}
