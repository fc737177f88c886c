package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/authgate/authgate/evidence"
	"github.com/authgate/authgate/pseudonym"
	"github.com/authgate/authgate/snapshot"
	"github.com/authgate/authgate/trend/trendtest"
)

// entry is one file of a bundle read back.
type entry struct {
	name string
	data []byte
}

func readBundle(t *testing.T, p string) []entry {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var out []entry
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		out = append(out, entry{h.Name, b})
	}
}

func writeBundle(t *testing.T, es []entry, extra ...*tar.Header) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tampered.tar.gz")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	for _, e := range es {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: e.name, Mode: 0o644, Size: int64(len(e.data))})
		tw.Write(e.data)
	}
	for _, h := range extra {
		tw.WriteHeader(h)
	}
	tw.Close()
	gz.Close()
	f.Close()
	return p
}

// edit returns a copy of es with fn applied to the named entry's data.
func edit(es []entry, name string, fn func([]byte) []byte) []entry {
	out := make([]entry, 0, len(es))
	for _, e := range es {
		if e.name == name {
			e.data = fn(bytes.Clone(e.data))
		}
		out = append(out, e)
	}
	return out
}

func flipByte(b []byte) []byte { b[len(b)/2] ^= 0x20; return b }

// rehash rewrites manifest.json so that name's hash matches its data (an
// attacker without the signing key can do that on an unsigned bundle).
func rehash(t *testing.T, es []entry, name string) []entry {
	t.Helper()
	var data []byte
	for _, e := range es {
		if e.name == name {
			data = e.data
		}
	}
	return edit(es, evidence.ManifestName, func(b []byte) []byte {
		var m evidence.Manifest
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for i := range m.Files {
			if m.Files[i].Path == name {
				sum := sha256.Sum256(data)
				m.Files[i].SHA256, m.Files[i].Size = hex.EncodeToString(sum[:]), int64(len(data))
			}
		}
		out, err := evidence.MarshalManifest(&m)
		if err != nil {
			t.Fatal(err)
		}
		return out
	})
}

func without(es []entry, name string) []entry {
	var out []entry
	for _, e := range es {
		if e.name != name {
			out = append(out, e)
		}
	}
	return out
}

