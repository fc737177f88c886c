package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/authgate/authgate/evidence"
)

// These tests attack `evidence verify` in the built binary the way a
// stranger's bundle would, and show each attack fail: a policy that was let
// out of the sandbox at creation, a decompression bomb, an oversized
// manifest, an interrupt mid-extraction.

// binRun is one run of the built binary.
type binRun struct {
	code           int
	stdout, stderr string
	// maxRSS is the process's peak resident memory in bytes: the kernel's
	// Maxrss when below polledRSS's limit, else the peak seen in
	// /proc/PID/status while it ran (see runBinary).
	maxRSS int64
	// maxTmp is the most bytes seen under TMPDIR while it ran, tmpFiles
	// the most files.
	maxTmp   int64
	tmpFiles int64
}

// runBinary runs the built binary with TMPDIR set to tmp (a new folder when
// ""), watching how much it writes there, and fails the test past limit.
// onTmp, when set, is called with the process once TMPDIR holds a file.
func runBinary(t *testing.T, bin, tmp string, limit time.Duration, onTmp func(*os.Process), args ...string) binRun {
	t.Helper()
	if tmp == "" {
		tmp = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "NO_COLOR=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var maxTmp, tmpFiles, hwm atomic.Int64
	done := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		signalled := false
		status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
		for {
			n, files := treeSize(tmp)
			if n > maxTmp.Load() {
				maxTmp.Store(n)
			}
			if int64(files) > tmpFiles.Load() {
				tmpFiles.Store(int64(files))
			}
			if kb := vmHWM(status); kb*1024 > hwm.Load() {
				hwm.Store(kb * 1024)
			}
			if files > 0 && onTmp != nil && !signalled {
				onTmp(cmd.Process)
				signalled = true
			}
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	<-watched
	if ctx.Err() != nil {
		t.Fatalf("%v: still running after %s (killed)", args, limit)
	}
	r := binRun{code: 0, stdout: out.String(), stderr: errb.String(), maxTmp: maxTmp.Load(), tmpFiles: tmpFiles.Load()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	// Maxrss (kilobytes on Linux) bounds the process's own peak from above,
	// but also counts the test process's peak at the time it started the
	// binary: Go starts children sharing its memory until they exec, and
	// the kernel carries that high-water mark over the exec. Past the
	// limit, the peak polled from /proc while it ran is the measure.
	r.maxRSS = cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss * 1024
	if r.maxRSS >= polledRSS {
		r.maxRSS = hwm.Load()
		if r.maxRSS == 0 {
			t.Logf("%v: ended before its memory could be read", args)
		}
	}
	return r
}

// polledRSS is where runBinary stops trusting Maxrss.
const polledRSS = 300 << 20

// vmHWM reads the peak resident set in kilobytes from a /proc status
// file; 0 once the process is gone.
func vmHWM(status string) int64 {
	b, err := os.ReadFile(status)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(rest), "%d", &kb)
			return kb
		}
	}
	return 0
}

// treeSize sums the sizes of the files under dir and counts them.
func treeSize(dir string) (int64, int) {
	var n int64
	files := 0
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil // a folder removed while walking
		}
		if info, err := d.Info(); err == nil {
			n += info.Size()
			files++
		}
		return nil
	})
	return n, files
}

// assertEmpty fails unless dir holds nothing: verify removes its extraction.
func assertEmpty(t *testing.T, dir string) {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		t.Errorf("%s left behind in TMPDIR", e.Name())
	}
}

// exfilControl is a tenant control that calls url with http.send.
func exfilControl(url string) string {
	return `# METADATA
# scope: package
# title: Exfiltrate
# description: A policy that reaches out of the sandbox.
# custom:
#   id: EXF-01
#   severity: high
#   scope: tenant
#   remediation: None.
#   references:
#     - id: EXF
package authgate.exfil

violation contains {"message": sprintf("status %v", [r.status_code])} if {
	r := http.send({"method": "GET", "url": "` + url + `"})
}
`
}

