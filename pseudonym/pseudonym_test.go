package pseudonym_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/internal/evaltest"
	"github.com/authgate/authgate/pseudonym"
	"github.com/authgate/authgate/reports"
	"github.com/authgate/authgate/result"
	"github.com/authgate/authgate/snapshot"
	"github.com/authgate/authgate/trend/trendtest"
	"github.com/google/go-cmp/cmp"
)

const sample = "../testdata/sample.snapshot.json"

var testKey = []byte("0123456789abcdef-test-key")

func newP(t *testing.T, key []byte) *pseudonym.Pseudonymizer {
	t.Helper()
	p, err := pseudonym.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// identifiers returns every id and UPN ("id:" prefix) and display name
// ("name:" prefix) of the snapshot.
func identifiers(t *testing.T, path string) []string {
	t.Helper()
	doc, _, err := snapshot.Load(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, u := range doc.UserRegistrationDetails {
		out = append(out, "id:"+u.ID, "id:"+u.UserPrincipalName, "name:"+u.UserDisplayName)
	}
	return out
}

func evaluate(t *testing.T, path string, params map[string]any) *result.Result {
	t.Helper()
	return evaltest.Evaluate(t, path, evaluator.WithParams(params))
}

func render(t *testing.T, r *result.Result) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, f := range reports.Formats() {
		w, err := reports.New(f, reports.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := w.Write(&b, r); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[f] = b.Bytes()
	}
	return out
}

// leaks returns the identifiers found in b: ids and UPNs case-insensitively,
// display names as written.
func leaks(b []byte, ids []string) []string {
	lower := bytes.ToLower(b)
	var out []string
	for _, id := range ids {
		if v, ok := strings.CutPrefix(id, "id:"); ok && v != "" && bytes.Contains(lower, []byte(strings.ToLower(v))) {
			out = append(out, v)
		}
		if v, ok := strings.CutPrefix(id, "name:"); ok && v != "" && bytes.Contains(b, []byte(v)) {
			out = append(out, v)
		}
	}
	return out
}

var breakGlass = map[string]any{"break_glass_accounts": []any{"breakglass01@contoso.example", "BREAKGLASS02@contoso.example"}}

func TestTokens(t *testing.T) {
	p := newP(t, testKey)
	tok := p.ID("Ana.Lima@Contoso.example")
	if !regexp.MustCompile(`^pn_[a-z2-7]{16}$`).MatchString(tok) || !pseudonym.IsToken(tok) {
		t.Errorf("token %q has the wrong shape", tok)
	}
	m := hmac.New(sha256.New, testKey)
	m.Write([]byte("ana.lima@contoso.example"))
	if want := "pn_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(m.Sum(nil)[:10])); tok != want {
		t.Errorf("token %q, want %q (the documented HMAC-SHA256, base32, lower case)", tok, want)
	}
	if p.ID("ÅSA@contoso.example") != p.ID("åsa@contoso.example") {
		t.Error("non-ASCII ids must ignore case too")
	}
	if p.ID("ana.lima@contoso.example") != tok {
		t.Error("UPN tokens must ignore case")
	}
	if newP(t, testKey).ID("x@y.z") != p.ID("x@y.z") {
		t.Error("same key, different token")
	}
	if newP(t, []byte("another-key-of-16+bytes")).ID("x@y.z") == p.ID("x@y.z") {
		t.Error("different keys give the same token")
	}
	if p.Name("Ana Lima") == p.Name("ana lima") {
		t.Error("display names are taken as written")
	}
	if got, want := p.UPN("Ana.Lima@Contoso.example"), p.ID("ana.lima")+"@contoso.example"; got != want || !pseudonym.IsToken(got) {
		t.Errorf("UPN = %q, want %q (the local part's token and the domain)", got, want)
	}
	if p.Text("owner: Ana.Lima@contoso.example", nil, nil) != "owner: "+p.UPN("ana.lima@contoso.example") {
		t.Error("Text must pseudonymise UPNs as UPN does")
	}
	if up := p.UPN("ana@contoso.example"); p.Text(up, nil, nil) != up {
		t.Error("Text pseudonymised a pseudonymised UPN again")
	}
	if _, err := pseudonym.New([]byte("short")); err == nil {
		t.Error("short key accepted")
	}
}

func TestLoadKey(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "key")
	if err := os.WriteFile(file, append(testKey, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(pseudonym.EnvKey, "")
	if _, err := pseudonym.LoadKey(""); err == nil || !strings.Contains(err.Error(), pseudonym.EnvKey) {
		t.Errorf("no key: err = %v", err)
	}
	p, err := pseudonym.LoadKey(file)
	if err != nil {
		t.Fatal(err)
	}
	if p.ID("a@b.c") != newP(t, testKey).ID("a@b.c") {
		t.Error("the key file's trailing newline is part of the key")
	}
	t.Setenv(pseudonym.EnvKey, string(testKey))
	if p, err := pseudonym.LoadKey(""); err != nil || p.ID("a@b.c") != newP(t, testKey).ID("a@b.c") {
		t.Errorf("env key: %v", err)
	}
	t.Setenv(pseudonym.EnvKey, "too-short")
	if _, err := pseudonym.LoadKey(""); err == nil || strings.Contains(err.Error(), "too-short") {
		t.Errorf("short env key: err = %v (must refuse without echoing the key)", err)
	}
}

// TestViewLeaksNothing evaluates the pseudonymised view of the sample
// snapshot, renders every format and searches the bytes for every id, UPN
// and display name of the snapshot.
func TestViewLeaksNothing(t *testing.T) {
	ids := identifiers(t, sample)
	before := render(t, evaluate(t, sample, breakGlass))
	if len(leaks(before["json"], ids)) == 0 {
		t.Fatal("the plain json output names no user: the test proves nothing")
	}
	p := newP(t, testKey)
	bg := p.Value(breakGlass["break_glass_accounts"], nil)
	view := func() *result.Result {
		return evaltest.Evaluate(t, sample, evaluator.WithParams(map[string]any{"break_glass_accounts": bg}), evaluator.WithRewrite(p))
	}
	r := view()
	for f, b := range render(t, r) {
		if l := leaks(b, ids); len(l) > 0 {
			t.Errorf("%s output leaks %d identifiers, e.g. %q", f, len(l), l[0])
		}
		if f == "json" && !bytes.Contains(b, []byte(r.Snapshot.TenantID)) {
			t.Error("the tenant id must stay")
		}
	}
	// Same key, same fingerprints: the sarif of two runs is identical.
	if !bytes.Equal(render(t, view())["sarif"], render(t, r)["sarif"]) {
		t.Error("two pseudonymised runs with one key differ")
	}
	// Only names changed: the verdict and every control's count are the
	// original's.
	orig := evaluate(t, sample, breakGlass)
	for i := range orig.Controls {
		if a, b := len(orig.Controls[i].Violations), len(r.Controls[i].Violations); a != b {
			t.Errorf("%s: %d violations, %d in the view", orig.Controls[i].ID, a, b)
		}
	}
}

func TestSnapshotAndReveal(t *testing.T) {
	ctx := context.Background()
	p := newP(t, testKey)
	dst := filepath.Join(t.TempDir(), "pseudo.json")
	if err := p.Snapshot(ctx, sample, dst, snapshot.ScanOptions{}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	ids := identifiers(t, sample)
	if l := leaks(raw, ids); len(l) > 0 {
		t.Errorf("pseudonymised snapshot leaks %q", l[0])
	}
	// Same verdict and counts: only names changed.
	a, b := evaluate(t, sample, nil), evaluate(t, dst, nil)
	if a.Verdict != b.Verdict || len(a.Controls) != len(b.Controls) {
		t.Fatalf("verdict %s vs %s", a.Verdict, b.Verdict)
	}
	for i := range a.Controls {
		if len(a.Controls[i].Violations) != len(b.Controls[i].Violations) {
			t.Errorf("%s: %d vs %d violations", a.Controls[i].ID, len(a.Controls[i].Violations), len(b.Controls[i].Violations))
		}
	}
	// reveal maps the tokens of the pseudonymised result back.
	var tokens []string
	for _, c := range b.Controls {
		for _, v := range c.Violations {
			if v.Subject != nil {
				tokens = append(tokens, v.Subject.ID, v.Subject.UserPrincipalName, v.Subject.DisplayName)
			}
		}
	}
	if len(tokens) == 0 {
		t.Fatal("no subject to reveal")
	}
	got, err := p.Reveal(ctx, sample, append(tokens, "pn_aaaaaaaaaaaaaaaa"), snapshot.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range tokens {
		ms := got[tok]
		if len(ms) == 0 {
			t.Errorf("token %s not revealed", tok)
			continue
		}
		if p.ID(ms[0].Value) != tok && p.UPN(ms[0].Value) != tok && p.Name(ms[0].Value) != tok {
			t.Errorf("token %s revealed as %+v", tok, ms[0])
		}
	}
	if _, ok := got["pn_aaaaaaaaaaaaaaaa"]; ok {
		t.Error("an unknown token was revealed")
	}
	if g, err := newP(t, []byte("another-key-of-16+bytes")).Reveal(ctx, sample, tokens, snapshot.ScanOptions{}); err != nil || len(g) != 0 {
		t.Errorf("a wrong key revealed %d tokens (err %v)", len(g), err)
	}
}

// TestSnapshotKeepsUsage: the pseudonymised copy keeps the usage section
// (counts, no identifiers), so the usage controls judge the copy as they
// judge the original.
func TestSnapshotKeepsUsage(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "usage.json"), filepath.Join(dir, "pseudo.json")
	if err := trendtest.WriteWithUsage(src, false, trendtest.NewUsage()); err != nil {
		t.Fatal(err)
	}
	if err := newP(t, testKey).Snapshot(ctx, src, dst, snapshot.ScanOptions{}); err != nil {
		t.Fatal(err)
	}
	scan := func(p string) *snapshot.Usage {
		info, err := snapshot.Scan(ctx, p, snapshot.ScanOptions{}, func([]snapshot.UserRegistrationDetails) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		if info.Usage == nil {
			t.Fatalf("%s has no usage section", filepath.Base(p))
		}
		u := *info.Usage
		u.Offset = 0 // where it sits in each file
		return &u
	}
	if diff := cmp.Diff(scan(src), scan(dst)); diff != "" {
		t.Errorf("usage section changed (-original +pseudonymised):\n%s", diff)
	}
}
