package evidence_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/authgate/authgate/evidence"
)

func stage(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"snapshot.json":               `{"schemaVersion":1}`,
		"results/results.json":        `{"verdict":"pass"}`,
		"policies/builtin/x.rego":     "package authgate.builtin.x\n",
		"data/params.json":            "{}\n",
		"policies/user/0/acme/y.rego": "package authgate.acme.y\n",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func keys(t *testing.T) (ed25519.PrivateKey, ed25519.PublicKey, string, string) {
	t.Helper()
	priv, pub, err := evidence.Keygen(filepath.Join(t.TempDir(), "k"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(priv)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("private key mode %v, want 0600", st.Mode())
	}
	k, err := evidence.LoadPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	p, err := evidence.LoadPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k, p, priv, pub
}

func create(t *testing.T, dir string, key ed25519.PrivateKey) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := evidence.Create(&b, dir, evidence.Manifest{Tool: evidence.Tool{Name: "authgate", Version: "1.0"}, Verdict: "pass"}, key); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// verify runs a verifier's passes on archive: ReadManifest, CheckManifest
// and, when the manifest holds, ExtractListed into a new folder.
func verify(t *testing.T, archive []byte, pub ed25519.PublicKey) ([]string, error) {
	t.Helper()
	ctx := context.Background()
	mb, sig, err := evidence.ReadManifest(ctx, bytes.NewReader(archive), evidence.Limits{})
	if err != nil {
		return nil, err
	}
	m, problems := evidence.CheckManifest(mb, sig, pub)
	if m == nil || len(problems) > 0 {
		return problems, nil
	}
	return evidence.ExtractListed(ctx, bytes.NewReader(archive), t.TempDir(), m, evidence.Limits{})
}

// entries reads an archive's files, in order.
func entries(t *testing.T, archive []byte) []tarFile {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(archive))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var out []tarFile
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tarFile{h.Name, b})
	}
}

type tarFile struct {
	name string
	data []byte
}

// rewrite returns the archive of fs.
func rewrite(t *testing.T, fs []tarFile) []byte {
	t.Helper()
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	tw := tar.NewWriter(gz)
	for _, f := range fs {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: f.name, Mode: 0o600, Size: int64(len(f.data))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// change applies fn to the named file's data; fn returning nil removes it.
func change(fs []tarFile, name string, fn func([]byte) []byte) []tarFile {
	var out []tarFile
	for _, f := range fs {
		if f.name == name {
			if f.data = fn(bytes.Clone(f.data)); f.data == nil {
				continue
			}
		}
		out = append(out, f)
	}
	return out
}

func flipped(b []byte) []byte { b[len(b)/2] ^= 0x01; return b }

func TestCreateIsDeterministic(t *testing.T) {
	key, _, _, _ := keys(t)
	a := create(t, stage(t), key)
	b := create(t, stage(t), key) // another folder, other mtimes
	if !bytes.Equal(a, b) {
		t.Error("two bundles of the same files differ")
	}
	if _, _, err := evidence.Keygen(filepath.Join(t.TempDir(), "k")); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyPasses(t *testing.T) {
	key, pub, _, _ := keys(t)
	_, otherPub, _, _ := keys(t)
	archive := create(t, stage(t), key)
	es := entries(t, archive)
	tests := []struct {
		name string
		fs   []tarFile
		pub  ed25519.PublicKey
		want string // substring of a problem; "" for a clean bundle
	}{
		{"clean", es, pub, ""},
		{"clean unsigned check", es, nil, ""},
		{"changed byte", change(es, "results/results.json", flipped), pub, "results/results.json: SHA-256"},
		{"changed policy", change(es, "policies/builtin/x.rego", flipped), pub, "policies/builtin/x.rego: SHA-256"},
		{"longer policy", change(es, "policies/builtin/x.rego", func(b []byte) []byte { return append(b, "p := 1\n"...) }), pub, "policies/builtin/x.rego: 34 bytes, longer than the 27 bytes the manifest lists"},
		{"removed file", change(es, "data/params.json", func([]byte) []byte { return nil }), pub, "data/params.json is in the manifest but missing"},
		{"added file", append(slices.Clone(es), tarFile{"extra.txt", []byte("x")}), pub, "extra.txt is in the bundle but not in the manifest"},
		{"changed manifest", change(es, evidence.ManifestName, flipped), pub, "manifest.sig does not verify"},
		{"swapped signature", change(es, evidence.SignatureName, func([]byte) []byte { return evidence.Sign(key, []byte("another manifest")) }), pub, "manifest.sig does not verify"},
		{"wrong key", es, otherPub, "manifest.sig does not verify"},
		{"removed signature", change(es, evidence.SignatureName, func([]byte) []byte { return nil }), pub, "manifest.sig is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems, err := verify(t, rewrite(t, tt.fs), tt.pub)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if len(problems) > 0 {
					t.Errorf("clean bundle: %v", problems)
				}
				return
			}
			if len(problems) != 1 || !strings.Contains(problems[0], tt.want) {
				t.Errorf("problems = %q, want one: %q", problems, tt.want)
			}
		})
	}
}

