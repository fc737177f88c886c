package snapshot

import (
	"fmt"
	"time"
)

// FetchedTime parses FetchedAt, the one place that does: every command that
// needs the evaluation time of a snapshot asks the manifest. file names the
// snapshot in the error.
func (m *Manifest) FetchedTime(file string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, m.FetchedAt)
	if err != nil {
		return time.Time{}, &Error{File: file, Path: "manifest.fetchedAt", Msg: fmt.Sprintf("%q is not an RFC 3339 time", m.FetchedAt)}
	}
	return t, nil
}
