package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/graphfake"
	"github.com/authgate/authgate/internal/tenantgen"
	"github.com/authgate/authgate/snapshot"
)

// usageExampleCheck is what TestMicrosoftGraphExamplesUsage reads of check's
// JSON output.
type usageExampleCheck struct {
	Controls []struct {
		ID         string `json:"id"`
		Status     string `json:"status"`
		Violations []struct {
			Message string `json:"message"`
		} `json:"violations"`
	} `json:"controls"`
	Usage *struct {
		ActivitySource string `json:"activitySource"`
		Methods        []struct {
			AuthMethod string `json:"authMethod"`
			Feature    string `json:"feature"`
			Succeeded  int64  `json:"succeeded"`
			Failed     int64  `json:"failed"`
		} `json:"methods"`
		Days []struct {
			Date     string   `json:"date"`
			MfaShare *float64 `json:"mfaShare"`
			Problem  string   `json:"problem"`
		} `json:"days"`
		TotalSignIns      int64    `json:"totalSignIns"`
		MfaShare          *float64 `json:"mfaShare"`
		InconsistentDays  int      `json:"inconsistentDays"`
		SignInsSource     string   `json:"signInsSource"`
		SuccessfulSignIns int64    `json:"successfulSignIns"`
		TelephonySignIns  int64    `json:"telephonySignIns"`
	} `json:"usage"`
}

// violations returns the messages of control id's violations, and whether
// the control is in the result.
func (c *usageExampleCheck) violations(id string) ([]string, bool) {
	for _, ctl := range c.Controls {
		if ctl.ID == id {
			var out []string
			for _, v := range ctl.Violations {
				out = append(out, v.Message)
			}
			return out, true
		}
	}
	return nil, false
}

// method returns the usage summary's attempts of method and feature.
func (c *usageExampleCheck) method(name, feature string) (succeeded, failed int64, ok bool) {
	for _, m := range c.Usage.Methods {
		if m.AuthMethod == name && m.Feature == feature {
			return m.Succeeded, m.Failed, true
		}
	}
	return 0, 0, false
}

