package waivers

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/result"
	"github.com/google/go-cmp/cmp"
)

var evalTime = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

func controls() []result.Control {
	return []result.Control{
		{ID: "AM-ADM-01", Scope: result.ScopeUser, Severity: result.SeverityCritical},
		{ID: "AM-ADM-02", Scope: result.ScopeUser, Severity: result.SeverityHigh},
		{ID: "AM-USR-01", Scope: result.ScopeTenant, Severity: result.SeverityHigh},
	}
}

func sub(id, upn string) *result.Subject {
	return &result.Subject{ID: id, UserPrincipalName: upn}
}

func sampleResult() *result.Result {
	cs := controls()
	cs[0].Status = result.StatusFail
	cs[0].Violations = []result.Violation{
		{Subject: sub("u1", "alice@contoso.com"), Message: "a"},
		{Subject: sub("u2", "bob@contoso.com"), Message: "b"},
	}
	cs[1].Status = result.StatusFail
	cs[1].Violations = []result.Violation{{Subject: sub("u3", "bg@contoso.com"), Message: "c"}}
	cs[2].Status = result.StatusFail
	cs[2].Violations = []result.Violation{{Message: "share below"}}
	return &result.Result{Controls: cs}
}

func write(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "waivers.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestInvalid(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"missing control", "waivers:\n- {reason: r, owner: o, expires: 2026-12-01}\n", "waivers.yaml: waivers[0]: control is required"},
		{"missing reason", "waivers:\n- {control: AM-ADM-01, owner: o, expires: 2026-12-01}\n", "waivers.yaml: waivers[0] (AM-ADM-01): reason is required"},
		{"missing owner", "waivers:\n- {control: AM-ADM-01, reason: r, expires: 2026-12-01}\n", "waivers[0] (AM-ADM-01): owner is required"},
		{"missing expires", "waivers:\n- {control: AM-ADM-01, reason: r, owner: o}\n", "waivers[0] (AM-ADM-01): expires is required"},
		{"bad date", "waivers:\n- {control: AM-ADM-01, reason: r, owner: o, expires: 31/12/2026}\n", `expires "31/12/2026" is not a date (YYYY-MM-DD)`},
		{"too long", "waivers:\n- {control: AM-ADM-01, reason: r, owner: o, expires: 2026-12-01}\n- {control: AM-ADM-01, subject: alice@contoso.com, reason: r, owner: o, expires: 2028-01-01}\n",
			"waivers.yaml: waivers[1] (AM-ADM-01 alice@contoso.com): expires 2028-01-01 is more than 365 days after 2026-11-27"},
		{"unknown control", "waivers:\n- {control: AM-NOPE-01, reason: r, owner: o, expires: 2026-12-01}\n", "waivers[0] (AM-NOPE-01): unknown control AM-NOPE-01"},
		{"subject on tenant control", "waivers:\n- {control: AM-USR-01, subject: alice, reason: r, owner: o, expires: 2026-12-01}\n", "AM-USR-01 is a tenant-level control"},
		{"duplicate", "waivers:\n- {control: AM-ADM-01, subject: Alice@contoso.com, reason: r, owner: o, expires: 2026-12-01}\n- {control: AM-ADM-01, subject: alice@CONTOSO.com, reason: r, owner: o, expires: 2026-12-01}\n", "waivers[1] (AM-ADM-01 alice@CONTOSO.com): waives the same control and subject as waivers[0]"},
		{"unknown field", "waivers:\n- {control: AM-ADM-01, reason: r, owner: o, expiry: 2026-12-01}\n", `waivers[0]: line 2: unknown field "expiry"`},
		{"not a list", "waivers: {control: AM-ADM-01}\n", "waivers.yaml: line 1: waivers: want a list"},
		{"unknown top-level key", "waiver:\n- {control: AM-ADM-01}\n", "waivers.yaml: line 1: field waiver not found"},
		{"list entry not a mapping", "waivers:\n- AM-ADM-01\n", "waivers[0]: want a mapping"},
		{"nested value", "waivers:\n- {control: AM-ADM-01, reason: [a], owner: o, expires: 2026-12-01}\n", "line 2: reason: want a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es, err := Load(write(t, tt.body))
			if err == nil {
				err = Validate(es, controls(), evalTime, DefaultMaxDays)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
			if _, ok := err.(*Error); !ok {
				t.Errorf("error is %T, want *Error", err)
			}
		})
	}
}

func TestMaxDaysBoundary(t *testing.T) {
	e := []Entry{{File: "w.yaml", Waiver: result.Waiver{Control: "AM-ADM-01", Reason: "r", Owner: "o", Expires: "2026-12-07"}}}
	if err := Validate(e, controls(), evalTime, 10); err != nil {
		t.Errorf("10 days ahead with max 10: %v", err)
	}
	if err := Validate(e, controls(), evalTime, 9); err == nil {
		t.Error("10 days ahead with max 9: no error")
	}
	// A huge limit (past what a time.Duration holds) must not wrap around.
	far := []Entry{{File: "w.yaml", Waiver: result.Waiver{Control: "AM-ADM-01", Reason: "r", Owner: "o", Expires: "2400-01-01"}}}
	if err := Validate(far, controls(), evalTime, 200_000); err != nil {
		t.Errorf("2400-01-01 with max 200,000 days: %v", err)
	}
	if err := Validate(far, controls(), evalTime, 100); err == nil {
		t.Error("2400-01-01 with max 100 days: no error")
	}
}

