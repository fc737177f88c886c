package graphfake_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/fetch"
	"github.com/authgate/authgate/internal/evaltest"
	"github.com/authgate/authgate/internal/fetchtest"
	"github.com/authgate/authgate/internal/graphfake"
	"github.com/authgate/authgate/internal/tenantgen"
	"github.com/authgate/authgate/pseudonym"
	"github.com/authgate/authgate/reports"
	"github.com/authgate/authgate/result"
	"github.com/authgate/authgate/snapshot"
	"github.com/authgate/authgate/trend"
)

// The policy controls and cross-checks, judged end to end: the emulator
// serves a tenant and its methods policy, the real fetcher stores them, the
// built-in pack judges the snapshot.

var e2eNow = time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)

func policySnapshot(t *testing.T, users int, po graphfake.PolicyOptions, api string) (*graphfake.Server, string) {
	t.Helper()
	return fetchtest.Fetch(t, graphfake.Options{Tenant: tenantgen.Tenant{Seed: 1, Users: users, Now: e2eNow}, Rate: -1, Policy: po},
		fetch.Options{APIVersion: fetch.APIVersion(api), Now: func() time.Time { return e2eNow }, MethodsPolicy: true})
}

func messages(c *result.Control) string {
	var b strings.Builder
	for _, v := range c.Violations {
		b.WriteString(v.Message + "\n")
	}
	return b.String()
}

// Every AM-POL control fails on the emulator's lax policy and passes on its
// hardened one, in v1.0 and (for the beta-only settings) beta.
func TestPolicyControlsBothSides(t *testing.T) {
	aaguid := "cb69481e-8ff7-4039-93ec-0a2729a154a8"
	params := evaluator.WithParams(map[string]any{"allowed_fido2_aaguids": []any{aaguid}})
	for _, api := range []string{"v1.0", "beta"} {
		_, lax := policySnapshot(t, 400, graphfake.PolicyOptions{}, api)
		_, hard := policySnapshot(t, 400, graphfake.PolicyOptions{Hardened: true, AllowedAAGUIDs: []string{aaguid}}, api)
		rl, rh := evaltest.Evaluate(t, lax, params), evaltest.Evaluate(t, hard, params)
		want := map[string]string{ // id -> a phrase the lax policy's finding holds
			"AM-POL-01": "migrationInProgress",
			"AM-POL-02": "SMS is enabled",
			"AM-POL-03": "SMS is usable for sign-in for all users",
			"AM-POL-04": "the geographic location",
			"AM-POL-05": "does not enforce attestation",
			"AM-POL-06": "isUsableOnce is false",
			"AM-POL-07": "disabled",
		}
		if api == "beta" {
			want["AM-POL-08"] = "System-preferred MFA is disabled"
			want["AM-POL-09"] = "Report suspicious activity is default"
		}
		for id, phrase := range want {
			l, h := evaltest.Control(t, rl, id), evaltest.Control(t, rh, id)
			if l.Status != result.StatusFail || !strings.Contains(messages(l), phrase) {
				t.Errorf("%s %s on the lax policy: %s, want a failure saying %q:\n%s", api, id, l.Status, phrase, messages(l))
			}
			if h.Status != result.StatusPass {
				t.Errorf("%s %s on the hardened policy: %s %s\n%s", api, id, h.Status, h.SkipReason, messages(h))
			}
		}
		if api == "v1.0" {
			for _, id := range []string{"AM-POL-08", "AM-POL-09"} {
				if c := evaltest.Control(t, rl, id); c.Status != result.StatusSkipped || !strings.Contains(c.SkipReason, "--api beta") {
					t.Errorf("%s on a v1.0 policy: %s %q", id, c.Status, c.SkipReason)
				}
			}
		}
		if c := evaltest.Control(t, rl, "AM-POL-02"); len(c.Violations) != 3 {
			t.Errorf("AM-POL-02: %d findings, want SMS, Voice call and Email OTP:\n%s", len(c.Violations), messages(c))
		}
	}
}

// AM-POL-02 accepts SMS, voice and email limited to the exception groups.
func TestPolicyTelephonyExceptionGroups(t *testing.T) {
	s, lax := policySnapshot(t, 100, graphfake.PolicyOptions{}, "v1.0")
	r := evaltest.Evaluate(t, lax, evaluator.WithParams(map[string]any{"telephony_exception_groups": []any{s.Groups().Pilot}}))
	c := evaltest.Control(t, r, "AM-POL-02")
	if msgs := messages(c); strings.Contains(msgs, "Email OTP") || !strings.Contains(msgs, "SMS") || len(c.Violations) != 2 {
		t.Errorf("Email OTP limited to the pilot group still fails, or SMS passes:\n%s", msgs)
	}
}

