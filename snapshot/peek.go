package snapshot

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/go-json-experiment/json/jsontext"
)

// PeekManifest reads only the manifest of the snapshot at path, skipping the
// other members without decoding them. Scan validates the whole document;
// this is for callers that need the manifest before streaming the users.
func PeekManifest(path string) (*Manifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open snapshot: %w", err)
	}
	defer f.Close()
	s := &scanner{path: path, dec: jsontext.NewDecoder(bufio.NewReaderSize(f, 1<<20)), info: &Info{Path: path}}
	if k := s.dec.PeekKind(); k != '{' {
		if _, err := s.dec.ReadToken(); err == io.EOF {
			return nil, s.fail("", "empty file: want a JSON object")
		}
		return nil, s.fail("", "want a JSON object")
	}
	if _, err := s.dec.ReadToken(); err != nil {
		return nil, s.syntax(err)
	}
	for s.dec.PeekKind() != '}' {
		tok, err := s.dec.ReadToken()
		if err != nil {
			return nil, s.syntax(err)
		}
		if tok.String() != "manifest" {
			if err := s.dec.SkipValue(); err != nil {
				return nil, s.syntax(err)
			}
			continue
		}
		if err := s.value("manifest", &s.info.Manifest); err != nil {
			return nil, err
		}
		if err := s.validateManifest(); err != nil {
			return nil, err
		}
		return &s.info.Manifest, nil
	}
	return nil, s.fail("manifest", "missing")
}