// benignControl is a tenant control that reaches nothing.
const benignControl = `# METADATA
# scope: package
# title: Benign
# description: Counts users.
# custom:
#   id: EXF-01
#   severity: high
#   scope: tenant
#   remediation: None.
#   references:
#     - id: EXF
package authgate.exfil

violation contains {"message": "has users"} if input.aggregates.users > 0
`

// TestVerifySandboxWithBinary: a bundle's recorded --allow-builtin never
// lets its policies out of the verifier's sandbox, and a hand-edited bundle
// is caught before any policy runs: no request reaches the listener.
func TestVerifySandboxWithBinary(t *testing.T) {
	bin := builtBinary(t)
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, `{"access_token":"secret-token"}`)
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	key := filepath.Join(dir, "k")
	if r := runBinary(t, bin, "", time.Minute, nil, "evidence", "keygen", "-o", key); r.code != 0 {
		t.Fatalf("keygen: %d %s", r.code, r.stderr)
	}
	exfil := filepath.Join(dir, "exfil")
	if err := os.Mkdir(exfil, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(exfil, "exfil.rego"), []byte(exfilControl(srv.URL+"/token")), 0o600); err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join(dir, "exfil.tar.gz")
	r := runBinary(t, bin, "", 2*time.Minute, nil, "evidence", "create", "--snapshot", sample, "--policy", exfil, "--allow-builtin", "http.send",
		"--sign-key", key+".key", "-o", bundle)
	if r.code != 1 || hits.Load() == 0 {
		t.Fatalf("create with --allow-builtin http.send: exit %d, %d requests: %s", r.code, hits.Load(), r.stderr)
	}
	if st, err := os.Stat(bundle); err != nil {
		t.Fatal(err)
	} else if st.Mode().Perm() != 0o600 {
		t.Errorf("bundle mode %v, want 0600: it holds every UPN", st.Mode())
	}
	es := readBundle(t, bundle)

	verify := func(t *testing.T, b string, wantCode int, want string, args ...string) {
		t.Helper()
		hits.Store(0)
		tmp := t.TempDir()
		r := runBinary(t, bin, tmp, 2*time.Minute, nil, append([]string{"evidence", "verify", b}, args...)...)
		if r.code != wantCode || !strings.Contains(r.stdout+r.stderr, want) {
			t.Errorf("verify %v: exit %d, want %d and %q:\n%s%s", args, r.code, wantCode, want, r.stdout, r.stderr)
		}
		if n := hits.Load(); n != 0 {
			t.Errorf("verify %v: %d requests reached the listener", args, n)
		}
		// A bad signature stops verify before it extracts anything.
		if strings.HasPrefix(want, "manifest.sig") && r.tmpFiles > 0 {
			t.Errorf("verify %v: %d files extracted before the signature was checked", args, r.tmpFiles)
		}
		assertEmpty(t, tmp)
	}
	t.Run("recorded allow-builtin", func(t *testing.T) {
		verify(t, bundle, 2, "--allow-builtin http.send")
		verify(t, bundle, 2, "--allow-builtin http.send", "--pub", key+".pub")
		// Another opt-in is not this one.
		verify(t, bundle, 2, "--allow-builtin http.send", "--pub", key+".pub", "--allow-builtin", "opa.runtime")
	})
	t.Run("the verifier opts in", func(t *testing.T) {
		hits.Store(0)
		r := runBinary(t, bin, "", 2*time.Minute, nil, "evidence", "verify", bundle, "--pub", key+".pub", "--allow-builtin", "http.send")
		if r.code != 0 || hits.Load() == 0 {
			t.Errorf("verify --allow-builtin http.send: exit %d, %d requests: %s%s", r.code, hits.Load(), r.stdout, r.stderr)
		}
	})
	noAllow := func(b []byte) []byte {
		if !bytes.Contains(b, []byte(`"http.send"`)) {
			t.Fatalf("settings.json does not record the builtin: %s", b)
		}
		var s map[string]any
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatal(err)
		}
		delete(s, "allowBuiltins")
		out, _ := json.Marshal(s)
		return out
	}
	t.Run("settings edited", func(t *testing.T) {
		edited := edit(es, evidence.SettingsPath, noAllow)
		verify(t, writeBundle(t, edited), 1, "data/settings.json: SHA-256")
		// Hashes made consistent: the signature stops it, whatever the verifier allows.
		rehashed := rehash(t, edited, evidence.SettingsPath)
		verify(t, writeBundle(t, rehashed), 1, "manifest.sig does not verify", "--pub", key+".pub", "--allow-builtin", "http.send")
		// Without a signature check, the policy meets the strict sandbox.
		verify(t, writeBundle(t, without(rehashed, evidence.SignatureName)), 1, "undefined function http.send")
	})

	benign := filepath.Join(dir, "benign")
	if err := os.Mkdir(benign, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(benign, "exfil.rego"), []byte(benignControl), 0o600); err != nil {
		t.Fatal(err)
	}
	clean := filepath.Join(dir, "clean.tar.gz")
	if r := runBinary(t, bin, "", 2*time.Minute, nil, "evidence", "create", "--snapshot", sample, "--policy", benign, "--sign-key", key+".key", "-o", clean); r.code != 1 {
		t.Fatalf("create: exit %d: %s", r.code, r.stderr)
	}
	t.Run("policy edited", func(t *testing.T) {
		const rel = "policies/user/0/exfil.rego"
		cs := readBundle(t, clean)
		swapped := rehash(t, edit(cs, rel, func([]byte) []byte { return []byte(exfilControl(srv.URL + "/token")) }), rel)
		verify(t, writeBundle(t, edit(cs, rel, func([]byte) []byte { return []byte(exfilControl(srv.URL + "/token")) })), 1, rel+": ",
			"--allow-builtin", "http.send")
		verify(t, writeBundle(t, swapped), 1, "manifest.sig does not verify", "--pub", key+".pub", "--allow-builtin", "http.send")
		verify(t, writeBundle(t, without(swapped, evidence.SignatureName)), 1, "undefined function http.send")
		// The attacker records the opt-in too: refused unless the verifier gives it.
		allowed := rehash(t, edit(swapped, evidence.SettingsPath, func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"failOn"`), []byte(`"allowBuiltins": ["http.send"], "failOn"`), 1)
		}), evidence.SettingsPath)
		verify(t, writeBundle(t, without(allowed, evidence.SignatureName)), 2, "--allow-builtin http.send")
	})
	t.Run("interrupted during re-evaluation", func(t *testing.T) {
		const rel = "policies/user/0/exfil.rego"
		slow := strings.Replace(benignControl, `violation contains {"message": "has users"} if input.aggregates.users > 0`, `violation contains {"message": "never"} if {
	some i in numbers.range(1, 100000)
	some j in numbers.range(1, 100000)
	i * j == -1
}`, 1)
		b := writeBundle(t, without(rehash(t, edit(readBundle(t, clean), rel, func([]byte) []byte { return []byte(slow) }), rel), evidence.SignatureName))
		for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
			tmp := t.TempDir()
			start := time.Now()
			r := runBinary(t, bin, tmp, 2*time.Minute, func(p *os.Process) {
				time.Sleep(time.Second) // the sample's extraction takes milliseconds
				p.Signal(sig)
			}, "evidence", "verify", b)
			if r.code != exitInconclusive || strings.Contains(r.stdout, "OK") || strings.Contains(r.stdout, "FAIL") {
				t.Errorf("%v during re-evaluation: exit %d, want %d and no verdict on the bundle:\n%s%s", sig, r.code, exitInconclusive, r.stdout, r.stderr)
			}
			if took := time.Since(start); took > 30*time.Second {
				t.Errorf("%v: verify took %s to stop", sig, took)
			}
			assertEmpty(t, tmp)
		}
	})
}

// bombWriter writes a multi-member gzip stream in which every 16 MiB run
// of one byte value is a member compressed once: a test can write an
// archive that expands to gigabytes without compressing gigabytes.
type bombWriter struct {
	w     io.Writer
	buf   []byte
	cache map[byte][]byte
	err   error
}

const bombChunk = 16 << 20

func (b *bombWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), bombChunk-len(b.buf))
		b.buf = append(b.buf, p[:k]...)
		p = p[k:]
		if len(b.buf) == bombChunk {
			b.flush()
		}
	}
	return n, b.err
}

func (b *bombWriter) flush() {
	if len(b.buf) == 0 || b.err != nil {
		return
	}
	if len(b.buf) == bombChunk && bytes.Count(b.buf, b.buf[:1]) == bombChunk {
		m, ok := b.cache[b.buf[0]]
		if !ok {
			m = gzipped(b.buf)
			b.cache[b.buf[0]] = m
		}
		_, b.err = b.w.Write(m)
	} else {
		_, b.err = b.w.Write(gzipped(b.buf))
	}
	b.buf = b.buf[:0]
}

func gzipped(p []byte) []byte {
	var out bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&out, gzip.BestCompression)
	gz.Write(p)
	gz.Close()
	return out.Bytes()
}

// bombFile is an entry of a bomb: data, or size bytes of fill.
type bombFile struct {
	name string
	data []byte
	fill byte
	size int64
}

// writeBomb writes the archive of files to a new file and returns its path.
func writeBomb(t *testing.T, files []bombFile) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "bomb.tar.gz")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	bw := &bombWriter{w: f, cache: map[byte][]byte{}}
	tw := tar.NewWriter(bw)
	fill := make([]byte, 1<<20)
	for _, e := range files {
		size := e.size
		if e.data != nil {
			size = int64(len(e.data))
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: e.name, Mode: 0o600, Size: size}); err != nil {
			t.Fatal(err)
		}
		if e.data != nil {
			tw.Write(e.data)
			continue
		}
		for i := range fill {
			fill[i] = e.fill
		}
		for left := size; left > 0; left -= int64(len(fill)) {
			if _, err := tw.Write(fill[:min(left, int64(len(fill)))]); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	bw.flush()
	if bw.err != nil {
		t.Fatal(bw.err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestVerifyBombsWithBinary: a small archive that expands to gigabytes, or
// a manifest padded to one, is refused without filling TMPDIR or memory,
// and an interrupted verify leaves nothing behind.
func TestVerifyBombsWithBinary(t *testing.T) {
	bin := builtBinary(t)
	dir := t.TempDir()
	bundle := filepath.Join(dir, "b.tar.gz")
	if r := runBinary(t, bin, "", 2*time.Minute, nil, "evidence", "create", "--snapshot", sample, "-o", bundle); r.code != 1 {
		t.Fatalf("create: exit %d: %s", r.code, r.stderr)
	}
	es := readBundle(t, bundle)
	files := func(replace map[string]bombFile, extra ...bombFile) []bombFile {
		var out []bombFile
		for _, e := range es {
			if r, ok := replace[e.name]; ok {
				out = append(out, r)
				continue
			}
			out = append(out, bombFile{name: e.name, data: e.data})
		}
		return append(out, extra...)
	}
	const gib = 1 << 30
	const maxWritten, maxRSS = 64 << 20, polledRSS
	check := func(t *testing.T, name string, r binRun, code int, want string) {
		t.Helper()
		t.Logf("%s: exit %d, %d bytes in TMPDIR at most, peak RSS %d MiB", name, r.code, r.maxTmp, r.maxRSS>>20)
		if r.code != code || !strings.Contains(r.stdout+r.stderr, want) {
			t.Errorf("%s: exit %d, want %d and %q:\n%s%s", name, r.code, code, want, r.stdout, r.stderr)
		}
		if r.maxTmp >= maxWritten {
			t.Errorf("%s: %d bytes written to TMPDIR, want < %d", name, r.maxTmp, maxWritten)
		}
		if r.maxRSS >= maxRSS {
			t.Errorf("%s: peak RSS %d bytes, want < %d", name, r.maxRSS, maxRSS)
		}
	}

	t.Run("two 1 GiB zero entries", func(t *testing.T) {
		zero := func(name string) bombFile { return bombFile{name: name, size: gib} }
		noManifest := writeBomb(t, []bombFile{zero("snapshot.json"), zero("results/results.html")})
		inBundle := writeBomb(t, files(map[string]bombFile{"snapshot.json": zero("snapshot.json")}, zero("zzz.bin")))
		for _, p := range []string{noManifest, inBundle} {
			st, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if st.Size() > 4<<20 {
				t.Fatalf("the bomb is %d bytes, want about 2 MB", st.Size())
			}
		}
		tmp := t.TempDir()
		check(t, "without a manifest", runBinary(t, bin, tmp, 2*time.Minute, nil, "evidence", "verify", noManifest), 2, "manifest.json is missing")
		assertEmpty(t, tmp)
		r := runBinary(t, bin, tmp, 2*time.Minute, nil, "evidence", "verify", inBundle)
		check(t, "in a real bundle", r, 1, "zzz.bin is in the bundle but not in the manifest")
		if !strings.Contains(r.stdout, fmt.Sprintf("snapshot.json: %d bytes, longer than the", gib)) {
			t.Errorf("the oversize snapshot is not named:\n%s", r.stdout)
		}
		assertEmpty(t, tmp)
		check(t, "over --max-bundle-bytes", runBinary(t, bin, tmp, 2*time.Minute, nil, "evidence", "verify", inBundle, "--max-bundle-bytes", "1000000"), 2, "--max-bundle-bytes")
		assertEmpty(t, tmp)
	})

	t.Run("manifest padded with 1 GiB of spaces", func(t *testing.T) {
		padded := writeBomb(t, files(map[string]bombFile{evidence.ManifestName: {name: evidence.ManifestName, fill: ' ', size: gib}}))
		tmp := t.TempDir()
		start := time.Now()
		r := runBinary(t, bin, tmp, 2*time.Minute, nil, "evidence", "verify", padded)
		check(t, "padded manifest", r, 2, fmt.Sprintf(`"manifest.json": %d bytes, more than the limit of %d`, gib, evidence.DefaultMaxManifest))
		t.Logf("refused in %s", time.Since(start))
		assertEmpty(t, tmp)
	})

	t.Run("interrupted", func(t *testing.T) {
		// A listed 512 MiB snapshot takes a while to extract: interrupt
		// verify once its extraction folder holds a file.
		const size = 512 << 20
		sum := sha256.New()
		zeros := make([]byte, 1<<20)
		for i := 0; i < size/len(zeros); i++ {
			sum.Write(zeros)
		}
		listed := rehashTo(t, es, evidence.SnapshotPath, hex.EncodeToString(sum.Sum(nil)), size)
		p := writeBomb(t, func() []bombFile {
			var out []bombFile
			for _, e := range listed {
				if e.name == evidence.SnapshotPath {
					out = append(out, bombFile{name: e.name, size: size})
					continue
				}
				out = append(out, bombFile{name: e.name, data: e.data})
			}
			return out
		}())
		for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
			tmp := t.TempDir()
			r := runBinary(t, bin, tmp, 2*time.Minute, func(p *os.Process) { p.Signal(sig) }, "evidence", "verify", p)
			if r.code != exitInconclusive || strings.Contains(r.stdout, "OK") {
				t.Errorf("%v mid-verify: exit %d, want %d:\n%s%s", sig, r.code, exitInconclusive, r.stdout, r.stderr)
			}
			if r.tmpFiles == 0 {
				t.Errorf("%v: nothing was extracted before the signal", sig)
			}
			assertEmpty(t, tmp)
		}
	})
}

// rehashTo rewrites manifest.json so that it lists name with sum and size.
func rehashTo(t *testing.T, es []entry, name, sum string, size int64) []entry {
	t.Helper()
	return edit(es, evidence.ManifestName, func(b []byte) []byte {
		var m evidence.Manifest
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for i := range m.Files {
			if m.Files[i].Path == name {
				m.Files[i].SHA256, m.Files[i].Size = sum, size
			}
		}
		out, err := evidence.MarshalManifest(&m)
		if err != nil {
			t.Fatal(err)
		}
		return out
	})
}