// TestExtractListedWritesOnlyListedFiles: what the manifest does not list
// is never written, nor a listed file beyond its listed size; the files
// written are their owner's only; an ended context stops extraction.
func TestExtractListedWritesOnlyListedFiles(t *testing.T) {
	key, pub, _, _ := keys(t)
	es := entries(t, create(t, stage(t), key))
	fs := append(change(es, "snapshot.json", func(b []byte) []byte { return append(b, bytes.Repeat([]byte(" "), 1<<20)...) }),
		tarFile{"unlisted/big.bin", make([]byte, 1<<20)})
	archive := rewrite(t, fs)
	mb, sig, err := evidence.ReadManifest(context.Background(), bytes.NewReader(archive), evidence.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	m, problems := evidence.CheckManifest(mb, sig, pub)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	dir := t.TempDir()
	problems, err = evidence.ExtractListed(context.Background(), bytes.NewReader(archive), dir, m, evidence.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 2 || !strings.Contains(problems[0], "snapshot.json: 1048595 bytes, longer than the 19") || !strings.Contains(problems[1], "unlisted/big.bin is in the bundle but not in the manifest") {
		t.Errorf("problems = %q", problems)
	}
	var total int64
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		info, err := d.Info()
		if err != nil {
			t.Fatal(err)
		}
		if !d.IsDir() {
			total += info.Size()
			if info.Mode().Perm() != 0o600 {
				t.Errorf("%s: mode %v, want 0600", p, info.Mode())
			}
		} else if p != dir && info.Mode().Perm() != 0o700 {
			t.Errorf("%s: mode %v, want 0700", p, info.Mode())
		}
		return nil
	})
	if total > 1000 {
		t.Errorf("%d bytes written, want only the small listed files", total)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := evidence.ExtractListed(ctx, bytes.NewReader(archive), t.TempDir(), m, evidence.Limits{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

// TestLimits: a manifest or a bundle over the verifier's limits is refused
// from its headers and the manifest, before anything is written.
func TestLimits(t *testing.T) {
	key, _, _, _ := keys(t)
	es := entries(t, create(t, stage(t), key))
	var le *evidence.LimitError
	_, _, err := evidence.ReadManifest(context.Background(), bytes.NewReader(rewrite(t, es)), evidence.Limits{MaxManifest: 10})
	if !errors.As(err, &le) || le.Entry != evidence.ManifestName {
		t.Errorf("small manifest limit: %v", err)
	}
	_, _, err = evidence.ReadManifest(context.Background(), bytes.NewReader(rewrite(t, es)), evidence.Limits{MaxTotal: 100})
	if !errors.As(err, &le) || !le.Total {
		t.Errorf("small total limit: %v", err)
	}
	for _, tt := range []struct {
		name  string
		files []evidence.File
		want  string
	}{
		{"large params", []evidence.File{{Path: "data/params.json", Size: 9 << 20}}, `"data/params.json": 9437184 bytes, more than the limit of 8388608`},
		{"large total", []evidence.File{{Path: "snapshot.json", Size: 2 << 30}, {Path: "baseline.json", Size: 2 << 30}}, "add up to at least 4294967296 bytes, more than the limit of 3221225472"},
		{"overflow", []evidence.File{{Path: "snapshot.json", Size: 1 << 62}, {Path: "baseline.json", Size: 1 << 62}}, "more than the limit of 3221225472"},
		{"many policies", func() []evidence.File {
			var fs []evidence.File
			for i := range 9 {
				fs = append(fs, evidence.File{Path: fmt.Sprintf("policies/user/0/p%d.rego", i), Size: 8 << 20})
			}
			return fs
		}(), "policies, settings and data add up to at least 75497472 bytes, more than the limit of 67108864"},
		{"escaping path", []evidence.File{{Path: "../x"}}, "leaves the bundle"},
		{"twice", []evidence.File{{Path: "x"}, {Path: "x"}}, "twice"},
		{"itself", []evidence.File{{Path: "manifest.json"}}, "itself"},
		{"negative", []evidence.File{{Path: "x", Size: -1}}, "negative"},
	} {
		m := evidence.Manifest{Files: tt.files}
		if err := m.CheckLimits(evidence.Limits{}); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
	m := evidence.Manifest{Files: []evidence.File{{Path: "snapshot.json", Size: 2 << 30}, {Path: "results/results.html", Size: 100 << 20}}}
	if err := m.CheckLimits(evidence.Limits{}); err != nil {
		t.Errorf("a large snapshot and results: %v", err)
	}
}

func archive(t *testing.T, hdrs ...*tar.Header) []byte {
	t.Helper()
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	tw := tar.NewWriter(gz)
	for _, h := range hdrs {
		if h.Typeflag == tar.TypeReg && h.Size == 0 {
			h.Size = 1
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write(bytes.Repeat([]byte("x"), int(h.Size)))
		}
	}
	tw.Close()
	gz.Close()
	return b.Bytes()
}

func TestRefusesUnsafeEntries(t *testing.T) {
	reg := func(name string) *tar.Header { return &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644} }
	tests := []struct {
		name string
		hdrs []*tar.Header
	}{
		{"parent", []*tar.Header{reg("../evil")}},
		{"nested parent", []*tar.Header{reg("a/../../evil")}},
		{"absolute", []*tar.Header{reg("/etc/evil")}},
		{"unclean", []*tar.Header{reg("a//b")}},
		{"symlink", []*tar.Header{{Typeflag: tar.TypeSymlink, Name: "link", Linkname: "/etc/passwd"}}},
		{"hard link", []*tar.Header{reg("a"), {Typeflag: tar.TypeLink, Name: "b", Linkname: "a"}}},
		{"device", []*tar.Header{{Typeflag: tar.TypeChar, Name: "dev"}}},
		{"duplicate", []*tar.Header{reg("a"), reg("a")}},
		{"duplicate manifest", []*tar.Header{reg("manifest.json"), reg("manifest.json")}},
		{"manifest as a link", []*tar.Header{{Typeflag: tar.TypeSymlink, Name: "manifest.sig", Linkname: "/etc/passwd"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := archive(t, append([]*tar.Header{reg("manifest.json")}, tt.hdrs...)...)
			_, _, err := evidence.ReadManifest(context.Background(), bytes.NewReader(a), evidence.Limits{})
			var ue *evidence.UnsafeError
			if !errors.As(err, &ue) {
				t.Fatalf("ReadManifest: err = %v, want an UnsafeError", err)
			}
			dir := t.TempDir()
			_, err = evidence.ExtractListed(context.Background(), bytes.NewReader(a), filepath.Join(dir, "x"), &evidence.Manifest{}, evidence.Limits{})
			if !errors.As(err, &ue) {
				t.Fatalf("ExtractListed: err = %v, want an UnsafeError", err)
			}
			if _, err := os.Stat(filepath.Join(dir, "evil")); err == nil {
				t.Error("a file was written outside the folder")
			}
		})
	}
}

// TestReadManifestBeforeExtract: a verifier can read and check the
// manifest and its signature from the archive without extracting it.
func TestReadManifestBeforeExtract(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("a"), 0o600); err != nil {
		t.Fatal(err)
	}
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := evidence.Create(&b, dir, evidence.Manifest{Verdict: "pass"}, priv); err != nil {
		t.Fatal(err)
	}
	mb, sig, err := evidence.ReadManifest(context.Background(), bytes.NewReader(b.Bytes()), evidence.Limits{})
	if err != nil || sig == nil {
		t.Fatalf("ReadManifest: %v (signature %q)", err, sig)
	}
	m, problems := evidence.CheckManifest(mb, sig, pub)
	if m == nil || len(problems) > 0 || m.Verdict != "pass" || len(m.Files) != 1 {
		t.Fatalf("CheckManifest: %+v %v", m, problems)
	}
	other, _, _ := ed25519.GenerateKey(nil)
	if _, problems := evidence.CheckManifest(mb, sig, other); len(problems) != 1 || !strings.Contains(problems[0], "does not verify") {
		t.Errorf("another key: %v", problems)
	}
	if _, _, err := evidence.ReadManifest(context.Background(), bytes.NewReader(b.Bytes()), evidence.Limits{MaxManifest: 10}); err == nil {
		t.Error("ReadManifest accepted a manifest over its limit")
	}
}