// The cross-checks name the users: the front-desk users, MFA-incapable only
// because Voice call excludes their group; the administrator excluded from
// passkeys; the users SMS and voice retirement would strand.
func TestPolicyCrossChecksNameUsers(t *testing.T) {
	s, path := policySnapshot(t, 2000, graphfake.PolicyOptions{}, "v1.0")
	g := s.Groups()
	if len(g.FrontDeskUsers) == 0 || len(g.PasskeyExcludedUsers) != 1 {
		t.Fatalf("generated tenant: %d front-desk users, %d passkey-excluded admins", len(g.FrontDeskUsers), len(g.PasskeyExcludedUsers))
	}
	tenant := tenantgen.Tenant{Seed: 1, Users: 2000, Now: e2eNow}
	var wantUnusable, wantStranded []string
	var admin snapshot.UserRegistrationDetails
	tenant.Each(func(i int, u *snapshot.UserRegistrationDetails) {
		if slices.Contains(g.FrontDeskUsers, i) && !u.IsMfaCapable {
			wantUnusable = append(wantUnusable, u.ID)
		}
		if i == g.PasskeyExcludedUsers[0] {
			admin = *u
		}
		// A user whose methods are unknown (null, as the schema allows) is
		// not claimed stranded.
		if u.IsMfaCapable && !u.IsNull("methodsRegistered") && !slices.ContainsFunc(u.MethodsRegistered, func(m string) bool {
			switch m {
			case "mobilePhone", "alternateMobilePhone", "officePhone", "email", "securityQuestion", "temporaryAccessPass":
				return false
			}
			return true
		}) {
			wantStranded = append(wantStranded, u.UserPrincipalName)
		}
	})
	if len(wantUnusable) == 0 {
		t.Fatal("no front-desk user is MFA-incapable: the tenant does not exercise the group exclusion")
	}
	r := evaltest.Evaluate(t, path)

	c := evaltest.Control(t, r, "AM-POL-10")
	var got []string
	for _, v := range c.Violations {
		got = append(got, v.Subject.ID)
		if !strings.Contains(v.Message, "Voice call excludes them (group "+g.FrontDesk+")") || !strings.Contains(v.Message, "Microsoft Authenticator") {
			t.Errorf("AM-POL-10 finding does not say why or what to register: %s", v.Message)
		}
	}
	slices.Sort(got)
	slices.Sort(wantUnusable)
	if !slices.Equal(got, wantUnusable) {
		t.Errorf("AM-POL-10 names %v, want the MFA-incapable front-desk users %v", got, wantUnusable)
	}

	c = evaltest.Control(t, r, "AM-POL-12")
	if len(c.Violations) != 1 || c.Violations[0].Subject.ID != admin.ID || !strings.Contains(c.Violations[0].Message, "Passkey (FIDO2) excludes them (group "+g.PasskeyExcluded+")") {
		t.Errorf("AM-POL-12 = %s, want only %s excluded from passkeys", messages(c), admin.UserPrincipalName)
	}

	c = evaltest.Control(t, r, "AM-POL-11")
	if len(wantStranded) == 0 || len(c.Violations) != 1 || *c.Violations[0].Value != float64(len(wantStranded)) {
		t.Fatalf("AM-POL-11 = %s, want a count of %d", messages(c), len(wantStranded))
	}
	slices.Sort(wantStranded)
	for _, upn := range wantStranded[:min(len(wantStranded), evaluator.MaxRetirementList)] {
		if !strings.Contains(c.Violations[0].Message, upn+" (") {
			t.Errorf("AM-POL-11 does not list %s", upn)
		}
	}
}

// Without the permission the section records why, and every control on the
// policy skips with that reason; without the group permission the
// cross-checks that need the members skip.
func TestPolicyMissingPermissionSkips(t *testing.T) {
	_, path := policySnapshot(t, 100, graphfake.PolicyOptions{Forbidden: true}, "v1.0")
	r := evaltest.Evaluate(t, path)
	for _, c := range r.Controls {
		if !strings.HasPrefix(c.ID, "AM-POL-") || c.ID == "AM-POL-11" {
			continue
		}
		if c.Status != result.StatusSkipped || !strings.Contains(c.SkipReason, "403") || !strings.Contains(c.SkipReason, fetch.PermissionMethodsPolicy) {
			t.Errorf("%s: %s %q, want skipped for the missing permission", c.ID, c.Status, c.SkipReason)
		}
	}
	_, path = policySnapshot(t, 100, graphfake.PolicyOptions{GroupsForbidden: true}, "v1.0")
	r = evaltest.Evaluate(t, path)
	for _, id := range []string{"AM-POL-10", "AM-POL-12"} {
		if c := evaltest.Control(t, r, id); c.Status != result.StatusSkipped || !strings.Contains(c.SkipReason, fetch.PermissionGroupMembers) {
			t.Errorf("%s: %s %q, want skipped for unresolved groups", id, c.Status, c.SkipReason)
		}
	}
	if c := evaltest.Control(t, r, "AM-POL-01"); c.Status != result.StatusFail {
		t.Errorf("AM-POL-01 with unresolved groups: %s", c.Status)
	}
}

