package main

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeDist lays out dist/bin with this test binary (it carries Go's build
// information, as authgate does) standing in for linux/amd64, linux/arm64
// and windows/amd64 builds; the platform check is relaxed by relabelling.
func fakeDist(t *testing.T) (string, *buildinfo.BuildInfo) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	info, err := buildinfo.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	dist := t.TempDir()
	dir := filepath.Join(dist, "bin", setting(info, "GOOS")+"_"+setting(info, "GOARCH"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "authgate"), bin, 0o755); err != nil {
		t.Fatal(err)
	}
	return dist, info
}

func testConfig(t *testing.T, dist string) config {
	t.Helper()
	extra := filepath.Join(t.TempDir(), "LICENSE")
	if err := os.WriteFile(extra, []byte("license text\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	certs := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(certs, []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return config{version: "v1.2.3", dist: dist, epoch: time.Unix(1700000000, 0).UTC(), certs: certs, extra: []string{extra}}
}

// The test binary's main module is not authgate's; the SBOM check refuses
// other modules, so the tests run from a binary of this module only.
func requireModule(t *testing.T, info *buildinfo.BuildInfo) {
	t.Helper()
	if info.Main.Path != modulePath {
		t.Skipf("test binary's main module is %q", info.Main.Path)
	}
}

func TestReleaseIsReproducible(t *testing.T) {
	dist1, info := fakeDist(t)
	requireModule(t, info)
	dist2, _ := fakeDist(t)
	c1, c2 := testConfig(t, dist1), testConfig(t, dist2)
	c2.certs, c2.extra = c1.certs, c1.extra
	if err := build(c1); err != nil {
		t.Fatal(err)
	}
	// Different file times on the inputs must not matter.
	later := time.Now().Add(time.Hour)
	for _, f := range append([]string{c2.certs}, c2.extra...) {
		if err := os.Chtimes(f, later, later); err != nil {
			t.Fatal(err)
		}
	}
	if err := build(c2); err != nil {
		t.Fatal(err)
	}
	sums1, err := os.ReadFile(filepath.Join(dist1, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	sums2, _ := os.ReadFile(filepath.Join(dist2, "SHA256SUMS"))
	if !bytes.Equal(sums1, sums2) {
		t.Errorf("two builds of the same inputs differ:\n%s\n%s", sums1, sums2)
	}
	// Every line of SHA256SUMS names a file whose digest it holds.
	sc := bufio.NewScanner(bytes.NewReader(sums1))
	n := 0
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("SHA256SUMS: malformed line %q", sc.Text())
		}
		if got := sha256File(filepath.Join(dist1, name)); got != sum {
			t.Errorf("%s: sha256 %s, SHA256SUMS says %s", name, got, sum)
		}
		n++
	}
	if n != 3 { // archive, SBOM, OCI image
		t.Errorf("SHA256SUMS lists %d files, want 3:\n%s", n, sums1)
	}
}

func TestArchiveEntries(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "authgate.exe")
	doc := filepath.Join(dir, "README.md")
	for f, body := range map[string]string{bin: "MZ binary", doc: "# readme\n"} {
		if err := os.WriteFile(f, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	epoch := time.Unix(1700000000, 0).UTC()
	var tgz, zipped bytes.Buffer
	if err := writeTarGz(&tgz, []string{doc, bin}, epoch); err != nil {
		t.Fatal(err)
	}
	if err := writeZip(&zipped, []string{doc, bin}, epoch); err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(tgz.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if !zr.ModTime.IsZero() || zr.Name != "" {
		t.Errorf("gzip header carries a time %v or name %q", zr.ModTime, zr.Name)
	}
	tr := tar.NewReader(zr)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		if !h.ModTime.Equal(epoch) || h.Uid != 0 || h.Gid != 0 || h.Uname != "" {
			t.Errorf("%s: time %v uid %d gid %d uname %q", h.Name, h.ModTime, h.Uid, h.Gid, h.Uname)
		}
		if want := map[string]int64{"authgate.exe": 0o755, "README.md": 0o644}[h.Name]; h.Mode != want {
			t.Errorf("%s: mode %o, want %o", h.Name, h.Mode, want)
		}
	}
	if strings.Join(names, ",") != "README.md,authgate.exe" {
		t.Errorf("tar entries %v, want sorted README.md, authgate.exe", names)
	}
	r, err := zip.NewReader(bytes.NewReader(zipped.Bytes()), int64(zipped.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range r.File {
		if !f.Modified.Equal(epoch) {
			t.Errorf("zip %s: modified %v, want %v", f.Name, f.Modified, epoch)
		}
	}
}

func TestSBOMFromBuildInfo(t *testing.T) {
	dist, info := fakeDist(t)
	requireModule(t, info)
	p := platform{os: setting(info, "GOOS"), arch: setting(info, "GOARCH"), bin: "authgate"}
	b, err := cycloneDX(info, "v1.2.3", p, time.Unix(0, 0).UTC(), strings.Repeat("ab", 32))
	if err != nil {
		t.Fatal(err)
	}
	_ = dist
	var bom struct {
		BOMFormat, SpecVersion, SerialNumber string
		Metadata                             struct {
			Component struct{ Name, Version, PURL string }
		}
		Components []struct {
			Name, Version, PURL string
		}
		Dependencies []struct {
			Ref       string
			DependsOn []string
		}
	}
	if err := json.Unmarshal(b, &bom); err != nil {
		t.Fatal(err)
	}
	if bom.BOMFormat != "CycloneDX" || bom.SpecVersion != "1.5" || !strings.HasPrefix(bom.SerialNumber, "urn:uuid:") {
		t.Errorf("header: %s %s %s", bom.BOMFormat, bom.SpecVersion, bom.SerialNumber)
	}
	if bom.Metadata.Component.Name != modulePath || !strings.HasPrefix(bom.Metadata.Component.PURL, "pkg:golang/"+modulePath+"@v1.2.3") {
		t.Errorf("main component %+v", bom.Metadata.Component)
	}
	want := map[string]string{"stdlib": "v" + strings.TrimPrefix(info.GoVersion, "go")}
	for _, d := range info.Deps {
		want[d.Path] = d.Version
	}
	got := map[string]string{}
	for _, c := range bom.Components {
		got[c.Name] = c.Version
	}
	for name, v := range want {
		if got[name] != v {
			t.Errorf("component %s: version %q, want %q", name, got[name], v)
		}
	}
	if len(got) != len(want) || len(bom.Dependencies) != 1 || len(bom.Dependencies[0].DependsOn) != len(want) {
		t.Errorf("%d components, %d dependency entries; want %d", len(got), len(bom.Dependencies), len(want))
	}
}

// TestOCILayout checks the image as a registry would: every descriptor's
// digest and size match its blob, the layer's uncompressed digest is the
// config's diff_id, and the layer holds the binary, the CA bundle and /tmp.
func TestOCILayout(t *testing.T) {
	dist, info := fakeDist(t)
	c := testConfig(t, dist)
	p := platform{os: "linux", arch: setting(info, "GOARCH"), bin: filepath.Join(dist, "bin", setting(info, "GOOS")+"_"+setting(info, "GOARCH"), "authgate")}
	var img bytes.Buffer
	if err := writeOCI(&img, []platform{p}, c); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	tr := tar.NewReader(&img)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		files[h.Name] = b
	}
	if string(files["oci-layout"]) != `{"imageLayoutVersion":"1.0.0"}` {
		t.Errorf("oci-layout %q", files["oci-layout"])
	}
	blob := func(d ociDescriptor) []byte {
		t.Helper()
		b, ok := files["blobs/sha256/"+strings.TrimPrefix(d.Digest, "sha256:")]
		if !ok {
			t.Fatalf("no blob for %s", d.Digest)
		}
		sum := sha256.Sum256(b)
		if "sha256:"+hex.EncodeToString(sum[:]) != d.Digest || int64(len(b)) != d.Size {
			t.Fatalf("blob %s: digest or size (%d, want %d) wrong", d.Digest, len(b), d.Size)
		}
		return b
	}
	var top struct{ Manifests []ociDescriptor }
	if err := json.Unmarshal(files["index.json"], &top); err != nil || len(top.Manifests) != 1 {
		t.Fatalf("index.json: %v %s", err, files["index.json"])
	}
	if top.Manifests[0].Annotations["org.opencontainers.image.ref.name"] != "v1.2.3" {
		t.Errorf("index.json names no version: %s", files["index.json"])
	}
	var idx struct{ Manifests []ociDescriptor }
	if err := json.Unmarshal(blob(top.Manifests[0]), &idx); err != nil || len(idx.Manifests) != 1 {
		t.Fatalf("image index: %v", err)
	}
	if pl := idx.Manifests[0].Platform; pl == nil || pl.OS != "linux" || pl.Architecture != p.arch {
		t.Errorf("platform %+v", pl)
	}
	var man struct {
		Config ociDescriptor
		Layers []ociDescriptor
	}
	if err := json.Unmarshal(blob(idx.Manifests[0]), &man); err != nil || len(man.Layers) != 1 {
		t.Fatalf("manifest: %v", err)
	}
	var cfg struct {
		Config struct {
			Entrypoint []string
			User       string
		}
		RootFS struct {
			DiffIDs []string `json:"diff_ids"`
		} `json:"rootfs"`
	}
	if err := json.Unmarshal(blob(man.Config), &cfg); err != nil {
		t.Fatal(err)
	}
	if strings.Join(cfg.Config.Entrypoint, " ") != "/authgate" || cfg.Config.User == "" || cfg.Config.User[0] == '0' {
		t.Errorf("config: entrypoint %v, user %q (want /authgate, not root)", cfg.Config.Entrypoint, cfg.Config.User)
	}
	zr, err := gzip.NewReader(bytes.NewReader(blob(man.Layers[0])))
	if err != nil {
		t.Fatal(err)
	}
	layer, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(layer)
	if len(cfg.RootFS.DiffIDs) != 1 || cfg.RootFS.DiffIDs[0] != "sha256:"+hex.EncodeToString(sum[:]) {
		t.Errorf("diff_ids %v do not match the layer", cfg.RootFS.DiffIDs)
	}
	lt := tar.NewReader(bytes.NewReader(layer))
	seen := map[string]int64{}
	for {
		h, err := lt.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		seen[h.Name] = h.Mode
	}
	for name, mode := range map[string]int64{"authgate": 0o755, "etc/ssl/certs/ca-certificates.crt": 0o644, "tmp/": 0o1777} {
		if m, ok := seen[name]; !ok || m != mode {
			t.Errorf("layer entry %s: present %v, mode %o, want %o", name, ok, m, mode)
		}
	}
}
