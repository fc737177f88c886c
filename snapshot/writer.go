package snapshot

import (
	"bufio"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/go-json-experiment/json"
	jsonv1 "github.com/go-json-experiment/json/v1"
)

// Writer streams a snapshot document to an io.Writer, one user at a time, so
// that memory does not grow with the tenant. The document it writes is
//
//	{"schemaVersion":1,
//	"userRegistrationDetails":[
//	{...one compact user object per line...}
//	],
//	"usersRegisteredByFeature":[...],
//	"usersRegisteredByMethod":[...],
//	"usage":{...},   (only after SetUsage)
//	"manifest":{...}}
//
// The summaries and the manifest come after the users because the manifest
// holds their count and hash, and derived summaries are counted from them.
// Writer hashes the userRegistrationDetails array exactly as written, from
// '[' to ']', for Manifest.UsersSHA256.
type Writer struct {
	bw     *bufio.Writer
	h      hash.Hash
	offset int64
	users  int64
	closed bool
	roles  *Roles         // written before the manifest when set (SetRoles)
	groups []RoleGroup    // written before the manifest when set (SetExclusionGroups)
	usage  *Usage         // written before the manifest when set (SetUsage)
	policy *MethodsPolicy // written before the manifest when set (SetMethodsPolicy)
}

const (
	docHead   = "{\"schemaVersion\":1,\n\"userRegistrationDetails\":"
	usersOpen = "["
)

// NewWriter starts a snapshot document on w.
func NewWriter(w io.Writer) (*Writer, error) {
	sw := &Writer{bw: bufio.NewWriterSize(w, 256<<10), h: sha256.New()}
	if err := sw.write(docHead, false); err != nil {
		return nil, err
	}
	if err := sw.write(usersOpen, true); err != nil {
		return nil, err
	}
	return sw, nil
}

// ResumeWriter continues a document whose first offset bytes were written by
// a Writer that had written users users and whose hash state was state (from
// HashState). w must be positioned at offset.
func ResumeWriter(w io.Writer, offset, users int64, state []byte) (*Writer, error) {
	h := sha256.New()
	u, ok := h.(encoding.BinaryUnmarshaler)
	if !ok {
		return nil, errors.New("resume snapshot: sha256 state cannot be restored")
	}
	if err := u.UnmarshalBinary(state); err != nil {
		return nil, fmt.Errorf("resume snapshot: restore hash state: %w", err)
	}
	if offset < int64(len(docHead)+len(usersOpen)) || users < 0 {
		return nil, fmt.Errorf("resume snapshot: invalid checkpoint (offset %d, users %d)", offset, users)
	}
	return &Writer{bw: bufio.NewWriterSize(w, 256<<10), h: h, offset: offset, users: users}, nil
}

func (w *Writer) write(s string, hashed bool) error {
	n, err := w.bw.WriteString(s)
	w.offset += int64(n)
	if hashed {
		w.h.Write([]byte(s[:n]))
	}
	if err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	return nil
}

func (w *Writer) writeBytes(b []byte, hashed bool) error {
	n, err := w.bw.Write(b)
	w.offset += int64(n)
	if hashed {
		w.h.Write(b[:n])
	}
	if err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	return nil
}

// WriteUser appends one user row. obj must be one compact JSON object (no
// newline); the caller validates it. The bytes are written and hashed as given.
func (w *Writer) WriteUser(obj []byte) error {
	if w.closed {
		return errors.New("write snapshot: user after the users array was closed")
	}
	if len(obj) == 0 || obj[0] != '{' {
		return errors.New("write snapshot: user row is not a JSON object")
	}
	sep := ",\n"
	if w.users == 0 {
		sep = "\n"
	}
	if err := w.write(sep, true); err != nil {
		return err
	}
	if err := w.writeBytes(obj, true); err != nil {
		return err
	}
	w.users++
	return nil
}

// Users returns how many users were written.
func (w *Writer) Users() int64 { return w.users }

// Offset returns how many bytes of the document were written (flushed or not).
func (w *Writer) Offset() int64 { return w.offset }

// Flush writes any buffered bytes to the underlying writer, so that Offset
// bytes have reached it.
func (w *Writer) Flush() error {
	if err := w.bw.Flush(); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	return nil
}

// HashState returns the state of the users hash, for ResumeWriter.
func (w *Writer) HashState() ([]byte, error) {
	m, ok := w.h.(encoding.BinaryMarshaler)
	if !ok {
		return nil, errors.New("snapshot hash state cannot be saved")
	}
	return m.MarshalBinary()
}

// Close ends the users array, writes the summaries and the manifest, and
// flushes. It sets m.UsersSHA256 and m.UserCount from what was written and
// returns the manifest as written. It does not close the underlying writer.
func (w *Writer) Close(feature []FeatureSummary, method []MethodSummary, m Manifest) (Manifest, error) {
	if w.closed {
		return m, errors.New("write snapshot: closed twice")
	}
	w.closed = true
	if err := w.write("\n]", true); err != nil {
		return m, err
	}
	m.UsersSHA256 = hex.EncodeToString(w.h.Sum(nil))
	m.UserCount = w.users
	if err := writeArray(w, "usersRegisteredByFeature", feature); err != nil {
		return m, err
	}
	if err := writeArray(w, "usersRegisteredByMethod", method); err != nil {
		return m, err
	}
	if err := w.writeUsage(); err != nil {
		return m, err
	}
	if err := w.writeRoles(); err != nil {
		return m, err
	}
	if err := w.writeMethodsPolicy(); err != nil {
		return m, err
	}
	b, err := json.Marshal(m, encodeV1)
	if err != nil {
		return m, fmt.Errorf("write snapshot manifest: %w", err)
	}
	if err := w.write(",\n\"manifest\":", false); err != nil {
		return m, err
	}
	if err := w.writeBytes(b, false); err != nil {
		return m, err
	}
	if err := w.write("}\n", false); err != nil {
		return m, err
	}
	return m, w.Flush()
}

func writeArray[T any](w *Writer, name string, items []T) error {
	if items == nil {
		return nil
	}
	if err := w.write(",\n\""+name+"\":[", false); err != nil {
		return err
	}
	for i := range items {
		b, err := json.Marshal(&items[i], encodeV1)
		if err != nil {
			return fmt.Errorf("write snapshot %s: %w", name, err)
		}
		sep := ",\n"
		if i == 0 {
			sep = "\n"
		}
		if err := w.write(sep, false); err != nil {
			return err
		}
		if err := w.writeBytes(b, false); err != nil {
			return err
		}
	}
	return w.write("\n]", false)
}

// encodeV1 writes the summaries, usage and manifest as encoding/json always
// has (nil slices as null, omitempty of zero numbers, HTML-safe escapes), so
// snapshots stay byte-identical while the package reads and writes JSON with
// one library.
var encodeV1 = jsonv1.DefaultOptionsV1()
