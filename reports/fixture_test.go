package reports

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/authgate/authgate/result"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func f64(v float64) *float64 { return &v }

// fixture builds a hand-made Result covering every case the writers render:
// a failing per-user control with several violators (one display name with
// |, <, & and unicode, one violation waived), a failing tenant control with
// value and threshold, a passing control, a skipped control, a user control
// from package authgate.acme.x and a control passing only thanks to a waiver.
// Controls and violations are deliberately out of order.
func fixture() *result.Result {
	ref := func(id, desc, url string) result.Reference {
		return result.Reference{ID: id, Description: desc, URL: url}
	}
	r := &result.Result{
		SchemaVersion: 1,
		Tool:          result.Tool{Name: "authgate", Version: "1.2.3"},
		Snapshot: result.SnapshotRef{
			Path:           "testdata/my snapshot.json",
			SHA256:         "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
			TenantID:       "11111111-2222-3333-4444-555555555555",
			FetchedAt:      "2026-11-20T08:00:00Z",
			Users:          300,
			ManifestOffset: 20,
		},
		FailOn: "high",
		Controls: []result.Control{
			{
				ID: "AM-USR-01", Title: "Members are MFA-capable",
				Description: "The MFA-capable share of members stays above mfa_capable_min.",
				Severity:    result.SeverityHigh, Scope: result.ScopeTenant,
				Remediation: "Run a registration campaign for members.\nSecond line not shown in one-liners.",
				References: []result.Reference{
					ref("CISA-SCuBA-MS.AAD.3.1", "CISA SCuBA MS.AAD.3.1", ""),
					ref("NIST-800-53-IA-2(1)", "NIST SP 800-53 IA-2(1)", "https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final"),
				},
				Params:  []result.Param{{Name: "mfa_capable_min", Default: 0.95, Value: 0.95}},
				Package: "authgate.builtin.members_mfa_capable", Family: "USR", Builtin: true,
				Status: result.StatusFail,
				Violations: []result.Violation{{
					Message: "MFA-capable share of members is 0.91, below 0.95",
					Value:   f64(0.91), Threshold: f64(0.95), Offset: 1200,
				}},
			},
			{
				ID: "AM-ADM-01", Title: "Administrators are MFA-capable",
				Description: "Every admin has registered a strong method (isMfaCapable).",
				Severity:    result.SeverityCritical, Scope: result.ScopeUser,
				Remediation: "Require the admins listed to register a phishing-resistant method.",
				References: []result.Reference{
					ref("CIS-M365-5.2.3.4", "CIS Microsoft 365 Foundations 5.2.3.4", "https://www.cisecurity.org/benchmark/microsoft_365"),
					ref("NIST-800-53-IA-2(1)", "NIST SP 800-53 IA-2(1)", ""),
				},
				Package: "authgate.builtin.admin_mfa_capable", Family: "ADM", Builtin: true,
				Status: result.StatusFail,
				Violations: []result.Violation{
					{Subject: &result.Subject{ID: "c3", UserPrincipalName: "carol@contoso.example", DisplayName: "Carol <Ops> & Co | Tier-0 Ünïcødé ✓"},
						Message: "admin is not MFA-capable", Offset: 900},
					{Subject: &result.Subject{ID: "a1", UserPrincipalName: "alice@contoso.example", DisplayName: "Alice *Admin* [GA]"},
						Message: "admin is not MFA-capable", Offset: 500},
					{Subject: &result.Subject{ID: "b2", UserPrincipalName: "bob@contoso.example", DisplayName: "Bob"},
						Message: "admin is not MFA-capable", Offset: 700,
						Waiver: &result.Waiver{Control: "AM-ADM-01", Subject: "b2", Reason: "hardware token on order", Owner: "secops@contoso.example", Expires: "2026-12-31", Ticket: "SEC-42"}},
					{Subject: &result.Subject{ID: "d4", UserPrincipalName: "dave@contoso.example", DisplayName: "Dave\nNewline"},
						Message: "admin is not MFA-capable", Offset: 1100},
				},
			},
			{
				ID: "AM-ADM-02", Title: "Administrators have a phishing-resistant method",
				Description: "Every admin has a phishing-resistant method registered.",
				Severity:    result.SeverityHigh, Scope: result.ScopeUser,
				Remediation: "Register FIDO2 keys or Windows Hello for Business.",
				References:  []result.Reference{ref("CISA-SCuBA-MS.AAD.3.6", "CISA SCuBA MS.AAD.3.6", "https://github.com/cisagov/ScubaGear")},
				Package:     "authgate.builtin.admin_phishing_resistant", Family: "ADM", Builtin: true,
				Status:     result.StatusPass,
				Violations: []result.Violation{},
			},
			{
				ID: "AM-BG-01", Title: "Break-glass accounts are phishing-resistant",
				Description: "Each configured break-glass account exists and has a phishing-resistant method.",
				Severity:    result.SeverityHigh, Scope: result.ScopeTenant,
				Remediation: "Configure break_glass_accounts.",
				References:  []result.Reference{ref("CISA-SCuBA-MS.AAD.7.x", "CISA SCuBA break-glass guidance", "")},
				Package:     "authgate.builtin.break_glass", Family: "BG", Builtin: true,
				Status: result.StatusSkipped, SkipReason: "no break_glass_accounts configured",
			},
			{
				ID: "AM-WEAK-02", Title: "Telephony methods are rare",
				Description: "The share of users with a telephony method stays below telephony_max.",
				Severity:    result.SeverityLow, Scope: result.ScopeTenant,
				Remediation: "Move users off SMS and voice.",
				Package:     "authgate.builtin.telephony_share", Family: "WEAK", Builtin: true,
				Status: result.StatusPass,
				Violations: []result.Violation{{
					Message: "share of users with telephony is 0.62, above 0.50",
					Value:   f64(0.62), Threshold: f64(0.5), Offset: 1300,
					Waiver: &result.Waiver{Control: "AM-WEAK-02", Reason: "migration in progress", Owner: "iam-team", Expires: "2027-03-31"},
				}},
			},
			{
				ID: "ACME-X-01", Title: "Contractors use the Authenticator app",
				Description: "Users whose UPN starts with ext- have microsoftAuthenticatorPush.",
				Severity:    result.SeverityMedium, Scope: result.ScopeUser,
				Remediation: "Ask contractors to register the Authenticator app.",
				References:  []result.Reference{{Description: "ACME access standard", URL: "https://intranet.acme.example/standards/access?id=7&v=2"}},
				Package:     "authgate.acme.x", Family: "authgate.acme.x",
				Source: "policies/acme/x.rego", Line: 3,
				Status: result.StatusFail,
				Violations: []result.Violation{
					{Subject: &result.Subject{ID: "e5", UserPrincipalName: "ext-erin@contoso.example", DisplayName: "Erin (contractor) 100% #1 @everyone"},
						Message: "contractor has no Authenticator app", Offset: -1},
				},
			},
		},
		Waivers: []result.WaiverStatus{
			{Waiver: result.Waiver{Control: "AM-ADM-01", Subject: "b2", Reason: "hardware token on order", Owner: "secops@contoso.example", Expires: "2026-12-31", Ticket: "SEC-42"}, Source: "waivers.yaml: waivers[0]", State: result.WaiverApplied, Matched: 1},
			{Waiver: result.Waiver{Control: "AM-ADM-01", Subject: "old@contoso.example", Reason: "left the company", Owner: "iam-team", Expires: "2025-01-31"}, Source: "waivers.yaml: waivers[1]", State: result.WaiverExpired, Matched: 1},
			{Waiver: result.Waiver{Control: "AM-USR-02", Subject: "gone@contoso.example", Reason: "service account", Owner: "iam-team", Expires: "2027-01-31"}, Source: "waivers.yaml: waivers[2]", State: result.WaiverOrphaned},
		},
	}
	if err := r.Decide("high"); err != nil {
		panic(err)
	}
	return r
}