// User controls see the policy while the users stream (it follows them in
// the file): streamed in small chunks on several workers, the result equals
// the whole-document evaluation's.
func TestPolicyStreamEqualsDocument(t *testing.T) {
	_, path := policySnapshot(t, 2000, graphfake.PolicyOptions{}, "beta")
	stream := evaltest.Evaluate(t, path, evaluator.WithMode(evaluator.ModeStream), evaluator.WithChunkSize(64), evaluator.WithWorkers(4))
	doc := evaltest.Evaluate(t, path, evaluator.WithMode(evaluator.ModeDocument))
	for _, c := range stream.Controls {
		if !strings.HasPrefix(c.ID, "AM-POL-") {
			continue
		}
		d := evaltest.Control(t, doc, c.ID)
		if c.Status != d.Status || messages(&c) != messages(d) {
			t.Errorf("%s: stream %s\n%s\ndocument %s\n%s", c.ID, c.Status, messages(&c), d.Status, messages(d))
		}
		if c.Status != result.StatusFail {
			t.Errorf("%s: %s on the lax policy", c.ID, c.Status)
		}
	}
}

// Two fetches of the same tenant, hardened then lax: diff lists what the
// policy changed and AM-TRD-04 fails for every weak method re-enabled.
func TestPolicyDiffAndTrend(t *testing.T) {
	_, before := policySnapshot(t, 200, graphfake.PolicyOptions{Hardened: true}, "v1.0")
	_, after := policySnapshot(t, 200, graphfake.PolicyOptions{}, "v1.0")

	r := evaltest.Evaluate(t, after, evaluator.WithBaseline(before))
	c := evaltest.Control(t, r, "AM-TRD-04")
	msgs := messages(c)
	if c.Status != result.StatusFail || len(c.Violations) != 3 || !strings.Contains(msgs, "SMS was disabled at the baseline") || !strings.Contains(msgs, "Email OTP") || !strings.Contains(msgs, "Voice call") {
		t.Errorf("AM-TRD-04 = %s:\n%s", c.Status, msgs)
	}
	if c := evaltest.Control(t, evaltest.Evaluate(t, before, evaluator.WithBaseline(after)), "AM-TRD-04"); c.Status != result.StatusPass {
		t.Errorf("hardening since the baseline: AM-TRD-04 %s\n%s", c.Status, messages(c))
	}

	in := func(path string) *trend.Input {
		i := trend.FromResult(path, evaltest.Evaluate(t, path))
		p, err := snapshot.PeekMethodsPolicy(path)
		if err != nil {
			t.Fatal(err)
		}
		i.Policy = p
		return i
	}
	rep := trend.Compare(in(before), in(after))
	if rep.Policy == nil || rep.Policy.Note != "" {
		t.Fatalf("policy diff = %+v", rep.Policy)
	}
	want := []trend.PolicyChange{
		{Method: "Sms", Setting: "state", Old: "disabled", New: "enabled"},
		{Method: "Fido2", Setting: "isAttestationEnforced", Old: "true", New: "false"},
		{Method: "TemporaryAccessPass", Setting: "isUsableOnce", Old: "true", New: "false"},
		{Method: "policy", Setting: "policyMigrationState", Old: "migrationComplete", New: "migrationInProgress"},
	}
	for _, w := range want {
		if !slices.Contains(rep.Policy.Changes, w) {
			t.Errorf("diff lacks %+v; changes:\n%+v", w, rep.Policy.Changes)
		}
	}
	var fido2Excl *trend.PolicyChange
	for i, ch := range rep.Policy.Changes {
		if ch.Method == "Fido2" && ch.Setting == "excludeTargets" {
			fido2Excl = &rep.Policy.Changes[i]
		}
	}
	if fido2Excl == nil || fido2Excl.Old != "nobody" || !strings.HasPrefix(fido2Excl.New, "group ") {
		t.Errorf("target change = %+v", fido2Excl)
	}
	var b strings.Builder
	if err := trend.Write(&b, rep, "text", 0); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "Authentication methods policy") || !strings.Contains(b.String(), "disabled -> enabled") {
		t.Errorf("text diff:\n%s", b.String())
	}
	b.Reset()
	if err := trend.Write(&b, rep, "markdown", 0); err != nil || !strings.Contains(b.String(), "| Sms | state | disabled | enabled |") {
		t.Errorf("markdown diff (%v):\n%s", err, b.String())
	}
	if same := trend.Compare(in(after), in(after)); len(same.Policy.Changes) != 0 {
		t.Errorf("a policy compared with itself changed: %+v", same.Policy.Changes)
	}
}

