package evidence

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Names of the bundle's own files.
const (
	ManifestName  = "manifest.json"
	SignatureName = "manifest.sig"
)

// SchemaVersion is the version of manifest.json.
const SchemaVersion = 1

// Limits of Extract.
const (
	// DefaultMaxEntry is the largest file Extract accepts (a snapshot).
	DefaultMaxEntry int64 = 4 << 30
	// MaxEntries is the most entries a bundle may hold.
	MaxEntries = 100000
)

// mtime is the modification time of every entry, so archives of the same
// files are byte-identical.
var mtime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// File is one file of the bundle.
type File struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Tool names the program that made the bundle.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
}

// Manifest is manifest.json.
type Manifest struct {
	SchemaVersion int    `json:"schemaVersion"`
	Tool          Tool   `json:"tool"`
	OPAVersion    string `json:"opaVersion"`
	// PackVersion is the version of the built-in pack's method taxonomy.
	PackVersion string `json:"packVersion"`
	// EvaluatedAt is the evaluation time (time.now_ns, waiver expiry): Now
	// when given, else the snapshot's fetchedAt.
	EvaluatedAt string `json:"evaluatedAt"`
	// Now is --now as given, "" when it was not.
	Now      string `json:"now,omitempty"`
	TenantID string `json:"tenantId"`
	Verdict  string `json:"verdict"`
	FailOn   string `json:"failOn"`
	// Pseudonymized is set when ids, UPNs and display names are tokens.
	Pseudonymized bool `json:"pseudonymized,omitempty"`
	// Params are every parameter in force, by name.
	Params map[string]any `json:"params"`
	// Files lists every file of the bundle except manifest.json and
	// manifest.sig, sorted by path.
	Files []File `json:"files"`
}

// HashFile returns the hex SHA-256 and the size of a file.
func HashFile(p string) (string, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// List returns the regular files under dir as slash-separated relative
// paths, sorted, without manifest.json and manifest.sig. Anything else
// (a link, a device) is an error.
func List(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s is not a regular file", p)
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel != ManifestName && rel != SignatureName {
			out = append(out, rel)
		}
		return nil
	})
	slices.Sort(out)
	return out, err
}

// Hash lists the files under dir with their hashes.
func Hash(dir string) ([]File, error) {
	names, err := List(dir)
	if err != nil {
		return nil, fmt.Errorf("hash bundle files: %w", err)
	}
	files := make([]File, 0, len(names))
	for _, n := range names {
		sum, size, err := HashFile(filepath.Join(dir, filepath.FromSlash(n)))
		if err != nil {
			return nil, fmt.Errorf("hash bundle files: %w", err)
		}
		files = append(files, File{Path: n, SHA256: sum, Size: size})
	}
	return files, nil
}

// MarshalManifest encodes m as manifest.json is written: indented, with a
// final newline.
func MarshalManifest(m *Manifest) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	return b.Bytes(), nil
}

// Sign returns the content of manifest.sig for the manifest bytes: the
// base64 Ed25519 signature and a newline.
func Sign(key ed25519.PrivateKey, manifest []byte) []byte {
	return []byte(base64.StdEncoding.EncodeToString(ed25519.Sign(key, manifest)) + "\n")
}