// lineOf is a fake line index: one line per 100 bytes.
func lineOf(off int64) int { return int(off/100) + 1 }

func fixtureOptions() Options {
	return Options{
		SnapshotURI:        "testdata/my snapshot.json",
		LineOf:             lineOf,
		FullList:           "authgate-results.json",
		ExitCode:           1,
		ToolInformationURI: "https://github.com/authgate/authgate",
	}
}

func render(t testing.TB, format string, o Options, r *result.Result) []byte {
	t.Helper()
	w, err := New(format, o)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := w.Write(&buf, r); err != nil {
		t.Fatalf("write %s: %v", format, err)
	}
	return buf.Bytes()
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test ./reports -update): %v", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs from the golden file (-want +got):\n%s", path, diff)
	}
}

// validator returns the path of the repository's validation script
// (testdata/schemas/validate.sh, with the schemas beside it).
func validator() string {
	return filepath.Join("..", "testdata", "schemas", "validate.sh")
}

// needTool skips the test when a tool is missing, or fails it under CI.
func needTool(t testing.TB, what string, ok bool) {
	t.Helper()
	if ok {
		return
	}
	msg := fmt.Sprintf("%s is not installed", what)
	if os.Getenv("CI") != "" {
		t.Fatalf("%s (required when CI is set)", msg)
	}
	t.Skip(msg)
}

func haveCmd(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}

// writeTemp writes data to a file named name in a fresh temporary directory.
func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
