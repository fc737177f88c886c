package gate

import (
	"strings"
	"testing"

	"github.com/authgate/authgate/evidence"
	"github.com/authgate/authgate/result"
)

// TestWarnings: expired and orphaned waivers get a sentence each, an
// applied one none.
func TestWarnings(t *testing.T) {
	res := &result.Result{Waivers: []result.WaiverStatus{
		{Waiver: result.Waiver{Control: "AM-USR-01", Subject: "a@x", Expires: "2026-01-01"}, Source: "w.yaml: waivers[0]", State: result.WaiverExpired, Matched: 1},
		{Waiver: result.Waiver{Control: "AM-USR-02"}, Source: "w.yaml: waivers[1]", State: result.WaiverApplied, Matched: 3},
		{Waiver: result.Waiver{Control: "AM-PWL-01"}, Source: "w.yaml: waivers[2]", State: result.WaiverOrphaned},
	}}
	got := (&Plan{}).Warnings(res)
	want := []string{
		"waiver w.yaml: waivers[0] (AM-USR-01 a@x) expired on 2026-01-01 and no longer applies (1 violation)",
		"waiver w.yaml: waivers[2] (AM-PWL-01) matched no violation: remove it",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings %q, want %q", got, want)
	}
}

// TestVerificationReport: a failed verification lists its problems, a
// passed one says what matched and who made the bundle.
func TestVerificationReport(t *testing.T) {
	var b strings.Builder
	(&Verification{Problems: []string{"results.json: hash differs", "signature: missing"}}).WriteReport(&b, "b.tar.gz")
	if want := "FAIL b.tar.gz: 2 problems\n  - results.json: hash differs\n  - signature: missing\n"; b.String() != want {
		t.Errorf("failed report %q, want %q", b.String(), want)
	}
	b.Reset()
	man := &evidence.Manifest{Tool: evidence.Tool{Name: "authgate", Version: "v1"}, OPAVersion: "v1.4", PackVersion: "3",
		EvaluatedAt: "2026-11-30T00:00:00Z", TenantID: "t1", Verdict: "fail", Files: make([]evidence.File, 9)}
	(&Verification{Manifest: man, Signature: "unchecked"}).WriteReport(&b, "b.tar.gz")
	for _, want := range []string{"OK b.tar.gz: 9 files match the manifest; signed, signature NOT checked (give --pub KEY); ",
		"the bundled verdict (fail)", "\n  made by authgate v1 (OPA v1.4, pack 3), evaluated at 2026-11-30T00:00:00Z, tenant t1\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("passed report lacks %q:\n%s", want, b.String())
		}
	}
}
