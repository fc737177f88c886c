// Command release packages the binaries `make release` built into what a
// release publishes, reproducibly: every timestamp is SOURCE_DATE_EPOCH
// (the commit's time), every owner is root, every listing is sorted, so the
// same binaries always give byte-identical files.
//
// From dist/bin/OS_ARCH/authgate[.exe] it writes to dist/:
//
//   - authgate_VERSION_OS_ARCH.tar.gz (a .zip for windows): the binary,
//     LICENSE and README.md;
//   - authgate_VERSION_OS_ARCH.cdx.json: a CycloneDX 1.5 SBOM of the
//     binary, read from the module information Go embeds in it (the
//     modules actually linked, with their versions, the Go toolchain and the
//     build settings), the same source `go version -m` prints;
//   - authgate_VERSION_oci.tar: an OCI image layout (a multi-platform index
//     of linux/amd64 and linux/arm64 images FROM scratch holding the binary,
//     the CA certificates and an empty /tmp), loadable with
//     `skopeo copy --all oci-archive:FILE docker://...` or `podman load`;
//   - SHA256SUMS, in sha256sum's format, of all of the above.
//
// Usage: go run ./internal/release -version v1.2.0 -dist dist [-epoch N] [-certs FILE]
package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"time"
)

const modulePath = "github.com/authgate/authgate"

type config struct {
	version string
	dist    string
	epoch   time.Time
	certs   string   // CA bundle for the image
	extra   []string // files added to every archive, beside the binary
}

func main() {
	var c config
	var epoch int64
	flag.StringVar(&c.version, "version", "", "release version, such as v1.2.0 (required)")
	flag.StringVar(&c.dist, "dist", "dist", "folder holding bin/OS_ARCH/authgate[.exe]; the release is written beside bin/")
	flag.Int64Var(&epoch, "epoch", -1, "timestamp of every file, in Unix seconds (default: $SOURCE_DATE_EPOCH)")
	flag.StringVar(&c.certs, "certs", "/etc/ssl/certs/ca-certificates.crt", "CA certificate bundle for the OCI image")
	extra := flag.String("files", "LICENSE,README.md", "comma-separated files added to every archive")
	flag.Parse()
	if epoch < 0 {
		v, err := strconv.ParseInt(os.Getenv("SOURCE_DATE_EPOCH"), 10, 64)
		if err != nil {
			fmt.Fprintln(os.Stderr, "release: set -epoch or SOURCE_DATE_EPOCH (the commit time, from git log)")
			os.Exit(2)
		}
		epoch = v
	}
	c.epoch = time.Unix(epoch, 0).UTC()
	if *extra != "" {
		c.extra = strings.Split(*extra, ",")
	}
	if c.version == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "release: -version is required and there are no arguments")
		os.Exit(2)
	}
	if err := build(c); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

// platform is one built binary.
type platform struct{ os, arch, bin string }

func (p platform) name() string { return p.os + "_" + p.arch }

func findBinaries(dist string) ([]platform, error) {
	dirs, err := os.ReadDir(filepath.Join(dist, "bin"))
	if err != nil {
		return nil, err
	}
	var out []platform
	for _, d := range dirs {
		goos, arch, ok := strings.Cut(d.Name(), "_")
		if !d.IsDir() || !ok {
			continue
		}
		exe := "authgate"
		if goos == "windows" {
			exe += ".exe"
		}
		bin := filepath.Join(dist, "bin", d.Name(), exe)
		if _, err := os.Stat(bin); err != nil {
			return nil, err
		}
		out = append(out, platform{goos, arch, bin})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no binaries in %s", filepath.Join(dist, "bin"))
	}
	return out, nil
}

