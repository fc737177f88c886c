package evidence_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
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

func extract(t *testing.T, archive []byte) string {
	t.Helper()
	dir := t.TempDir()
	if err := evidence.Extract(bytes.NewReader(archive), dir, 0); err != nil {
		t.Fatal(err)
	}
	return dir
}

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

func TestCheck(t *testing.T) {
	key, pub, _, _ := keys(t)
	_, otherPub, _, _ := keys(t)
	archive := create(t, stage(t), key)
	tests := []struct {
		name   string
		tamper func(dir string)
		pub    ed25519.PublicKey
		want   string // substring of a problem; "" for a clean bundle
	}{
		{"clean", func(string) {}, pub, ""},
		{"clean unsigned check", func(string) {}, nil, ""},
		{"changed byte", func(d string) { flip(t, filepath.Join(d, "results", "results.json")) }, pub, "results/results.json: SHA-256"},
		{"changed policy", func(d string) { flip(t, filepath.Join(d, "policies", "builtin", "x.rego")) }, pub, "policies/builtin/x.rego: SHA-256"},
		{"removed file", func(d string) { os.Remove(filepath.Join(d, "data", "params.json")) }, pub, "data/params.json is in the manifest but missing"},
		{"added file", func(d string) { os.WriteFile(filepath.Join(d, "extra.txt"), []byte("x"), 0o600) }, pub, "extra.txt is in the bundle but not in the manifest"},
		{"changed manifest", func(d string) { flip(t, filepath.Join(d, evidence.ManifestName)) }, pub, "manifest.sig does not verify"},
		{"swapped signature", func(d string) {
			os.WriteFile(filepath.Join(d, evidence.SignatureName), evidence.Sign(key, []byte("another manifest")), 0o600)
		}, pub, "manifest.sig does not verify"},
		{"wrong key", func(string) {}, otherPub, "manifest.sig does not verify"},
		{"removed signature", func(d string) { os.Remove(filepath.Join(d, evidence.SignatureName)) }, pub, "manifest.sig is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := extract(t, archive)
			tt.tamper(dir)
			_, problems, err := evidence.Check(dir, tt.pub)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if len(problems) > 0 {
					t.Errorf("clean bundle: %v", problems)
				}
				return
			}
			// A flipped manifest byte may also break the hash it lands in.
			if len(problems) == 0 || len(problems) > 2 || !strings.Contains(problems[0], tt.want) {
				t.Errorf("problems = %q, want first %q", problems, tt.want)
			}
		})
	}
}

func flip(t *testing.T, p string) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x01
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
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

func TestExtractRefusesUnsafeEntries(t *testing.T) {
	reg := func(name string) *tar.Header { return &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644} }
	tests := []struct {
		name string
		hdrs []*tar.Header
		max  int64
	}{
		{"parent", []*tar.Header{reg("../evil")}, 0},
		{"nested parent", []*tar.Header{reg("a/../../evil")}, 0},
		{"absolute", []*tar.Header{reg("/etc/evil")}, 0},
		{"unclean", []*tar.Header{reg("a//b")}, 0},
		{"symlink", []*tar.Header{{Typeflag: tar.TypeSymlink, Name: "link", Linkname: "/etc/passwd"}}, 0},
		{"hard link", []*tar.Header{reg("a"), {Typeflag: tar.TypeLink, Name: "b", Linkname: "a"}}, 0},
		{"device", []*tar.Header{{Typeflag: tar.TypeChar, Name: "dev"}}, 0},
		{"duplicate", []*tar.Header{reg("a"), reg("a")}, 0},
		{"oversize", []*tar.Header{{Typeflag: tar.TypeReg, Name: "big", Size: 100}}, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			err := evidence.Extract(bytes.NewReader(archive(t, tt.hdrs...)), filepath.Join(dir, "x"), tt.max)
			var ue *evidence.UnsafeError
			if !errors.As(err, &ue) {
				t.Fatalf("err = %v, want an UnsafeError", err)
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
	mb, sig, err := evidence.ReadManifest(bytes.NewReader(b.Bytes()), 1<<20)
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
	if _, _, err := evidence.ReadManifest(bytes.NewReader(b.Bytes()), 10); err == nil {
		t.Error("ReadManifest accepted a manifest over its limit")
	}
}
