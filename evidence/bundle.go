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
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/authgate/authgate/scope"
)

// Names of the bundle's own files.
const (
	ManifestName  = "manifest.json"
	SignatureName = "manifest.sig"
)

// SchemaVersion is the version of manifest.json.
const SchemaVersion = 1

// MaxEntries is the most entries a bundle may hold.
const MaxEntries = 100000

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
	// Exclusions are authgate.yaml's exclusions with the users each took
	// out of each control's scope; absent when none were declared.
	Exclusions []scope.Status `json:"exclusions,omitempty"`
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
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: n, Mode: 0o600, ModTime: mtime, Format: tar.FormatPAX}
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

// UnsafeError is an archive entry that a verifier refuses: an absolute or
// escaping path, a link or device, a duplicate.
type UnsafeError struct {
	Entry string
	Msg   string
}

func (e *UnsafeError) Error() string { return fmt.Sprintf("bundle entry %q: %s", e.Entry, e.Msg) }

// CheckManifest decodes manifest.json and, when pub is set, checks its
// signature sig (nil when the bundle has none). It needs no extracted file,
// so a verifier runs it on ReadManifest's bytes before it writes anything. The manifest is nil when it cannot be decoded.
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
