package reports

import (
	"bytes"
	"slices"
	"sync"
	"testing"

	"github.com/authgate/authgate/result"
	"github.com/google/go-cmp/cmp"
)

func TestFormats(t *testing.T) {
	want := []string{"github", "html", "json", "junit", "markdown", "sarif", "text"}
	if diff := cmp.Diff(want, Formats()); diff != "" {
		t.Errorf("Formats() (-want +got):\n%s", diff)
	}
	for _, f := range Formats() {
		if _, err := New(f, Options{}); err != nil {
			t.Errorf("New(%q): %v", f, err)
		}
	}
}

func TestNewUnknownFormat(t *testing.T) {
	for _, name := range []string{"x", "", "JSON", "HTML"} {
		t.Run(name, func(t *testing.T) {
			w, err := New(name, Options{})
			if err == nil || w != nil {
				t.Fatalf("New(%q) = %v, %v; want an error", name, w, err)
			}
			want := `unknown format "` + name + `" (valid: github, html, json, junit, markdown, sarif, text)`
			if err.Error() != want {
				t.Errorf("error = %q, want %q", err, want)
			}
		})
	}
}

// TestDeterministic renders every format twice, the second time from a
// Result whose controls and violations are shuffled, and wants the same bytes.
func TestDeterministic(t *testing.T) {
	for _, f := range Formats() {
		t.Run(f, func(t *testing.T) {
			a := fixture()
			b := fixture()
			slices.Reverse(b.Controls)
			for i := range b.Controls {
				slices.Reverse(b.Controls[i].Violations)
			}
			ga := render(t, f, fixtureOptions(), a)
			gb := render(t, f, fixtureOptions(), b)
			if !bytes.Equal(ga, gb) {
				t.Errorf("output depends on the order of the Result:\n%s", cmp.Diff(string(ga), string(gb)))
			}
			// The writers must not reorder the caller's Result.
			if diff := cmp.Diff(fixture().Controls[1].Violations, a.Controls[1].Violations); diff != "" {
				t.Errorf("writer mutated the Result:\n%s", diff)
			}
		})
	}
}

func TestCompareViolations(t *testing.T) {
	sub := func(id string) *result.Subject { return &result.Subject{ID: id} }
	vs := []result.Violation{
		{Subject: sub("b"), Message: "x"},
		{Message: "z tenant"},
		{Subject: sub("a"), Message: "y"},
		{Message: "a tenant"},
		{Subject: sub("a"), Message: "b"},
	}
	c := &result.Control{Violations: vs}
	got := sortedViolations(c)
	var order []string
	for _, v := range got {
		id := "-"
		if v.Subject != nil {
			id = v.Subject.ID
		}
		order = append(order, id+"/"+v.Message)
	}
	want := []string{"-/a tenant", "-/z tenant", "a/b", "a/y", "b/x"}
	if diff := cmp.Diff(want, order); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	if vs[0].Message != "x" {
		t.Error("sortedViolations sorted the control's own slice")
	}
}

func TestOptionsLine(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		off  int64
		want int
	}{
		{"nil LineOf", Options{}, 500, 1},
		{"negative offset", Options{LineOf: lineOf}, -1, 1},
		{"mapped", Options{LineOf: lineOf}, 500, 6},
		{"zero from LineOf", Options{LineOf: func(int64) int { return 0 }}, 5, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.o.line(tt.off); got != tt.want {
				t.Errorf("line(%d) = %d, want %d", tt.off, got, tt.want)
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	a := Fingerprint("AM-ADM-01", "u1", "t1")
	if len(a) != 32 {
		t.Errorf("len = %d, want 32 hex digits", len(a))
	}
	if a != Fingerprint("AM-ADM-01", "u1", "other-tenant") {
		t.Error("a per-user fingerprint must not depend on the tenant")
	}
	for _, other := range []string{
		Fingerprint("AM-ADM-02", "u1", "t1"),
		Fingerprint("AM-ADM-01", "u2", "t1"),
		Fingerprint("AM-ADM-01", "", "t1"),
	} {
		if other == a {
			t.Errorf("fingerprint collision: %s", a)
		}
	}
	if Fingerprint("AM-USR-01", "", "t1") == Fingerprint("AM-USR-01", "", "t2") {
		t.Error("tenant fingerprints must differ between tenants")
	}
}

// bigResult is a Result with one per-user control holding n violations
// (sorted, as the evaluator emits them) and one passing control. It is built
// once and shared: the writers never modify a Result.
var bigResult = sync.OnceValue(func() *result.Result {
	const n = 1_000_000
	vs := make([]result.Violation, n)
	subs := make([]result.Subject, n)
	for i := range vs {
		id := "u" + pad7(i)
		subs[i] = result.Subject{ID: id, UserPrincipalName: id + "@big.example", DisplayName: "User " + id}
		vs[i] = result.Violation{Subject: &subs[i], Message: "admin is not MFA-capable", Offset: int64(1000 + i*500)}
	}
	r := &result.Result{
		SchemaVersion: 1,
		Tool:          result.Tool{Name: "authgate", Version: "1.2.3"},
		Snapshot:      result.SnapshotRef{Path: "big.json", SHA256: "00", TenantID: "t-big", FetchedAt: "2026-11-20T08:00:00Z", Users: n},
		Controls: []result.Control{
			{ID: "AM-ADM-01", Title: "Administrators are MFA-capable", Description: "d", Remediation: "r",
				Severity: result.SeverityCritical, Scope: result.ScopeUser, Package: "authgate.builtin.a", Family: "ADM",
				Builtin: true, Status: result.StatusFail, Violations: vs},
			{ID: "AM-ADM-02", Title: "Administrators have a phishing-resistant method", Description: "d", Remediation: "r",
				Severity: result.SeverityHigh, Scope: result.ScopeUser, Package: "authgate.builtin.b", Family: "ADM",
				Builtin: true, Status: result.StatusPass, Violations: []result.Violation{}},
		},
	}
	if err := r.Decide("high"); err != nil {
		panic(err)
	}
	return r
})

func pad7(i int) string {
	b := []byte("0000000")
	for k := 6; k >= 0 && i > 0; k-- {
		b[k] = byte('0' + i%10)
		i /= 10
	}
	return string(b)
}

// benchResult is a Result with 100,000 violations for the benchmarks.
func benchResult() *result.Result {
	big := bigResult()
	r := *big
	r.Controls = slices.Clone(big.Controls)
	r.Controls[0].Violations = big.Controls[0].Violations[:100_000]
	return &r
}

func benchmarkWrite(b *testing.B, format string) {
	r := benchResult()
	w, err := New(format, Options{LineOf: lineOf, FullList: "out.json"})
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		buf.Reset()
		if err := w.Write(&buf, r); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
}