// The result summarises each method configuration: users registered for a
// method it governs and users it allows, counted through the groups; the
// text and Markdown reports show it.
func TestPolicySummaryAndReports(t *testing.T) {
	const users = 2000
	s, path := policySnapshot(t, users, graphfake.PolicyOptions{}, "v1.0")
	g := s.Groups()
	r := evaltest.Evaluate(t, path)
	p := r.MethodsPolicy
	if p == nil || p.MigrationState != "migrationInProgress" || len(p.Methods) != 8 {
		t.Fatalf("summary = %+v", p)
	}
	allowed := map[string]int64{}
	for _, m := range p.Methods {
		allowed[m.ID] = m.Allowed
	}
	want := map[string]int64{
		"Voice": int64(users - len(g.FrontDeskUsers)), "Fido2": users - 1, "Sms": users,
		"Email": int64(len(g.FrontDeskUsers) + 1), "X509Certificate": 0,
	}
	for id, n := range want {
		if allowed[id] != n {
			t.Errorf("%s allows %d users, want %d", id, allowed[id], n)
		}
	}
	for format, phrase := range map[string]string{"text": "methods policy (Graph v1.0)", "markdown": "| Method | State | Include | Exclude | Users registered | Users allowed |"} {
		w, err := reports.New(format, reports.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if err := w.Write(&b, r); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), phrase) || !strings.Contains(b.String(), "Voice") {
			t.Errorf("%s report lacks the methods policy section:\n%s", format, b.String())
		}
	}
}

// A pseudonymised snapshot keeps the policy section with the group members
// as tokens: the same verdict on every AM-POL control, no identity left.
func TestPolicyPseudonymised(t *testing.T) {
	s, path := policySnapshot(t, 2000, graphfake.PolicyOptions{}, "v1.0")
	p, err := pseudonym.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "pseudo.json")
	if err := p.Snapshot(context.Background(), path, dst, snapshot.ScanOptions{}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	tenant := tenantgen.Tenant{Seed: 1, Users: 2000, Now: e2eNow}
	for _, i := range s.Groups().FrontDeskUsers {
		u := tenantgen.GenerateUser(tenant.Seed, i, tenant.Now)
		if bytes.Contains(raw, []byte(u.UserPrincipalName)) || bytes.Contains(raw, []byte(u.ID)) {
			t.Fatalf("the pseudonymised snapshot still names %s", u.UserPrincipalName)
		}
	}
	a := evaltest.Evaluate(t, path)
	samePolicyVerdict(t, "the pseudonymised snapshot", a, evaltest.Evaluate(t, dst))
	// The view check --pseudonymize evaluates (rows and the section
	// rewritten as they are read, the section read ahead too) judges alike,
	// streamed and as one document.
	samePolicyVerdict(t, "the streamed view", a, evaltest.Evaluate(t, path, evaluator.WithRewrite(p)))
	samePolicyVerdict(t, "the document view", a, evaltest.Evaluate(t, path, evaluator.WithRewrite(p), evaluator.WithMode(evaluator.ModeDocument)))
}

// samePolicyVerdict compares b's AM-POL controls and policy summary with a's.
func samePolicyVerdict(t *testing.T, what string, a, b *result.Result) {
	t.Helper()
	for _, c := range a.Controls {
		if !strings.HasPrefix(c.ID, "AM-POL-") {
			continue
		}
		d := evaltest.Control(t, b, c.ID)
		if c.Status != d.Status || len(c.Violations) != len(d.Violations) {
			t.Errorf("%s: %s with %d findings, %s %s with %d", c.ID, c.Status, len(c.Violations), what, d.Status, len(d.Violations))
		}
	}
	if b.MethodsPolicy == nil || len(b.MethodsPolicy.Methods) != len(a.MethodsPolicy.Methods) {
		t.Fatalf("%s: summary = %+v", what, b.MethodsPolicy)
	}
	for i, m := range a.MethodsPolicy.Methods {
		if m.Allowed != b.MethodsPolicy.Methods[i].Allowed {
			t.Errorf("%s allows %d users, %s %d", m.ID, m.Allowed, what, b.MethodsPolicy.Methods[i].Allowed)
		}
	}
}
