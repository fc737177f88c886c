package gate

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/authgate/authgate/internal/atomicfile"
)

// PathArg is a file named on the command line, with the flag that named it
// (for the errors).
type PathArg struct {
	Flag string // "-o", "--snapshot", "--output sarif", ...
	Path string
}

func (a PathArg) String() string {
	if strings.HasSuffix(a.Flag, "=") {
		return a.Flag + a.Path
	}
	return a.Flag + " " + a.Path
}

// file is a path resolved to what it names on disk.
type file struct {
	arg  PathArg
	real string      // absolute, symbolic links resolved
	fi   os.FileInfo // nil when the file does not exist
}

func (f file) same(g file) bool {
	return f.real == g.real || (f.fi != nil && g.fi != nil && os.SameFile(f.fi, g.fi))
}

// CheckPaths refuses, before any work is done, an output that would
// destroy something or that cannot be written: an existing file that is
// not a regular file (a device such as /dev/null, a named pipe, a socket,
// a directory), a symbolic link (authgate does not write through links: a
// link planted in a shared folder would aim a report at any file the runner
// may write), a missing directory, and any output that is, by path after
// resolving links or as a hard link, one of the inputs (a --policy folder
// counts with every file under it) or another output. Problems are
// InputErrors naming the flags.
func CheckPaths(outputs, inputs []PathArg) error {
	var ins []file
	for _, in := range inputs {
		if in.Path == "" {
			continue
		}
		ins = append(ins, resolveInput(in)...)
	}
	var outs []file
	for _, o := range outputs {
		if o.Path == "" {
			continue
		}
		f, err := resolveOutput(o)
		if err != nil {
			return err
		}
		for _, in := range ins {
			if f.same(in) {
				return Inputf("%s: is the %s file %s: refusing to overwrite an input", o, in.arg.Flag, in.arg.Path)
			}
		}
		for _, prev := range outs {
			if f.same(prev) {
				return Inputf("%s: is written twice (also %s)", o, prev.arg)
			}
		}
		outs = append(outs, f)
	}
	return nil
}

// WritablePath refuses an output path that CheckPaths would refuse on its
// own: not a regular file, a symbolic link, or a missing directory.
func WritablePath(path string) error {
	_, err := resolveOutput(PathArg{Path: path})
	if err != nil {
		var ie *InputError
		if errors.As(err, &ie) {
			return ie.Err
		}
	}
	return err
}

func resolveOutput(o PathArg) (file, error) {
	name := o.String()
	if o.Flag == "" {
		name = o.Path
	}
	abs, err := filepath.Abs(o.Path)
	if err != nil {
		return file{}, Inputf("%s: %v", name, err)
	}
	f := file{arg: o}
	fi, err := os.Lstat(abs)
	switch {
	case err == nil && fi.Mode()&os.ModeSymlink != 0:
		target, _ := os.Readlink(abs)
		return file{}, Inputf("%s: is a symbolic link (to %s): give the file itself; authgate never writes through a link", name, target)
	case err == nil && !fi.Mode().IsRegular():
		return file{}, Inputf("%s: is %s, not a regular file: refusing to replace it", name, atomicfile.Kind(fi.Mode()))
	case err == nil:
		f.fi = fi
	case !errors.Is(err, fs.ErrNotExist):
		return file{}, Inputf("%s: %v", name, err)
	}
	dir := filepath.Dir(abs)
	if di, err := os.Stat(dir); err != nil || !di.IsDir() {
		return file{}, Inputf("%s: directory %s does not exist", name, filepath.Dir(o.Path))
	}
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return file{}, Inputf("%s: %v", name, err)
	}
	f.real = filepath.Join(realDir, filepath.Base(abs))
	return f, nil
}

// resolveInput resolves an input, and every file under it when it is a
// folder. An input that does not exist is left to its reader, whose error
// says more.
func resolveInput(in PathArg) []file {
	real, err := filepath.EvalSymlinks(in.Path)
	if err != nil {
		return nil
	}
	if real, err = filepath.Abs(real); err != nil {
		return nil
	}
	fi, err := os.Stat(real)
	if err != nil {
		return nil
	}
	if !fi.IsDir() {
		return []file{{arg: in, real: real, fi: fi}}
	}
	var out []file
	_ = filepath.WalkDir(real, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		r, err := filepath.EvalSymlinks(p)
		if err != nil {
			return nil
		}
		fi, err := os.Stat(r)
		if err != nil || fi.IsDir() {
			return nil
		}
		out = append(out, file{arg: PathArg{Flag: in.Flag, Path: p}, real: r, fi: fi})
		return nil
	})
	return out
}