func build(c config) error {
	plats, err := findBinaries(c.dist)
	if err != nil {
		return err
	}
	var written []string
	var images []platform
	for _, p := range plats {
		base := fmt.Sprintf("authgate_%s_%s", c.version, p.name())
		info, err := buildinfo.ReadFile(p.bin)
		if err != nil {
			return fmt.Errorf("%s: %w", p.bin, err)
		}
		if got := setting(info, "GOOS") + "_" + setting(info, "GOARCH"); got != p.name() {
			return fmt.Errorf("%s: built for %s, not %s", p.bin, got, p.name())
		}
		archive := base + ".tar.gz"
		if p.os == "windows" {
			archive = base + ".zip"
		}
		files := append([]string{p.bin}, c.extra...)
		if err := writeFile(filepath.Join(c.dist, archive), func(w io.Writer) error {
			if p.os == "windows" {
				return writeZip(w, files, c.epoch)
			}
			return writeTarGz(w, files, c.epoch)
		}); err != nil {
			return err
		}
		sbom, err := cycloneDX(info, c.version, p, c.epoch, sha256File(p.bin))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(c.dist, base+".cdx.json"), sbom, 0o644); err != nil {
			return err
		}
		written = append(written, archive, base+".cdx.json")
		if p.os == "linux" && (p.arch == "amd64" || p.arch == "arm64") {
			images = append(images, p)
		}
	}
	if len(images) > 0 {
		name := fmt.Sprintf("authgate_%s_oci.tar", c.version)
		if err := writeFile(filepath.Join(c.dist, name), func(w io.Writer) error {
			return writeOCI(w, images, c)
		}); err != nil {
			return err
		}
		written = append(written, name)
	}
	sort.Strings(written)
	var sums bytes.Buffer
	for _, f := range written {
		fmt.Fprintf(&sums, "%s  %s\n", sha256File(filepath.Join(c.dist, f)), f)
	}
	return os.WriteFile(filepath.Join(c.dist, "SHA256SUMS"), sums.Bytes(), 0o644)
}

func setting(info *debug.BuildInfo, key string) string {
	for _, s := range info.Settings {
		if s.Key == key {
			return s.Value
		}
	}
	return ""
}

// writeFile writes through fn to a temporary file renamed into place.
func writeFile(path string, fn func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".release-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := fn(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

func sha256File(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return "unreadable"
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "unreadable"
	}
	return hex.EncodeToString(h.Sum(nil))
}

func fileMode(path string) int64 {
	if filepath.Base(path) == "authgate" || strings.HasSuffix(path, ".exe") {
		return 0o755
	}
	return 0o644
}

// tarEntry is one file or directory of a tar stream.
type tarEntry struct {
	name string
	mode int64
	dir  bool
	body []byte
}

func writeTar(w io.Writer, entries []tarEntry, epoch time.Time) error {
	sort.Slice(entries, func(i, j int) bool { return entries[i].name < entries[j].name })
	tw := tar.NewWriter(w)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: e.mode, ModTime: epoch, Typeflag: tar.TypeReg, Size: int64(len(e.body)), Format: tar.FormatPAX}
		if e.dir {
			h.Typeflag, h.Size = tar.TypeDir, 0
		}
		// PAX, but without the access and change times PAX could add.
		h.AccessTime, h.ChangeTime = time.Time{}, time.Time{}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if _, err := tw.Write(e.body); err != nil {
			return err
		}
	}
	return tw.Close()
}

func readEntries(files []string) ([]tarEntry, error) {
	var out []tarEntry
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		out = append(out, tarEntry{name: filepath.Base(f), mode: fileMode(f), body: b})
	}
	return out, nil
}

// gzipWriter has no name and no time in its header, so equal input gives
// equal output.
func gzipWriter(w io.Writer) *gzip.Writer {
	zw, _ := gzip.NewWriterLevel(w, gzip.BestCompression) // the level is valid
	return zw
}

func writeTarGz(w io.Writer, files []string, epoch time.Time) error {
	entries, err := readEntries(files)
	if err != nil {
		return err
	}
	zw := gzipWriter(w)
	if err := writeTar(zw, entries, epoch); err != nil {
		return err
	}
	return zw.Close()
}

func writeZip(w io.Writer, files []string, epoch time.Time) error {
	entries, err := readEntries(files)
	if err != nil {
		return err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].name < entries[j].name })
	zw := zip.NewWriter(w)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: epoch}
		h.SetMode(fs.FileMode(e.mode))
		fw, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		if _, err := fw.Write(e.body); err != nil {
			return err
		}
	}
	return zw.Close()
}

