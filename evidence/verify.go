package evidence

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/authgate/authgate/internal/ctxio"
)

// Default limits of a verifier. A bundle is untrusted: a few megabytes of
// gzip can expand to terabytes, so nothing is read, kept in memory or
// written beyond these.
const (
	// DefaultMaxManifest bounds manifest.json, which is read into memory.
	DefaultMaxManifest int64 = 8 << 20
	// maxSignature bounds manifest.sig: a base64 Ed25519 signature is 88 bytes.
	maxSignature int64 = 1 << 10
	// DefaultMaxTotal bounds the sum of a bundle's files: four times the
	// snapshot authgate writes for a 1,000,000-user tenant (about 600 MB,
	// 570 bytes a user from the tenant generator), which leaves room for a
	// baseline and the results.
	DefaultMaxTotal int64 = 3 << 30
	// DefaultMaxSmall bounds each file other than the snapshots and the
	// results: settings, parameters, waivers, the taxonomy and the
	// policies, which are read whole into memory.
	DefaultMaxSmall int64 = 8 << 20
	// DefaultMaxSmallTotal bounds those files together: they are parsed
	// and compiled, which costs many times their size in memory (the
	// built-in pack is about 130 KB).
	DefaultMaxSmallTotal int64 = 64 << 20
)

// Limits bound what a verifier reads from a bundle; zero fields take the
// defaults.
type Limits struct {
	MaxManifest int64
	MaxTotal    int64
	MaxSmall    int64
	// MaxSmallTotal bounds the sum of the files MaxSmall bounds.
	MaxSmallTotal int64
}

func (l Limits) orDefaults() Limits {
	if l.MaxManifest <= 0 {
		l.MaxManifest = DefaultMaxManifest
	}
	if l.MaxTotal <= 0 {
		l.MaxTotal = DefaultMaxTotal
	}
	if l.MaxSmall <= 0 {
		l.MaxSmall = DefaultMaxSmall
	}
	if l.MaxSmallTotal <= 0 {
		l.MaxSmallTotal = DefaultMaxSmallTotal
	}
	return l
}

// LimitError is a bundle larger than a verifier's limit.
type LimitError struct {
	// Entry is the file concerned; "" for the bundle as a whole.
	Entry string
	// Size is the size found (or at least found), Limit the limit.
	Size, Limit int64
	// Total is set when the limit is Limits.MaxTotal, Small when it is
	// Limits.MaxSmallTotal.
	Total, Small bool
}

func (e *LimitError) Error() string {
	if e.Small {
		return fmt.Sprintf("bundle: its policies, settings and data add up to at least %d bytes, more than the limit of %d", e.Size, e.Limit)
	}
	if e.Entry == "" {
		return fmt.Sprintf("bundle: its files add up to at least %d bytes, more than the limit of %d", e.Size, e.Limit)
	}
	return fmt.Sprintf("bundle entry %q: %d bytes, more than the limit of %d", e.Entry, e.Size, e.Limit)
}

// large reports whether rel may be as large as the bundle's total limit:
// the snapshots, streamed by the scanner, and the results, only hashed and
// compared. Every other file is read whole and is bounded by MaxSmall.
func large(rel string) bool {
	return rel == SnapshotPath || rel == BaselinePath || strings.HasPrefix(rel, path.Dir(ResultsStem)+"/")
}

