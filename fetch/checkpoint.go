package fetch

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/authgate/authgate/snapshot"
)

const checkpointVersion = 1

// checkpoint is what a fetch needs to continue after its last completed
// page. It is saved next to the output after every page, mode 0600. It holds
// no secret and no token.
type checkpoint struct {
	Version       int    `json:"version"`
	GraphEndpoint string `json:"graphEndpoint"`
	APIVersion    string `json:"apiVersion"`
	TenantID      string `json:"tenantId,omitempty"`
	StartedAt     string `json:"startedAt"`
	// NextLink is the next page to fetch; "" when paging completed.
	NextLink string `json:"nextLink"`
	// Offset is the length of the partial document after the last page.
	Offset    int64  `json:"offset"`
	Users     int64  `json:"users"`
	Pages     int64  `json:"pages"`
	HashState []byte `json:"hashState"`
	// Requests, Retries and Throttled are totals over every run.
	Requests  int64 `json:"requests"`
	Retries   int64 `json:"retries"`
	Throttled int64 `json:"throttled"`
	// DuplicateRows counts rows Graph listed again with the same content.
	DuplicateRows int64                     `json:"duplicateRows,omitempty"`
	Tally         snapshot.Tally            `json:"tally"`
	LastMin       string                    `json:"lastUpdatedMin,omitempty"`
	LastMax       string                    `json:"lastUpdatedMax,omitempty"`
	Feature       []snapshot.FeatureSummary `json:"usersRegisteredByFeature,omitempty"`
	Method        []snapshot.MethodSummary  `json:"usersRegisteredByMethod,omitempty"`
	Sources       []snapshot.SummarySource  `json:"summaries"`
	Total         int64                     `json:"expectedUsers,omitempty"`

	lastMin, lastMax time.Time
}

// save flushes the document and records the checkpoint. The checkpoint is
// renamed into place but not synced: a resume checks it against the partial
// file and starts over when they disagree.
func (ft *fetcher) save() error {
	if err := ft.w.Flush(); err != nil {
		return err
	}
	cp := &ft.cp
	cp.Offset = ft.w.Offset()
	st, err := ft.w.HashState()
	if err != nil {
		return err
	}
	cp.HashState = st
	c := *cp
	c.Requests += ft.count.requests.Load()
	c.Retries += ft.count.retries()
	c.Throttled += ft.count.throttled.Load()
	b, err := json.Marshal(&c)
	if err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	tmp := ft.checkpointPath() + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	if err := os.Rename(tmp, ft.checkpointPath()); err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	return nil
}

// resume loads the checkpoint and reopens the partial document at its last
// completed page. It returns false, with no error, when there is nothing to
// resume or the checkpoint does not fit this fetch; the fetch then starts
// over.
func (ft *fetcher) resume() (bool, error) {
	b, err := os.ReadFile(ft.checkpointPath())
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read checkpoint: %w", err)
	}
	var cp checkpoint
	if json.Unmarshal(b, &cp) != nil || cp.Version != checkpointVersion ||
		cp.GraphEndpoint != ft.o.Cloud.GraphURL || cp.APIVersion != string(ft.o.APIVersion) ||
		(ft.o.TenantID != "" && cp.TenantID != ft.o.TenantID) || cp.Offset <= 0 {
		return false, nil
	}
	if cp.LastMin != "" {
		if cp.lastMin, err = time.Parse(time.RFC3339Nano, cp.LastMin); err != nil {
			return false, nil
		}
		if cp.lastMax, err = time.Parse(time.RFC3339Nano, cp.LastMax); err != nil {
			return false, nil
		}
	}
	f, err := os.OpenFile(ft.partialPath(), os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("resume snapshot: %w", err)
	}
	st, err := f.Stat()
	if err != nil || st.Size() < cp.Offset {
		f.Close()
		return false, nil
	}
	if err := f.Truncate(cp.Offset); err != nil {
		f.Close()
		return false, fmt.Errorf("resume snapshot: %w", err)
	}
	if _, err := f.Seek(cp.Offset, io.SeekStart); err != nil {
		f.Close()
		return false, fmt.Errorf("resume snapshot: %w", err)
	}
	w, err := snapshot.ResumeWriter(f, cp.Offset, cp.Users, cp.HashState)
	if err != nil {
		f.Close()
		return false, nil
	}
	// The users already written must be known to spot a repeat on the
	// pages still to come.
	ft.rows.reset()
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return false, fmt.Errorf("resume snapshot: %w", err)
	}
	if err := ft.rows.reload(f, cp.Offset); err != nil {
		f.Close()
		return false, fmt.Errorf("resume snapshot: %w", err)
	}
	if _, err := f.Seek(cp.Offset, io.SeekStart); err != nil {
		f.Close()
		return false, fmt.Errorf("resume snapshot: %w", err)
	}
	ft.f, ft.w, ft.cp, ft.total = f, w, cp, cp.Total
	return true, nil
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