// uuidFrom derives an RFC 4122 name-based (version 5 layout) UUID from a
// digest, so the SBOM's serial number is stable for one binary.
func uuidFrom(digest string) string {
	h := sha256.Sum256([]byte("authgate-sbom:" + digest))
	b := h[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	x := hex.EncodeToString(b)
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

type cdxProperty struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type cdxHash struct {
	Alg     string `json:"alg"`
	Content string `json:"content"`
}

type cdxComponent struct {
	Type       string        `json:"type"`
	BOMRef     string        `json:"bom-ref"`
	Name       string        `json:"name"`
	Version    string        `json:"version"`
	PURL       string        `json:"purl,omitempty"`
	Hashes     []cdxHash     `json:"hashes,omitempty"`
	Properties []cdxProperty `json:"properties,omitempty"`
}

type cdxDependency struct {
	Ref       string   `json:"ref"`
	DependsOn []string `json:"dependsOn"`
}

type cdxBOM struct {
	BOMFormat    string `json:"bomFormat"`
	SpecVersion  string `json:"specVersion"`
	SerialNumber string `json:"serialNumber"`
	Version      int    `json:"version"`
	Metadata     struct {
		Timestamp string `json:"timestamp"`
		Tools     struct {
			Components []cdxComponent `json:"components"`
		} `json:"tools"`
		Component cdxComponent `json:"component"`
	} `json:"metadata"`
	Components   []cdxComponent  `json:"components"`
	Dependencies []cdxDependency `json:"dependencies"`
}

func purl(path, version string, p platform) string {
	s := "pkg:golang/" + path + "@" + version + "?type=module"
	if p.os != "" {
		s += "&goos=" + p.os + "&goarch=" + p.arch
	}
	return s
}

// cycloneDX describes one binary from its embedded build information.
func cycloneDX(info *debug.BuildInfo, version string, p platform, epoch time.Time, binSHA string) ([]byte, error) {
	if info.Main.Path != modulePath {
		return nil, fmt.Errorf("%s: main module %q, want %s", p.bin, info.Main.Path, modulePath)
	}
	var bom cdxBOM
	bom.BOMFormat, bom.SpecVersion, bom.Version = "CycloneDX", "1.5", 1
	bom.SerialNumber = "urn:uuid:" + uuidFrom(binSHA)
	bom.Metadata.Timestamp = epoch.Format(time.RFC3339)
	bom.Metadata.Tools.Components = []cdxComponent{{Type: "application", BOMRef: "authgate-release", Name: "authgate internal/release", Version: version}}
	main := cdxComponent{
		Type: "application", BOMRef: purl(modulePath, version, p), Name: modulePath, Version: version,
		PURL: purl(modulePath, version, p), Hashes: []cdxHash{{Alg: "SHA-256", Content: binSHA}},
	}
	for _, s := range info.Settings {
		main.Properties = append(main.Properties, cdxProperty{Name: "go:build:" + s.Key, Value: s.Value})
	}
	bom.Metadata.Component = main
	goVersion := strings.TrimPrefix(info.GoVersion, "go")
	std := cdxComponent{Type: "library", BOMRef: "pkg:golang/stdlib@v" + goVersion, Name: "stdlib", Version: "v" + goVersion,
		PURL: "pkg:golang/stdlib@v" + goVersion, Properties: []cdxProperty{{Name: "go:toolchain", Value: info.GoVersion}}}
	bom.Components = append(bom.Components, std)
	dep := cdxDependency{Ref: main.BOMRef, DependsOn: []string{std.BOMRef}}
	for _, d := range info.Deps {
		m := d
		if d.Replace != nil {
			m = d.Replace
		}
		c := cdxComponent{Type: "library", BOMRef: purl(m.Path, m.Version, platform{}), Name: m.Path, Version: m.Version, PURL: purl(m.Path, m.Version, platform{})}
		if m.Sum != "" {
			c.Properties = append(c.Properties, cdxProperty{Name: "go:module:sum", Value: m.Sum})
		}
		if d.Replace != nil {
			c.Properties = append(c.Properties, cdxProperty{Name: "go:module:replaces", Value: d.Path + "@" + d.Version})
		}
		bom.Components = append(bom.Components, c)
		dep.DependsOn = append(dep.DependsOn, c.BOMRef)
	}
	sort.Slice(bom.Components, func(i, j int) bool { return bom.Components[i].BOMRef < bom.Components[j].BOMRef })
	sort.Strings(dep.DependsOn)
	bom.Dependencies = []cdxDependency{dep}
	out, err := json.MarshalIndent(bom, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// OCI image layout (image-spec v1.1).
const (
	mtIndex    = "application/vnd.oci.image.index.v1+json"
	mtManifest = "application/vnd.oci.image.manifest.v1+json"
	mtConfig   = "application/vnd.oci.image.config.v1+json"
	mtLayer    = "application/vnd.oci.image.layer.v1.tar+gzip"
)

type ociDescriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Platform    *ociPlatform      `json:"platform,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

type ociPlatform struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
}

type ociBlobs map[string][]byte // digest -> content

func (b ociBlobs) add(mediaType string, content []byte) ociDescriptor {
	sum := sha256.Sum256(content)
	d := "sha256:" + hex.EncodeToString(sum[:])
	b[d] = content
	return ociDescriptor{MediaType: mediaType, Digest: d, Size: int64(len(content))}
}

func writeOCI(w io.Writer, images []platform, c config) error {
	certs, err := os.ReadFile(c.certs)
	if err != nil {
		return fmt.Errorf("CA certificates for the image: %w", err)
	}
	if !bytes.Contains(certs, []byte("BEGIN CERTIFICATE")) {
		return fmt.Errorf("%s holds no PEM certificate", c.certs)
	}
	created := c.epoch.Format(time.RFC3339)
	labels := map[string]string{
		"org.opencontainers.image.source":   "https://" + modulePath,
		"org.opencontainers.image.version":  c.version,
		"org.opencontainers.image.licenses": "Apache-2.0",
		"org.opencontainers.image.title":    "authgate",
		"org.opencontainers.image.created":  created,
	}
	blobs := ociBlobs{}
	var manifests []ociDescriptor
	for _, p := range images {
		bin, err := os.ReadFile(p.bin)
		if err != nil {
			return err
		}
		var layer bytes.Buffer
		if err := writeTar(&layer, []tarEntry{
			{name: "authgate", mode: 0o755, body: bin},
			{name: "etc/", mode: 0o755, dir: true},
			{name: "etc/ssl/", mode: 0o755, dir: true},
			{name: "etc/ssl/certs/", mode: 0o755, dir: true},
			{name: "etc/ssl/certs/ca-certificates.crt", mode: 0o644, body: certs},
			{name: "tmp/", mode: 0o1777, dir: true}, // run's temporary snapshot
		}, c.epoch); err != nil {
			return err
		}
		diffID := sha256.Sum256(layer.Bytes())
		var gz bytes.Buffer
		zw := gzipWriter(&gz)
		if _, err := zw.Write(layer.Bytes()); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		layerDesc := blobs.add(mtLayer, gz.Bytes())
		cfg, err := json.Marshal(map[string]any{
			"created":      created,
			"architecture": p.arch,
			"os":           p.os,
			"config": map[string]any{
				"Entrypoint": []string{"/authgate"},
				"User":       "65534:65534",
				"Env":        []string{"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"},
				"Labels":     labels,
			},
			"rootfs":  map[string]any{"type": "layers", "diff_ids": []string{"sha256:" + hex.EncodeToString(diffID[:])}},
			"history": []map[string]string{{"created": created, "created_by": "authgate internal/release: FROM scratch, COPY authgate, CA certificates, /tmp"}},
		})
		if err != nil {
			return err
		}
		cfgDesc := blobs.add(mtConfig, cfg)
		man, err := json.Marshal(map[string]any{
			"schemaVersion": 2, "mediaType": mtManifest,
			"config": cfgDesc, "layers": []ociDescriptor{layerDesc}, "annotations": labels,
		})
		if err != nil {
			return err
		}
		d := blobs.add(mtManifest, man)
		d.Platform = &ociPlatform{Architecture: p.arch, OS: p.os}
		manifests = append(manifests, d)
	}
	idx, err := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": mtIndex, "manifests": manifests, "annotations": labels})
	if err != nil {
		return err
	}
	idxDesc := blobs.add(mtIndex, idx)
	idxDesc.Annotations = map[string]string{"org.opencontainers.image.ref.name": c.version}
	top, err := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": mtIndex, "manifests": []ociDescriptor{idxDesc}})
	if err != nil {
		return err
	}
	entries := []tarEntry{
		{name: "oci-layout", mode: 0o644, body: []byte(`{"imageLayoutVersion":"1.0.0"}`)},
		{name: "index.json", mode: 0o644, body: top},
		{name: "blobs/", mode: 0o755, dir: true},
		{name: "blobs/sha256/", mode: 0o755, dir: true},
	}
	for d, content := range blobs {
		entries = append(entries, tarEntry{name: "blobs/sha256/" + strings.TrimPrefix(d, "sha256:"), mode: 0o644, body: content})
	}
	return writeTar(w, entries, c.epoch)
}