// Create writes to w a deterministic tar.gz of every file under dir plus
// manifest.json (m with Files filled from dir) and, when key is set,
// manifest.sig. Entries are sorted by path and carry fixed times, owners and
// modes, so the same files always give the same bytes. It returns the
// manifest as written.
func Create(w io.Writer, dir string, m Manifest, key ed25519.PrivateKey) (*Manifest, error) {
	files, err := Hash(dir)
	if err != nil {
		return nil, err
	}
	m.SchemaVersion = SchemaVersion
	m.Files = files
	mb, err := MarshalManifest(&m)
	if err != nil {
		return nil, err
	}
	extra := map[string][]byte{ManifestName: mb}
	if key != nil {
		extra[SignatureName] = Sign(key, mb)
	}
	names := []string{}
	for _, f := range files {
		names = append(names, f.Path)
	}
	for n := range extra {
		names = append(names, n)
	}
	slices.Sort(names)

	gz, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(gz)
	for _, n := range names {
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: n, Mode: 0o644, ModTime: mtime, Format: tar.FormatPAX}
		if b, ok := extra[n]; ok {
			hdr.Size = int64(len(b))
			if err := tw.WriteHeader(hdr); err != nil {
				return nil, fmt.Errorf("write bundle: %w", err)
			}
			if _, err := tw.Write(b); err != nil {
				return nil, fmt.Errorf("write bundle: %w", err)
			}
			continue
		}
		f, err := os.Open(filepath.Join(dir, filepath.FromSlash(n)))
		if err != nil {
			return nil, fmt.Errorf("write bundle: %w", err)
		}
		st, err := f.Stat()
		if err == nil {
			hdr.Size = st.Size()
			err = tw.WriteHeader(hdr)
		}
		if err == nil {
			_, err = io.Copy(tw, f)
		}
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("write bundle: %s: %w", n, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("write bundle: %w", err)
	}
	if err := gz.Close(); err != nil {
		return nil, fmt.Errorf("write bundle: %w", err)
	}
	return &m, nil
}

// UnsafeError is an archive entry that Extract refuses: an absolute or
// escaping path, a link or device, a duplicate, an oversize entry.
type UnsafeError struct {
	Entry string
	Msg   string
}

func (e *UnsafeError) Error() string { return fmt.Sprintf("bundle entry %q: %s", e.Entry, e.Msg) }