func TestApply(t *testing.T) {
	body := `waivers:
  - control: AM-ADM-01
    subject: ALICE@contoso.com
    reason: awaiting migration
    owner: secops@contoso.com
    expires: 2026-12-31
    ticket: SEC-1
  - control: AM-ADM-01
    subject: u2
    reason: left the company
    owner: hr@contoso.com
    expires: 2026-11-26
  - control: AM-USR-01
    reason: rollout in progress
    owner: it@contoso.com
    expires: 2026-11-27
  - control: AM-ADM-02
    subject: nobody@contoso.com
    reason: stale
    owner: secops@contoso.com
    expires: 2027-01-31
`
	es, err := Load(write(t, body))
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(es, controls(), evalTime, DefaultMaxDays); err != nil {
		t.Fatal(err)
	}
	res := sampleResult()
	Apply(res, es, evalTime)

	alice := res.Controls[0].Violations[0]
	if alice.Waiver == nil || alice.Waiver.Ticket != "SEC-1" || alice.Waiver.Owner != "secops@contoso.com" {
		t.Errorf("alice's violation: waiver %+v, want the SEC-1 waiver (subject matched case-insensitively on UPN)", alice.Waiver)
	}
	if bob := res.Controls[0].Violations[1]; bob.Waiver != nil {
		t.Errorf("bob's violation waived by %+v, but that waiver expired the day before", bob.Waiver)
	}
	if got := res.Controls[0].Status; got != result.StatusFail {
		t.Errorf("AM-ADM-01 status %s, want fail (bob is not waived)", got)
	}
	if w := res.Controls[2].Violations[0].Waiver; w == nil {
		t.Error("tenant violation of AM-USR-01 not waived by the subject-less waiver expiring on the evaluation day")
	}
	if got := res.Controls[2].Status; got != result.StatusPass {
		t.Errorf("AM-USR-01 status %s, want pass (all violations waived)", got)
	}
	if got := res.Controls[1].Status; got != result.StatusFail {
		t.Errorf("AM-ADM-02 status %s, want fail", got)
	}
	got := map[string]string{}
	for _, w := range res.Waivers {
		got[w.Source] = string(w.State) + "/" + string(rune('0'+w.Matched))
	}
	want := map[string]string{
		"waivers.yaml: waivers[0]": "applied/1",
		"waivers.yaml: waivers[1]": "expired/1",
		"waivers.yaml: waivers[2]": "applied/1",
		"waivers.yaml: waivers[3]": "orphaned/0",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("waiver states (-want +got):\n%s", d)
	}
	if err := res.Decide("high"); err != nil {
		t.Fatal(err)
	}
	if res.Summary.Waived != 2 || res.Summary.Violations != 2 || res.Summary.Passed != 1 || res.Summary.Failed != 2 {
		t.Errorf("summary %+v, want 2 waived, 2 violations, 1 passed, 2 failed", res.Summary)
	}
}

func TestApplySpecificBeatsControlWide(t *testing.T) {
	es := []Entry{
		{File: "w", Index: 0, Waiver: result.Waiver{Control: "AM-ADM-01", Reason: "all", Owner: "o", Expires: "2026-12-01"}},
		{File: "w", Index: 1, Waiver: result.Waiver{Control: "AM-ADM-01", Subject: "u2", Reason: "bob", Owner: "o", Expires: "2026-12-01"}},
	}
	res := sampleResult()
	Apply(res, es, evalTime)
	if got := res.Controls[0].Violations[1].Waiver.Reason; got != "bob" {
		t.Errorf("bob's waiver reason %q, want the subject-specific one", got)
	}
	if got := res.Controls[0].Violations[0].Waiver.Reason; got != "all" {
		t.Errorf("alice's waiver reason %q, want the control-wide one", got)
	}
	if res.Controls[0].Status != result.StatusPass {
		t.Errorf("status %s, want pass", res.Controls[0].Status)
	}
	if res.Waivers[0].Matched != 1 || res.Waivers[1].Matched != 1 {
		t.Errorf("matched %d, %d; want 1, 1", res.Waivers[0].Matched, res.Waivers[1].Matched)
	}
}

func TestEmpty(t *testing.T) {
	for _, body := range []string{"", "waivers:\n", "waivers: []\n"} {
		es, err := Load(write(t, body))
		if err != nil || len(es) != 0 {
			t.Errorf("Load(%q) = %v, %v; want nothing", body, es, err)
		}
	}
}