// TestMicrosoftGraphExamplesUsage serves the example response of each of
// the four beta usage reports of Microsoft's Graph documentation
// (testdata/graph-examples, sources in its README) verbatim through the
// emulator in place of the report it documents, fetches with --include
// usage, and checks the snapshot: the fetch exits 0, the check 0 or 1, and
// what the examples show is judged as a gate must. The userMfaSignInSummary
// example counts 9900 multi-factor sign-ins of 1000: AM-DQ-04 names the day
// and no share counts it (never above 100%). The userEventsSummary and
// userRegistrationActivity examples name methods in the methodsRegistered
// vocabulary (microsoftAuthenticatorPush): they are classified as the
// usage reports' appNotification through the taxonomy.
func TestMicrosoftGraphExamplesUsage(t *testing.T) {
	// The examples are dated 2025-07-16T16:19:18Z: the fetch runs a few
	// hours later, so that they lie in its period (d30) rather than being
	// dropped as days outside it.
	now := time.Date(2025, 7, 16, 20, 0, 0, 0, time.UTC)
	tests := []struct {
		file string
		ep   graphfake.Endpoint
		// delegated: userRegistrationActivity and
		// userSignInsByAuthMethodSummary answer signed-in users only;
		// userEventsSummary is read only when an app-only fetch derives the
		// activity from it after the 403.
		delegated bool
		judge     func(t *testing.T, u *snapshot.Usage, res *usageExampleCheck, text string)
	}{
		{"userregistrationactivity-beta.json", graphfake.EndpointRegistrationActivity, true, func(t *testing.T, u *snapshot.Usage, res *usageExampleCheck, _ string) {
			var doc struct {
				Value []snapshot.RegistrationActivity
			}
			readExample(t, "userregistrationactivity-beta.json", &doc)
			snapshot.SortActivity(doc.Value)
			if u.ActivitySource != snapshot.SourceGraph || len(doc.Value) != 25 || !slices.Equal(u.UserRegistrationActivity, doc.Value) {
				t.Errorf("snapshot activity (source %q) is not the example's %d rows:\n%+v", u.ActivitySource, len(doc.Value), u.UserRegistrationActivity)
			}
			if s, f, ok := res.method("appNotification", "registration"); !ok || s != 83 || f != 214 {
				t.Errorf("appNotification registration: %d succeeded, %d failed (found %v); want the example's microsoftAuthenticatorPush 83 and 214", s, f, ok)
			}
			if s, f, ok := res.method("mobileSMS", "reset"); !ok || s != 0 || f != 0 {
				t.Errorf("mobilePhone reset is not classified as mobileSMS: %d, %d, %v", s, f, ok)
			}
			for _, m := range res.Usage.Methods {
				if m.AuthMethod == "microsoftAuthenticatorPush" || m.AuthMethod == "mobilePhone" {
					t.Errorf("usage method %s %s is not classified through the taxonomy", m.AuthMethod, m.Feature)
				}
			}
			vs, _ := res.violations("AM-USE-01")
			if !slices.ContainsFunc(vs, func(m string) bool {
				return strings.HasPrefix(m, "appNotification registration failed 72.1% of the time (214 of 297 attempts")
			}) {
				t.Errorf("AM-USE-01 does not judge the example's microsoftAuthenticatorPush registrations as appNotification: %q", vs)
			}
		}},
		{"usereventssummary-beta.json", graphfake.EndpointEventsSummary, false, func(t *testing.T, u *snapshot.Usage, res *usageExampleCheck, _ string) {
			want := []snapshot.RegistrationActivity{{AuthMethod: "microsoftAuthenticatorPush", Feature: "registration", SuccessfulActivityCount: 1}}
			if u.ActivitySource != snapshot.SourceDerived || !slices.Equal(u.UserRegistrationActivity, want) {
				t.Errorf("activity derived from the example's event (source %q): %+v, want %+v", u.ActivitySource, u.UserRegistrationActivity, want)
			}
			if len(res.Usage.Methods) != 1 {
				t.Fatalf("usage methods %+v, want the example's one event", res.Usage.Methods)
			}
			if m := res.Usage.Methods[0]; m.AuthMethod != "appNotification" || m.Feature != "registration" || m.Succeeded != 1 || m.Failed != 0 {
				t.Errorf("the example's microsoftAuthenticatorPush event is summarised as %+v, want appNotification registration, 1 succeeded", m)
			}
		}},
		{"usermfasigninsummary-beta.json", graphfake.EndpointMfaSignInSummary, false, func(t *testing.T, u *snapshot.Usage, res *usageExampleCheck, text string) {
			want := []snapshot.MfaSignInDay{{CreatedDateTime: "2025-07-16T16:19:18Z", MultiFactorSignIns: 9900, SingleFactorSignIns: 100, TotalSignIns: 1000}}
			if !slices.EqualFunc(u.UserMfaSignInSummary, want, func(a, b snapshot.MfaSignInDay) bool {
				return a.CreatedDateTime == b.CreatedDateTime && a.MultiFactorSignIns == b.MultiFactorSignIns &&
					a.SingleFactorSignIns == b.SingleFactorSignIns && a.TotalSignIns == b.TotalSignIns && len(a.Missing) == 0
			}) {
				t.Errorf("snapshot days %+v, want the example's day as served", u.UserMfaSignInSummary)
			}
			vs, _ := res.violations("AM-DQ-04")
			if len(vs) != 1 || !strings.Contains(vs[0], "userMfaSignInSummary[0] (2025-07-16T16:19:18Z) contradicts itself") {
				t.Errorf("AM-DQ-04 violations %q, want exactly the example's day", vs)
			}
			us := res.Usage
			if us.InconsistentDays != 1 || len(us.Days) != 1 || us.Days[0].MfaShare != nil || us.Days[0].Problem == "" {
				t.Errorf("the example's day is not left out of the shares: %d inconsistent, days %s", us.InconsistentDays, jsonOf(us.Days))
			}
			if us.MfaShare != nil || us.TotalSignIns != 0 {
				t.Errorf("period share %s of %d sign-ins, want none: the only day contradicts itself", jsonOf(us.MfaShare), us.TotalSignIns)
			}
			if strings.Contains(text, "990.0%") {
				t.Errorf("the text output shows the example's 990%% share:\n%s", text)
			}
			if !strings.Contains(text, "AM-DQ-04") {
				t.Errorf("the text output does not name AM-DQ-04:\n%s", text)
			}
		}},
		{"usersigninsbyauthmethodsummary-beta.json", graphfake.EndpointSignInsByMethod, true, func(t *testing.T, u *snapshot.Usage, res *usageExampleCheck, _ string) {
			var doc struct{ Value []snapshot.SignInsByMethod }
			readExample(t, "usersigninsbyauthmethodsummary-beta.json", &doc)
			got := slices.Clone(u.UserSignInsByAuthMethodSummary)
			cmpName := func(a, b snapshot.SignInsByMethod) int {
				return strings.Compare(a.AuthenticationMethod, b.AuthenticationMethod)
			}
			slices.SortFunc(got, cmpName)
			slices.SortFunc(doc.Value, cmpName)
			if u.SignInsSource != snapshot.SourceGraph || len(doc.Value) != 16 || !slices.Equal(got, doc.Value) {
				t.Errorf("snapshot sign-ins per method (source %q) are not the example's %d rows:\n%+v", u.SignInsSource, len(doc.Value), got)
			}
			// password 1470, push 8, passwordless 504, TAP 90, passkey 843;
			// sms, smsSignIn and the phones 0.
			if us := res.Usage; us.SignInsSource != snapshot.SourceGraph || us.SuccessfulSignIns != 2915 || us.TelephonySignIns != 0 {
				t.Errorf("sign-ins summary (source %q): %d successful, %d telephony; want 2915 and 0", us.SignInsSource, us.SuccessfulSignIns, us.TelephonySignIns)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s, _, served := serveExample(t, tt.file, tt.ep, graphfake.Options{
				Tenant:   tenantgen.Tenant{Seed: 3, Users: 3, Now: now, Ideal: true},
				ClientID: cmdTestClientID, ClientSecret: cmdTestSecret, Rate: -1,
				Delegated: tt.delegated,
			})
			out := filepath.Join(t.TempDir(), "snap.json")
			code, _, stderr := runWithEmulatorAt(t, s, now, "fetch", "-o", out, "--include", "usage")
			if code != exitOK || *served == 0 {
				t.Fatalf("fetch: exit %d, example served %d times:\n%s", code, *served, stderr)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			var snap struct {
				Usage *snapshot.Usage `json:"usage"`
			}
			if err := json.Unmarshal(b, &snap); err != nil || snap.Usage == nil {
				t.Fatalf("snapshot usage section: %v (nil: %v)", err, snap.Usage == nil)
			}
			code, stdout, stderr := cli(t, "check", "--snapshot", out, "--format", "json")
			if code != exitOK && code != exitViolations {
				t.Fatalf("check: exit %d:\n%s", code, stderr)
			}
			var res usageExampleCheck
			if err := json.Unmarshal([]byte(stdout), &res); err != nil || res.Usage == nil {
				t.Fatalf("check output: %v (usage: %v):\n%s", err, res.Usage != nil, stdout)
			}
			if _, ok := res.violations("AM-DQ-04"); !ok {
				t.Errorf("AM-DQ-04 is not in the result")
			}
			assertSharesAtMost1(t, stdout)
			code, text, stderr := cli(t, "check", "--snapshot", out, "--format", "text")
			if code != exitOK && code != exitViolations {
				t.Fatalf("check --format text: exit %d:\n%s", code, stderr)
			}
			assertPercentAtMost100(t, text)
			tt.judge(t, snap.Usage, &res, text)
		})
	}
}

// jsonOf renders v for a failure message.
func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// readExample decodes a file of testdata/graph-examples into v.
func readExample(t *testing.T, file string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../../testdata/graph-examples", file))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// assertSharesAtMost1 fails the test when a share or rate of check's JSON
// usage member lies outside [0, 1].
func assertSharesAtMost1(t *testing.T, stdout string) {
	t.Helper()
	var doc struct {
		Usage any `json:"usage"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				if f, ok := e.(float64); ok && (strings.HasSuffix(k, "Share") || strings.HasSuffix(k, "Rate") || k == "share") && (f < 0 || f > 1) {
					t.Errorf("usage%s.%s = %v: a share outside [0, 1]", path, k, f)
				}
				walk(path+"."+k, e)
			}
		case []any:
			for i, e := range v {
				walk(path+"["+strconv.Itoa(i)+"]", e)
			}
		}
	}
	walk("", doc.Usage)
}

var percentRE = regexp.MustCompile(`([0-9]+(?:\.[0-9]+)?)%`)

// assertPercentAtMost100 fails the test when the text output shows a
// percentage above 100%.
func assertPercentAtMost100(t *testing.T, text string) {
	t.Helper()
	for _, m := range percentRE.FindAllStringSubmatch(text, -1) {
		if f, _ := strconv.ParseFloat(m[1], 64); f > 100 {
			t.Errorf("the text output shows %s:\n%s", m[0], text)
		}
	}
}