// Extract unpacks the tar.gz r into dir, which must exist and be empty.
// Only regular files and folders are accepted, at clean relative paths;
// files larger than maxEntry (DefaultMaxEntry when <= 0) are refused.
func Extract(r io.Reader, dir string, maxEntry int64) error {
	if maxEntry <= 0 {
		maxEntry = DefaultMaxEntry
	}
	gz, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("read bundle: not a gzip file: %w", err)
	}
	tr := tar.NewReader(gz)
	seen := map[string]bool{}
	for n := 0; ; n++ {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read bundle: %w", err)
		}
		if n >= MaxEntries {
			return &UnsafeError{Entry: hdr.Name, Msg: fmt.Sprintf("more than %d entries", MaxEntries)}
		}
		name := hdr.Name
		clean := path.Clean(strings.TrimSuffix(name, "/"))
		switch {
		case name == "" || strings.HasPrefix(name, "/") || strings.Contains(name, `\`) || (len(name) > 1 && name[1] == ':'):
			return &UnsafeError{Entry: name, Msg: "absolute or non-portable path"}
		case clean == ".." || strings.HasPrefix(clean, "../") || clean != strings.TrimSuffix(name, "/") || clean == ".":
			return &UnsafeError{Entry: name, Msg: "path is not clean or leaves the bundle"}
		}
		dst := filepath.Join(dir, filepath.FromSlash(clean))
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(dst, 0o755); err != nil {
				return fmt.Errorf("extract bundle: %w", err)
			}
			continue
		case tar.TypeReg:
		default:
			return &UnsafeError{Entry: name, Msg: fmt.Sprintf("is not a regular file (type %q): links and devices are refused", hdr.Typeflag)}
		}
		if seen[clean] {
			return &UnsafeError{Entry: name, Msg: "appears twice"}
		}
		seen[clean] = true
		if hdr.Size > maxEntry || hdr.Size < 0 {
			return &UnsafeError{Entry: name, Msg: fmt.Sprintf("is %d bytes, more than the limit of %d", hdr.Size, maxEntry)}
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fmt.Errorf("extract bundle: %w", err)
		}
		f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("extract bundle: %w", err)
		}
		_, err = io.Copy(f, io.LimitReader(tr, maxEntry+1))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("extract bundle: %s: %w", name, err)
		}
	}
}

// Check compares the extracted bundle in dir with its manifest: every
// listed file present with its hash and size, no file that is not listed,
// and, when pub is set, a valid signature. It returns the manifest and the
// problems found, one sentence each; an error only when the manifest itself
// cannot be read.
func Check(dir string, pub ed25519.PublicKey) (*Manifest, []string, error) {
	mb, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		return nil, []string{"manifest.json is missing"}, nil
	}
	sig, sigErr := os.ReadFile(filepath.Join(dir, SignatureName))
	if sigErr != nil {
		sig = nil
	}
	m, problems := CheckManifest(mb, sig, pub)
	if m == nil {
		return nil, problems, nil
	}
	listed := map[string]File{}
	for _, f := range m.Files {
		listed[f.Path] = f
	}
	actual, err := List(dir)
	if err != nil {
		problems = append(problems, err.Error())
	}
	present := map[string]bool{}
	for _, n := range actual {
		present[n] = true
		f, ok := listed[n]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s is in the bundle but not in the manifest", n))
			continue
		}
		sum, size, err := HashFile(filepath.Join(dir, filepath.FromSlash(n)))
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("%s: %v", n, err))
		case sum != f.SHA256:
			problems = append(problems, fmt.Sprintf("%s: SHA-256 %s, manifest says %s (%d bytes, manifest says %d)", n, sum, f.SHA256, size, f.Size))
		case size != f.Size:
			problems = append(problems, fmt.Sprintf("%s: %d bytes, manifest says %d", n, size, f.Size))
		}
	}
	for _, f := range m.Files {
		if !present[f.Path] {
			problems = append(problems, fmt.Sprintf("%s is in the manifest but missing from the bundle", f.Path))
		}
	}
	return m, problems, nil
}

// CheckManifest decodes manifest.json and, when pub is set, checks its
// signature sig (nil when the bundle has none). It needs no extracted file,
// so a verifier can run it on ReadManifest's bytes before it writes
// anything. The manifest is nil when it cannot be decoded.
func CheckManifest(mb, sig []byte, pub ed25519.PublicKey) (*Manifest, []string) {
	var problems []string
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(mb))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, []string{fmt.Sprintf("manifest.json is not valid JSON: %v", err)}
	}
	if m.SchemaVersion != SchemaVersion {
		problems = append(problems, fmt.Sprintf("manifest.json: schemaVersion %d, want %d", m.SchemaVersion, SchemaVersion))
	}
	switch {
	case pub != nil && sig == nil:
		problems = append(problems, "manifest.sig is missing: the bundle is not signed, but --pub was given")
	case pub != nil:
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(sig)))
		if err != nil || len(raw) != ed25519.SignatureSize {
			problems = append(problems, "manifest.sig is not a base64 Ed25519 signature")
		} else if !ed25519.Verify(pub, mb, raw) {
			problems = append(problems, "manifest.sig does not verify: manifest.json was changed or signed with another key")
		}
	}
	return &m, problems
}

// ReadManifest reads manifest.json and manifest.sig (nil when absent) out
// of the tar.gz r without writing anything, refusing either when larger
// than max bytes: the first pass of a verifier that checks the manifest
// and its signature before it extracts a byte.
func ReadManifest(r io.Reader, max int64) (manifest, sig []byte, err error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, nil, fmt.Errorf("read bundle: not a gzip file: %w", err)
	}
	tr := tar.NewReader(gz)
	for n := 0; n < MaxEntries; n++ {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("read bundle: %w", err)
		}
		if hdr.Name != ManifestName && hdr.Name != SignatureName {
			continue
		}
		if hdr.Typeflag != tar.TypeReg || hdr.Size > max || hdr.Size < 0 {
			return nil, nil, &UnsafeError{Entry: hdr.Name, Msg: fmt.Sprintf("is not a regular file of at most %d bytes", max)}
		}
		if (hdr.Name == ManifestName && manifest != nil) || (hdr.Name == SignatureName && sig != nil) {
			return nil, nil, &UnsafeError{Entry: hdr.Name, Msg: "appears twice"}
		}
		b, err := io.ReadAll(io.LimitReader(tr, max))
		if err != nil {
			return nil, nil, fmt.Errorf("read bundle: %s: %w", hdr.Name, err)
		}
		if hdr.Name == ManifestName {
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

// Signed reports whether the extracted bundle in dir has a signature.
func Signed(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, SignatureName))
	return err == nil
}
