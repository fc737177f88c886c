package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func content(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return string(b)
}

// entries lists dir, so that a test sees leftover temporary files.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func TestSetCommitsAll(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	if err := os.WriteFile(a, []byte("old a"), 0o644); err != nil {
		t.Fatal(err)
	}
	var s Set
	if err := s.Stage(a, 0o600, content("new a")); err != nil {
		t.Fatal(err)
	}
	if err := s.Stage(b, 0o600, content("new b")); err != nil {
		t.Fatal(err)
	}
	if got := read(t, a); got != "old a" {
		t.Errorf("a before commit = %q", got)
	}
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	if read(t, a) != "new a" || read(t, b) != "new b" {
		t.Errorf("after commit: a=%q b=%q", read(t, a), read(t, b))
	}
	if fi, err := os.Stat(b); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("b: mode %v, %v; want 0600", fi.Mode(), err)
	}
	if got := entries(t, dir); strings.Join(got, ",") != "a,b" {
		t.Errorf("leftovers: %v", got)
	}
}

// TestStageFailureLeavesNothing: when the last file of a set cannot be
// written, the set is abandoned and no staged file remains.
func TestStageFailureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	var s Set
	if err := s.Stage(filepath.Join(dir, "a"), 0o600, content("a")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk full")
	if err := s.Stage(filepath.Join(dir, "b"), 0o600, func(io.Writer) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("Stage = %v", err)
	}
	if err := s.Commit(); err != nil {
		t.Fatalf("Commit of an abandoned set = %v", err)
	}
	if got := entries(t, dir); len(got) != 0 {
		t.Errorf("files left: %v", got)
	}
}

// TestRollbackWhenARenameFails: the third rename fails; the first two
// destinations get their old content back (a) or disappear (b).
func TestRollbackWhenARenameFails(t *testing.T) {
	dir := t.TempDir()
	a, b, c := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "c")
	if err := os.WriteFile(a, []byte("old a"), 0o644); err != nil {
		t.Fatal(err)
	}
	var s Set
	for _, p := range []string{a, b, c} {
		if err := s.Stage(p, 0o600, content("new "+filepath.Base(p))); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	rename = func(from, to string) error {
		if n++; n == 3 {
			return errors.New("injected")
		}
		return os.Rename(from, to)
	}
	defer func() { rename = os.Rename }()
	err := s.Commit()
	if err == nil || !strings.Contains(err.Error(), "injected") || !strings.Contains(err.Error(), "put back") {
		t.Fatalf("Commit = %v", err)
	}
	if got := read(t, a); got != "old a" {
		t.Errorf("a = %q, want its old content", got)
	}
	if got := entries(t, dir); strings.Join(got, ",") != "a" {
		t.Errorf("files left: %v, want only a", got)
	}
}

// TestCommitRefusesNonRegular: a destination that became a named pipe or
// a symbolic link after staging is not replaced.
func TestCommitRefusesNonRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("target"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fifo, link} {
		if err := Write(p, 0o600, content("x")); err == nil {
			t.Errorf("Write(%s) succeeded", filepath.Base(p))
		}
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the fifo was replaced: %v %v", fi.Mode(), err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 || read(t, target) != "target" {
		t.Errorf("the link or its target changed: %v %v", fi.Mode(), err)
	}
	if got := entries(t, dir); strings.Join(got, ",") != "fifo,link,target" {
		t.Errorf("files left: %v", got)
	}
}
