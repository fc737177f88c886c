// Package atomicfile writes files so that readers see either the old content
// or the whole new content, never a partial file, and writes sets of files
// so that either all of them are replaced or none is.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Write creates path with mode perm from what fill writes. The content goes
// to a temporary file in the same directory, which is synced and renamed over
// path only when fill succeeds; on any error the temporary file is removed
// and path is left as it was.
func Write(path string, perm os.FileMode, fill func(w io.Writer) error) error {
	var s Set
	if err := s.Stage(path, perm, fill); err != nil {
		return err
	}
	return s.Commit()
}

// Set is the files of one command: each is staged to a temporary file
// beside its destination, and Commit renames them into place only when all
// of them were written. The zero Set is ready to use.
type Set struct {
	files []*staged
}

type staged struct {
	path string // the destination
	tmp  string // the staged content, renamed over path by Commit
	perm os.FileMode
}

// rename is os.Rename; tests replace it to fail in the middle of a commit.
var rename = os.Rename

// Stage writes what fill writes to a temporary file beside path (synced,
// mode perm). On error the temporary file is removed, and so is every file
// staged before: the set is abandoned.
func (s *Set) Stage(path string, perm os.FileMode, fill func(w io.Writer) error) (err error) {
	defer func() {
		if err != nil {
			s.Discard()
		}
	}()
	f, err := s.create(path, perm)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	if err := fill(f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// Reserve stages an empty temporary file beside path and returns its name,
// for a writer that insists on a path of its own (it may replace the file
// by rename); Commit renames it over path with mode perm.
func (s *Set) Reserve(path string, perm os.FileMode) (string, error) {
	f, err := s.create(path, perm)
	if err != nil {
		s.Discard()
		return "", err
	}
	if err := f.Close(); err != nil {
		s.Discard()
		return "", fmt.Errorf("create %s: %w", path, err)
	}
	return f.Name(), nil
}

func (s *Set) create(path string, perm os.FileMode) (*os.File, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	s.files = append(s.files, &staged{path: path, tmp: f.Name(), perm: perm})
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	return f, nil
}

// Discard removes every staged file that Commit has not renamed.
func (s *Set) Discard() {
	for _, f := range s.files {
		os.Remove(f.tmp)
	}
	s.files = nil
}

// Commit renames every staged file over its destination. A destination
// that is no longer a regular file (or absent) is refused: a rename would
// replace a device, a directory or a symbolic link with a file. When a
// rename fails, the files already renamed are rolled back: a destination
// that existed gets its old content back (kept as a hard link while the set
// commits), one that did not is removed; the error says so.
func (s *Set) Commit() error {
	files := s.files
	defer s.Discard()
	for _, f := range files {
		if fi, err := os.Stat(f.tmp); err != nil || !fi.Mode().IsRegular() {
			return fmt.Errorf("write %s: the staged file is gone", f.path)
		}
		if err := os.Chmod(f.tmp, f.perm); err != nil {
			return fmt.Errorf("write %s: %w", f.path, err)
		}
	}
	// With one file, the rename is the whole commit: nothing to roll back.
	var backups []string
	if len(files) > 1 {
		defer func() {
			for _, b := range backups {
				if b != "" {
					os.Remove(b)
				}
			}
		}()
	}
	for i, f := range files {
		backup := ""
		fi, err := os.Lstat(f.path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return s.rollback(files[:i], backups, fmt.Errorf("write %s: %w", f.path, err))
		case !fi.Mode().IsRegular():
			return s.rollback(files[:i], backups, fmt.Errorf("write %s: is no longer a regular file (%s): refusing to replace it", f.path, kind(fi.Mode())))
		case len(files) > 1:
			if backup, err = link(f.path); err != nil {
				return s.rollback(files[:i], backups, fmt.Errorf("write %s: keep the old file until the set is written: %w", f.path, err))
			}
		}
		backups = append(backups, backup)
		if err := rename(f.tmp, f.path); err != nil {
			if backup != "" {
				os.Remove(backup)
			}
			backups = backups[:i]
			return s.rollback(files[:i], backups, fmt.Errorf("write %s: %w", f.path, err))
		}
	}
	return nil
}

// rollback undoes the renames of done, whose backups are the hard links to
// their old files ("" where there was none), and returns err, saying so.
func (s *Set) rollback(done []*staged, backups []string, err error) error {
	if len(done) == 0 {
		return err
	}
	var undone, lost []string
	for i := len(done) - 1; i >= 0; i-- {
		f := done[i]
		var rerr error
		if backups[i] != "" {
			rerr = os.Rename(backups[i], f.path)
		} else {
			rerr = os.Remove(f.path)
		}
		if rerr != nil {
			lost = append(lost, f.path)
		} else {
			undone = append(undone, f.path)
		}
		backups[i] = ""
	}
	msg := ""
	if len(undone) > 0 {
		msg = "; put back what was there before: " + strings.Join(undone, ", ")
	}
	if len(lost) > 0 {
		msg += "; could NOT roll back (it holds the new content): " + strings.Join(lost, ", ")
	}
	return fmt.Errorf("%w%s", err, msg)
}

// link makes a hard link to path under a fresh name beside it, or a copy
// where the file system has no hard links.
func link(path string) (string, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".old-*")
	if err != nil {
		return "", err
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	if err := os.Link(path, name); err == nil {
		return name, nil
	}
	// No hard links here (or the name was taken meanwhile): copy.
	f, err = os.CreateTemp(dir, "."+base+".old-*")
	if err != nil {
		return "", err
	}
	name = f.Name()
	src, err := os.Open(path)
	if err == nil {
		if fi, serr := src.Stat(); serr == nil {
			f.Chmod(fi.Mode().Perm())
		}
		_, err = io.Copy(f, src)
		src.Close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}

// kind names the type of a file that is not a regular file.
func kind(m os.FileMode) string {
	switch {
	case m&os.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsDir():
		return "a directory"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a block device"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return "not a regular file"
}

// Kind names what an existing non-regular file is ("a character device",
// "a directory", ...), for errors that refuse to write over it.
func Kind(m os.FileMode) string { return kind(m) }