// cleanEntry checks a path of the bundle: relative, clean, portable, inside
// the bundle. It returns a reason when it is not.
func cleanEntry(name string) (string, string) {
	clean := path.Clean(strings.TrimSuffix(name, "/"))
	switch {
	case name == "" || strings.HasPrefix(name, "/") || strings.Contains(name, `\`) || (len(name) > 1 && name[1] == ':'):
		return "", "absolute or non-portable path"
	case clean == ".." || strings.HasPrefix(clean, "../") || clean != strings.TrimSuffix(name, "/") || clean == ".":
		return "", "path is not clean or leaves the bundle"
	}
	return clean, ""
}

// checkEntry refuses the n-th entry of an archive unless it is a regular
// file or folder at a clean path seen for the first time.
func checkEntry(hdr *tar.Header, n int, seen map[string]bool) (string, error) {
	if n >= MaxEntries {
		return "", &UnsafeError{Entry: hdr.Name, Msg: fmt.Sprintf("more than %d entries", MaxEntries)}
	}
	clean, why := cleanEntry(hdr.Name)
	if why != "" {
		return "", &UnsafeError{Entry: hdr.Name, Msg: why}
	}
	switch hdr.Typeflag {
	case tar.TypeDir:
		return clean, nil
	case tar.TypeReg:
	default:
		return "", &UnsafeError{Entry: hdr.Name, Msg: fmt.Sprintf("is not a regular file (type %q): links and devices are refused", hdr.Typeflag)}
	}
	if seen[clean] {
		return "", &UnsafeError{Entry: hdr.Name, Msg: "appears twice"}
	}
	seen[clean] = true
	if hdr.Size < 0 {
		return "", &UnsafeError{Entry: hdr.Name, Msg: "has a negative size"}
	}
	return clean, nil
}

// openArchive returns a tar reader of the tar.gz r that checks ctx.
func openArchive(ctx context.Context, r io.Reader) (*tar.Reader, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("read bundle: not a gzip file: %w", err)
	}
	return tar.NewReader(ctxio.Reader(ctx, gz)), nil
}

// readErr is the error of reading the archive: ctx's when it is done.
func readErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	return fmt.Errorf("read bundle: %w", err)
}

// ReadManifest is a verifier's first pass over the tar.gz r: it returns
// manifest.json and manifest.sig (nil when absent) and writes nothing. It
// refuses, before reading their data, an unsafe entry (see UnsafeError), a
// manifest larger than l.MaxManifest and entries adding up to more than
// l.MaxTotal, so a small archive that expands enormously costs only the
// time to decompress at most l.MaxTotal bytes.
func ReadManifest(ctx context.Context, r io.Reader, l Limits) (manifest, sig []byte, err error) {
	l = l.orDefaults()
	tr, err := openArchive(ctx, r)
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	var total int64
	for n := 0; ; n++ {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, readErr(ctx, err)
		}
		clean, err := checkEntry(hdr, n, seen)
		if err != nil {
			return nil, nil, err
		}
		if hdr.Size > l.MaxTotal-total {
			return nil, nil, &LimitError{Size: total + min(hdr.Size, l.MaxTotal), Limit: l.MaxTotal, Total: true}
		}
		total += hdr.Size
		if hdr.Typeflag == tar.TypeDir {
			continue
		}
		limit := l.MaxManifest
		switch clean {
		case ManifestName:
		case SignatureName:
			limit = maxSignature
		default:
			continue
		}
		if hdr.Size > limit {
			return nil, nil, &LimitError{Entry: clean, Size: hdr.Size, Limit: limit}
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, nil, readErr(ctx, err)
		}
		if clean == ManifestName {
			manifest = b
		} else {
			sig = b
		}
	}
	if manifest == nil {
		return nil, nil, errors.New("read bundle: manifest.json is missing")
	}
	return manifest, sig, nil
}

// CheckLimits refuses a manifest whose files a verifier must not extract:
// a path that is not clean or leaves the bundle, a duplicate, a negative
// size, a file other than the snapshots and results larger than
// l.MaxSmall or such files adding up to more than l.MaxSmallTotal, or
// files adding up to more than l.MaxTotal.
func (m *Manifest) CheckLimits(l Limits) error {
	l = l.orDefaults()
	if len(m.Files) > MaxEntries {
		return fmt.Errorf("manifest.json lists %d files, more than %d", len(m.Files), MaxEntries)
	}
	seen := map[string]bool{}
	var total, small int64
	for _, f := range m.Files {
		clean, why := cleanEntry(f.Path)
		switch {
		case why != "":
			return fmt.Errorf("manifest.json lists %q: %s", f.Path, why)
		case clean == ManifestName || clean == SignatureName:
			return fmt.Errorf("manifest.json lists itself or its signature")
		case seen[clean]:
			return fmt.Errorf("manifest.json lists %q twice", f.Path)
		case f.Size < 0:
			return fmt.Errorf("manifest.json lists %q with a negative size", f.Path)
		case !large(clean) && f.Size > l.MaxSmall:
			return &LimitError{Entry: clean, Size: f.Size, Limit: l.MaxSmall}
		case f.Size > l.MaxTotal-total:
			return &LimitError{Size: total + min(f.Size, l.MaxTotal), Limit: l.MaxTotal, Total: true}
		case !large(clean) && f.Size > l.MaxSmallTotal-small:
			return &LimitError{Size: small + f.Size, Limit: l.MaxSmallTotal, Small: true}
		}
		seen[clean] = true
		total += f.Size
		if !large(clean) {
			small += f.Size
		}
	}
	return nil
}

// ExtractListed is a verifier's second pass over the tar.gz r, once the
// manifest m is trusted (its signature checked) and within CheckLimits: it
// writes into dir, which must exist and be empty, only the files m lists,
// each at most its listed size and hashed as it is written. It returns the
// problems found, one sentence each: a file not listed (never written), a
// file longer than listed (not written past its listed size), a hash or
// size that differs, a listed file missing. Unsafe entries are errors, as
// in ReadManifest; so is ctx ending.
func ExtractListed(ctx context.Context, r io.Reader, dir string, m *Manifest, l Limits) ([]string, error) {
	l = l.orDefaults()
	if err := m.CheckLimits(l); err != nil {
		return nil, err
	}
	listed := map[string]File{}
	for _, f := range m.Files {
		listed[f.Path] = f
	}
	tr, err := openArchive(ctx, r)
	if err != nil {
		return nil, err
	}
	var problems []string
	seen := map[string]bool{}
	for n := 0; ; n++ {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, readErr(ctx, err)
		}
		clean, err := checkEntry(hdr, n, seen)
		if err != nil {
			return nil, err
		}
		if hdr.Typeflag == tar.TypeDir || clean == ManifestName || clean == SignatureName {
			continue
		}
		f, ok := listed[clean]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("%s is in the bundle but not in the manifest", clean))
			continue
		case hdr.Size > f.Size:
			problems = append(problems, fmt.Sprintf("%s: %d bytes, longer than the %d bytes the manifest lists", clean, hdr.Size, f.Size))
			continue
		}
		sum, size, err := writeEntry(ctx, tr, filepath.Join(dir, filepath.FromSlash(clean)), f.Size)
		if err != nil {
			return nil, err
		}
		switch {
		case sum != f.SHA256:
			problems = append(problems, fmt.Sprintf("%s: SHA-256 %s, manifest says %s (%d bytes, manifest says %d)", clean, sum, f.SHA256, size, f.Size))
		case size != f.Size:
			problems = append(problems, fmt.Sprintf("%s: %d bytes, manifest says %d", clean, size, f.Size))
		}
	}
	for _, f := range m.Files {
		if !seen[f.Path] {
			problems = append(problems, fmt.Sprintf("%s is in the manifest but missing from the bundle", f.Path))
		}
	}
	return problems, nil
}

// writeEntry writes at most max bytes of r to a new file dst, readable by
// its owner only, and returns their hex SHA-256 and number.
func writeEntry(ctx context.Context, r io.Reader, dst string, max int64) (string, int64, error) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return "", 0, fmt.Errorf("extract bundle: %w", err)
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", 0, fmt.Errorf("extract bundle: %w", err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), io.LimitReader(r, max))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", 0, readErr(ctx, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