func TestEvidenceEndToEnd(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "auditor")
	if code, _, stderr := cli(t, "evidence", "keygen", "-o", key); code != 0 {
		t.Fatalf("keygen: exit %d: %s", code, stderr)
	}
	other := filepath.Join(dir, "other")
	cli(t, "evidence", "keygen", "-o", other)
	oldSnap, newSnap, err := trendtest.WritePair(dir)
	if err != nil {
		t.Fatal(err)
	}
	waiverFile := filepath.Join(dir, "waivers.yaml")
	os.WriteFile(waiverFile, []byte("waivers:\n  - control: AM-TRD-02\n    subject: admin.lost@contoso.example\n    reason: key replaced this week\n    owner: secops@contoso.example\n    expires: \"2026-11-20\"\n"), 0o600)
	args := func(out string) []string {
		return []string{"evidence", "create", "--snapshot", newSnap, "--baseline", oldSnap, "-o", out, "--sign-key", key + ".key",
			"--policy", "../../testdata/policies", "--set", "passwordless_min=0.3", "--waivers", waiverFile, "--fail-on", "critical"}
	}
	b1, b2 := filepath.Join(dir, "b1.tar.gz"), filepath.Join(dir, "b2.tar.gz")
	code, stdout, stderr := cli(t, args(b1)...)
	if code != 0 && code != 1 {
		t.Fatalf("create: exit %d: %s %s", code, stdout, stderr)
	}
	cli(t, args(b2)...)
	x, _ := os.ReadFile(b1)
	y, _ := os.ReadFile(b2)
	if !bytes.Equal(x, y) {
		t.Fatal("two bundles of the same input differ")
	}
	es := readBundle(t, b1)
	var names []string
	for _, e := range es {
		names = append(names, e.name)
	}
	for _, want := range []string{"baseline.json", "data/params.json", "data/settings.json", "data/waivers.yaml", "manifest.json", "manifest.sig",
		"policies/builtin/trend_admin_mfa_lost.rego", "policies/data/taxonomy.json", "policies/lib/authgate.rego", "policies/user/0/acme/contractors.rego",
		"results/results.html", "results/results.json", "results/results.junit.xml", "results/results.md", "results/results.sarif", "snapshot.json"} {
		if !strings.Contains(" "+strings.Join(names, " ")+" ", " "+want+" ") {
			t.Errorf("bundle lacks %s", want)
		}
	}
	var results struct {
		Controls []struct {
			ID         string `json:"id"`
			Status     string `json:"status"`
			Violations []struct {
				Waiver any `json:"waiver"`
			} `json:"violations"`
		} `json:"controls"`
	}
	for _, e := range es {
		if e.name == "results/results.json" {
			json.Unmarshal(e.data, &results)
		}
	}
	for _, c := range results.Controls {
		if c.ID == "AM-TRD-02" && (c.Status != "pass" || len(c.Violations) != 1 || c.Violations[0].Waiver == nil) {
			t.Errorf("AM-TRD-02 = %+v, want one waived violation (the baseline and waivers are bundled)", c)
		}
	}

	if code, stdout, _ := cli(t, "evidence", "verify", b1, "--pub", key+".pub"); code != 0 || !strings.Contains(stdout, "signature verified") {
		t.Fatalf("verify clean bundle: exit %d: %s", code, stdout)
	}
	if code, stdout, _ := cli(t, "evidence", "verify", b1); code != 0 || !strings.Contains(stdout, "NOT checked") {
		t.Errorf("verify without --pub: exit %d: %s", code, stdout)
	}

	otherSig := readBundle(t, b1)
	tampered := []struct {
		name string
		es   []entry
		pub  string
		want string
	}{
		{"changed snapshot byte", edit(es, "snapshot.json", flipByte), key, "snapshot.json: SHA-256"},
		{"changed results byte", edit(es, "results/results.sarif", flipByte), key, "results/results.sarif: SHA-256"},
		{"changed policy", edit(es, "policies/builtin/admin_mfa_capable.rego", flipByte), key, "policies/builtin/admin_mfa_capable.rego: SHA-256"},
		{"changed params", edit(es, "data/params.json", func([]byte) []byte { return []byte("{\"passwordless_min\": 0.9}\n") }), key, "data/params.json: SHA-256"},
		{"removed file", without(es, "data/waivers.yaml"), key, "data/waivers.yaml is in the manifest but missing from the bundle"},
		{"added file", append(slicesClone(es), entry{"results/extra.txt", []byte("x")}), key, "results/extra.txt is in the bundle but not in the manifest"},
		{"swapped signature", edit(otherSig, evidence.SignatureName, func([]byte) []byte { return evidence.Sign(loadKey(t, other+".key"), []byte("x")) }), key, "manifest.sig does not verify"},
		{"wrong key", es, other, "manifest.sig does not verify"},
		{"removed signature", without(es, evidence.SignatureName), key, "manifest.sig is missing"},
		// Without the signature check, consistent edits pass the hashes but not the re-evaluation.
		{"forged results", rehash(t, edit(es, "results/results.json", func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"verdict": "fail"`), []byte(`"verdict": "pass"`), 1)
		}), "results/results.json"), "", "re-evaluation gives verdict fail, results/results.json says pass"},
		{"forged policy", rehash(t, edit(es, "policies/builtin/admin_mfa_capable.rego", func(b []byte) []byte {
			if !bytes.Contains(b, []byte("not u.isMfaCapable")) {
				t.Fatal("admin_mfa_capable.rego no longer has the condition this case forges")
			}
			return bytes.Replace(b, []byte("not u.isMfaCapable"), []byte("u.isMfaCapable"), 1)
		}), "policies/builtin/admin_mfa_capable.rego"), "", "AM-ADM-01: re-evaluation gives"},
	}
	for _, tt := range tampered {
		t.Run(tt.name, func(t *testing.T) {
			p := writeBundle(t, tt.es)
			args := []string{"evidence", "verify", p}
			if tt.pub != "" {
				args = append(args, "--pub", tt.pub+".pub")
			}
			code, stdout, stderr := cli(t, args...)
			if code != 1 || !strings.Contains(stdout, tt.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 and %q", code, stdout, stderr, tt.want)
			}
		})
	}
	t.Run("unsafe archive", func(t *testing.T) {
		for _, h := range []*tar.Header{
			{Typeflag: tar.TypeReg, Name: "../escape.txt", Size: 0},
			{Typeflag: tar.TypeSymlink, Name: "results/link", Linkname: "/etc/passwd"},
		} {
			code, _, stderr := cli(t, "evidence", "verify", writeBundle(t, es, h))
			if code != 2 || !strings.Contains(stderr, h.Name) {
				t.Errorf("%s: exit %d, stderr %q; want exit 2 naming the entry", h.Name, code, stderr)
			}
		}
	})
}

func slicesClone(es []entry) []entry { return append([]entry(nil), es...) }

func loadKey(t *testing.T, p string) []byte {
	t.Helper()
	k, err := evidence.LoadPrivateKey(p)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestPseudonymizedBundle creates a pseudonymised bundle of the sample and
// searches every byte of every file for the sample's ids, UPNs and display
// names; the bundle verifies without the key, and reveal maps the tokens of
// its results back for the key holder.
func TestPseudonymizedBundle(t *testing.T) {
	t.Setenv(pseudonym.EnvKey, "a-long-enough-test-pseudonym-key")
	dir := t.TempDir()
	b := filepath.Join(dir, "p.tar.gz")
	code, stdout, stderr := cli(t, "evidence", "create", "--snapshot", sample, "-o", b, "--pseudonymize",
		"--set", "break_glass_accounts=[breakglass01@contoso.example]")
	if code != 1 {
		t.Fatalf("create: exit %d: %s %s", code, stdout, stderr)
	}
	doc, _, err := snapshot.Load(context.Background(), sample)
	if err != nil {
		t.Fatal(err)
	}
	var ids, names []string
	for _, u := range doc.UserRegistrationDetails {
		ids = append(ids, strings.ToLower(u.ID), strings.ToLower(u.UserPrincipalName))
		names = append(names, u.UserDisplayName)
	}
	var resultsJSON []byte
	for _, e := range readBundle(t, b) {
		lower := bytes.ToLower(e.data)
		for _, id := range ids {
			if bytes.Contains(lower, []byte(id)) {
				t.Errorf("%s contains %q", e.name, id)
			}
		}
		for _, n := range names {
			if bytes.Contains(e.data, []byte(n)) {
				t.Errorf("%s contains %q", e.name, n)
			}
		}
		if e.name == "results/results.json" {
			resultsJSON = e.data
		}
	}
	t.Setenv(pseudonym.EnvKey, "")
	if code, stdout, _ := cli(t, "evidence", "verify", b); code != 0 {
		t.Fatalf("verify without the key: exit %d: %s", code, stdout)
	}
	tokens := regexp.MustCompile(`pn_[a-z2-7]{16}`).FindAllString(string(resultsJSON), 3)
	if len(tokens) == 0 {
		t.Fatal("no token in the results")
	}
	t.Setenv(pseudonym.EnvKey, "a-long-enough-test-pseudonym-key")
	code, stdout, _ = cli(t, append([]string{"reveal", "--snapshot", sample}, tokens...)...)
	if code != 0 || strings.Contains(stdout, "not found") || !strings.Contains(stdout, "@contoso.example") {
		t.Errorf("reveal: exit %d:\n%s", code, stdout)
	}
	if code, _, stderr := cli(t, "reveal", "--snapshot", sample, "not-a-token"); code != 2 {
		t.Errorf("reveal of a non-token: exit %d %s", code, stderr)
	}
}

// TestCheckAuditFlags covers the flags check (and run) gained: every
// pseudonymised output free of the sample's ids, UPNs and display names and
// stable across runs; --baseline adding the trend controls and the trend
// chart; --evidence writing a bundle that verifies.
func TestCheckAuditFlags(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(pseudonym.EnvKey, "a-long-enough-test-pseudonym-key")
	t.Run("pseudonymize", func(t *testing.T) {
		doc, _, err := snapshot.Load(context.Background(), sample)
		if err != nil {
			t.Fatal(err)
		}
		outputs := func(run string) map[string]string {
			out := map[string]string{}
			args := []string{"check", "--snapshot", sample, "--pseudonymize", "--set", "break_glass_accounts=[breakglass01@contoso.example, BREAKGLASS02@contoso.example]", "--format", "text", "-o", filepath.Join(dir, run+".txt")}
			out["text"] = filepath.Join(dir, run+".txt")
			for _, f := range []string{"json", "sarif", "junit", "markdown", "github", "html"} {
				p := filepath.Join(dir, run+"."+f)
				out[f] = p
				args = append(args, "--output", f+"="+p)
			}
			if code, _, stderr := cli(t, args...); code != 1 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			return out
		}
		first, second := outputs("a"), outputs("b")
		for f, p := range first {
			b, _ := os.ReadFile(p)
			lower := bytes.ToLower(b)
			for _, u := range doc.UserRegistrationDetails {
				for _, id := range []string{u.ID, u.UserPrincipalName} {
					if bytes.Contains(lower, []byte(strings.ToLower(id))) {
						t.Errorf("%s output contains %q", f, id)
					}
				}
				if bytes.Contains(b, []byte(u.UserDisplayName)) {
					t.Errorf("%s output contains %q", f, u.UserDisplayName)
				}
			}
			if f == "sarif" {
				c, _ := os.ReadFile(second[f])
				if !bytes.Equal(b, c) {
					t.Error("two pseudonymised runs give different SARIF (fingerprints must be stable for one key)")
				}
			}
		}
		t.Setenv(pseudonym.EnvKey, "")
		if code, _, stderr := cli(t, "check", "--snapshot", sample, "--pseudonymize"); code != 2 || !strings.Contains(stderr, pseudonym.EnvKey) {
			t.Errorf("no key: exit %d %s", code, stderr)
		}
		t.Setenv(pseudonym.EnvKey, "a-long-enough-test-pseudonym-key")
	})
	oldSnap, newSnap, err := trendtest.WritePair(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("baseline", func(t *testing.T) {
		html := filepath.Join(dir, "trend.html")
		code, stdout, stderr := cli(t, "check", "--snapshot", newSnap, "--baseline", oldSnap, "--output", "html="+html)
		if code != 1 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		for _, want := range []string{"WARN     medium    AM-TRD-01", "FAIL     high      AM-TRD-02", "admin.lost@contoso.example was MFA-capable", "admin.newweak@contoso.example is new since the baseline"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("stdout lacks %q", want)
			}
		}
		b, _ := os.ReadFile(html)
		if !bytes.Contains(b, []byte(`id="chart-trend"`)) || !bytes.Contains(b, []byte(">2026-10-01<")) {
			t.Error("html has no coverage-over-time chart with the baseline's date")
		}
	})
	t.Run("evidence", func(t *testing.T) {
		key := filepath.Join(dir, "k")
		cli(t, "evidence", "keygen", "-o", key)
		bundle := filepath.Join(dir, "check.tar.gz")
		code, _, stderr := cli(t, "check", "--snapshot", newSnap, "--baseline", oldSnap, "--evidence", bundle, "--sign-key", key+".key", "--format", "json")
		if code != 1 || !strings.Contains(stderr, "evidence bundle "+bundle) {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if st, err := os.Stat(bundle); err != nil {
			t.Error(err)
		} else if st.Mode().Perm() != 0o600 {
			t.Errorf("check --evidence: bundle mode %v, want 0600", st.Mode())
		}
		if code, stdout, _ := cli(t, "evidence", "verify", bundle, "--pub", key+".pub"); code != 0 {
			t.Errorf("verify: exit %d: %s", code, stdout)
		}
		if code, _, stderr := cli(t, "check", "--snapshot", newSnap, "--sign-key", key+".key"); code != 2 || !strings.Contains(stderr, "--evidence") {
			t.Errorf("--sign-key alone: exit %d %s", code, stderr)
		}
	})
}
