package gate

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authgate/authgate/evidence"
	"github.com/authgate/authgate/result"
)

// createSample writes a bundle of the sample snapshot and returns its path.
func createSample(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	p, err := Prepare(ctx, Options{Snapshot: sample, Tool: result.Tool{Name: "authgate", Version: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "b.tar.gz")
	if _, err := CreateBundle(ctx, p, out, BuildInfo{}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCreateBundleMode: a bundle holds the whole snapshot, so it is its
// owner's only, as snapshots are.
func TestCreateBundleMode(t *testing.T) {
	st, err := os.Stat(createSample(t))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("bundle mode %v, want 0600", st.Mode())
	}
}

// cancelOnceDir is a context that reports itself cancelled once dir holds
// an entry: an interrupt that arrives while verify extracts.
type cancelOnceDir struct {
	context.Context
	dir string
}

func (c cancelOnceDir) Err() error {
	if es, _ := os.ReadDir(c.dir); len(es) > 0 {
		return context.Canceled
	}
	return nil
}

// TestVerifyBundleInterrupted: an interrupt during extraction is no verdict
// (the context's error) and the extraction folder is removed.
func TestVerifyBundleInterrupted(t *testing.T) {
	b := createSample(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	v, err := VerifyBundle(cancelOnceDir{context.Background(), tmp}, b, VerifyOptions{})
	if v != nil || !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("VerifyBundle = %+v, %v; want the interrupt", v, err)
	}
	if es, _ := os.ReadDir(tmp); len(es) > 0 {
		t.Errorf("%s left behind", es[0].Name())
	}
	if v, err := VerifyBundle(context.Background(), b, VerifyOptions{}); err != nil || len(v.Problems) > 0 {
		t.Errorf("uninterrupted: %+v, %v", v, err)
	}
}

// TestBundleSandbox: verify re-evaluates with what the bundle recorded only
// when the verifier allowed each builtin itself, by name or family.
func TestBundleSandbox(t *testing.T) {
	for _, tc := range []struct {
		recorded, verifier []string
		missing            string // "" when allowed
	}{
		{nil, nil, ""},
		{nil, []string{"http.send"}, ""},
		{[]string{"http.send"}, nil, "--allow-builtin http.send"},
		{[]string{"http.send", "opa.runtime"}, []string{"opa.runtime"}, "records --allow-builtin http.send:"},
		{[]string{"net.lookup_ip_addr"}, []string{"net.*"}, ""},
		{[]string{"net.*"}, []string{"net.lookup_ip_addr"}, "--allow-builtin net.*"},
	} {
		st := evidence.Staged{Dir: t.TempDir()}
		if err := st.WriteJSON(evidence.SettingsPath, evidence.Settings{FailOn: "high", AllowBuiltins: tc.recorded}); err != nil {
			t.Fatal(err)
		}
		allow, err := bundleSandbox(st, tc.verifier)
		var ie *InputError
		switch {
		case tc.missing == "" && (err != nil || len(allow) != len(tc.recorded)):
			t.Errorf("recorded %v, verifier %v: %v, %v; want the recorded sandbox", tc.recorded, tc.verifier, allow, err)
		case tc.missing != "" && (!errors.As(err, &ie) || !strings.Contains(err.Error(), tc.missing)):
			t.Errorf("recorded %v, verifier %v: %v; want an InputError naming %s", tc.recorded, tc.verifier, err, tc.missing)
		}
	}
	if _, err := VerifyBundle(context.Background(), "x.tar.gz", VerifyOptions{AllowBuiltins: []string{"time.now"}}); err == nil || !strings.Contains(err.Error(), `--allow-builtin "time.now"`) {
		t.Errorf("verify --allow-builtin time.now: %v", err)
	}
}

// TestCreateBundleAgreesWithCheck: check --evidence gives CreateBundle its
// own outcome; a bundle that would record other findings is not written.
func TestCreateBundleAgreesWithCheck(t *testing.T) {
	ctx := context.Background()
	p, err := Prepare(ctx, Options{Snapshot: sample})
	if err != nil {
		t.Fatal(err)
	}
	o, err := Run(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "b.tar.gz")
	if _, err := CreateBundleMatching(ctx, p, out, BuildInfo{}, o); err != nil {
		t.Fatalf("the check's own outcome: %v", err)
	}
	if d := Disagreements(o.Result, o.Result); d != nil {
		t.Errorf("a result disagrees with itself: %v", d)
	}
	var failing int
	for i, c := range o.Result.Controls {
		if len(c.Violations) > 1 {
			failing = i
			break
		}
	}
	other := *o.Result
	other.Controls = append([]result.Control(nil), o.Result.Controls...)
	c := &other.Controls[failing]
	c.Violations = append([]result.Violation(nil), c.Violations[1:]...)
	other.Verdict = result.VerdictPass
	if d := Disagreements(o.Result, &other); len(d) != 2 || !strings.Contains(d[0], "verdict fail, not pass") || !strings.Contains(d[1], c.ID) {
		t.Errorf("Disagreements = %q, want the verdict and %s", d, c.ID)
	}
	out2 := filepath.Join(t.TempDir(), "b.tar.gz")
	if _, err := CreateBundleMatching(ctx, p, out2, BuildInfo{}, &Outcome{Result: &other}); err == nil || !strings.Contains(err.Error(), "disagrees") {
		t.Errorf("another outcome: %v", err)
	}
	if _, err := os.Stat(out2); err == nil {
		t.Error("a bundle that disagrees with the check was written")
	}
}

// sawDir is a context that records whether dir ever held an entry while
// the code under test asked it whether to go on.
type sawDir struct {
	context.Context
	dir  string
	seen *bool
}

func (c sawDir) Err() error {
	if es, _ := os.ReadDir(c.dir); len(es) > 0 {
		*c.seen = true
	}
	return nil
}

// TestVerifyBundleChecksSignatureFirst: with a key, a bundle signed by
// another is reported without a byte being extracted.
func TestVerifyBundleChecksSignatureFirst(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	priv, _, err := evidence.Keygen(filepath.Join(dir, "signer"))
	if err != nil {
		t.Fatal(err)
	}
	_, otherPub, err := evidence.Keygen(filepath.Join(dir, "other"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "b.tar.gz")
	p, err := Prepare(ctx, Options{Snapshot: sample, Evidence: out, SignKey: priv})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CreateBundle(ctx, p, out, BuildInfo{}); err != nil {
		t.Fatal(err)
	}
	pub, err := evidence.LoadPublicKey(otherPub)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	var seen bool
	v, err := VerifyBundle(sawDir{ctx, tmp, &seen}, out, VerifyOptions{Pub: pub})
	if err != nil || len(v.Problems) != 1 || !strings.Contains(v.Problems[0], "manifest.sig does not verify") {
		t.Fatalf("another key: %+v, %v", v, err)
	}
	if seen {
		t.Error("files were extracted before the signature was checked")
	}
	// The recorder does see an extraction when the signature holds.
	signer, err := evidence.LoadPublicKey(filepath.Join(dir, "signer.pub"))
	if err != nil {
		t.Fatal(err)
	}
	if v, err := VerifyBundle(sawDir{ctx, tmp, &seen}, out, VerifyOptions{Pub: signer}); err != nil || len(v.Problems) > 0 || !seen {
		t.Errorf("the signer's key: %+v, %v, extraction seen %t", v, err, seen)
	}
}
