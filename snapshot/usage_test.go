package snapshot

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func testUsage() *Usage {
	return &Usage{
		Period: "d7", Start: "2026-11-19T08:00:00Z", End: "2026-11-26T08:00:00Z",
		UserRegistrationActivity: []RegistrationActivity{
			{AuthMethod: "appNotification", Feature: "registration", SuccessfulActivityCount: 40, FailureActivityCount: 2},
			{AuthMethod: "mobileSMS", Feature: "reset", SuccessfulActivityCount: 15, FailureActivityCount: 9},
		},
		ActivitySource:       SourceDerived,
		ActivityReason:       "Graph answered 403 Forbidden",
		UserMfaSignInSummary: []MfaSignInDay{{CreatedDateTime: "2026-11-26T00:00:00Z", MultiFactorSignIns: 90, SingleFactorSignIns: 10, TotalSignIns: 100}},
		SignInsSource:        SourceOmitted,
		SignInsReason:        "delegated only",
	}
}

func TestWriterUsageRoundTrip(t *testing.T) {
	for _, withUsage := range []bool{false, true} {
		var buf bytes.Buffer
		w, err := NewWriter(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteUser(testUser(1)); err != nil {
			t.Fatal(err)
		}
		if withUsage {
			w.SetUsage(testUsage())
		}
		if _, err := w.Close(nil, nil, testManifest()); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(buf.String(), `"usage":`); got != withUsage {
			t.Fatalf("usage member written = %v, want %v:\n%s", got, withUsage, buf.String())
		}
		if withUsage && strings.Index(buf.String(), `"usage":`) > strings.Index(buf.String(), `"manifest":`) {
			t.Errorf("usage written after the manifest")
		}
		path := filepath.Join(t.TempDir(), "s.json")
		if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		info, err := Scan(context.Background(), path, ScanOptions{}, func([]UserRegistrationDetails) error { return nil })
		if err != nil {
			t.Fatalf("Scan: %v", err)
		}
		if !withUsage {
			if info.Usage != nil {
				t.Errorf("Usage = %+v, want nil", info.Usage)
			}
			continue
		}
		if diff := cmp.Diff(testUsage(), info.Usage, cmpopts.IgnoreFields(Usage{}, "Offset")); diff != "" {
			t.Errorf("usage round trip (-want +got):\n%s", diff)
		}
		if off := info.Usage.Offset; off <= 0 || buf.Bytes()[off] != '{' {
			t.Errorf("usage offset %d does not point at its object", off)
		}
	}
}

func TestScanUsage(t *testing.T) {
	good := `{"period":"d30","start":"2026-10-27T08:00:00Z","end":"2026-11-26T08:00:00Z","userRegistrationActivity":[],"activitySource":"graph","userMfaSignInSummary":[],"userSignInsByAuthMethodSummary":[{"authenticationMethod":"sms","successActivityCount":3}],"signInsSource":"graph","futureMember":1}`
	withUsage := func(u string) string {
		d := doc(user("a", ""))
		return strings.TrimSuffix(d, "}\n") + ",\n\"usage\":" + u + "}\n"
	}
	tests := []struct {
		name, usage, wantErr string
	}{
		{"good", good, ""},
		{"null", "null", ""},
		{"not an object", `[1]`, "usage: want object, got array"},
		{"bad period", strings.Replace(good, `"d30"`, `"d90"`, 1), `usage.period: "d90" is not one of d1, d7, d30`},
		{"bad start", strings.Replace(good, `"2026-10-27T08:00:00Z"`, `"yesterday"`, 1), `usage.start: "yesterday" is not an RFC 3339 time`},
		{"bad source", strings.Replace(good, `"activitySource":"graph"`, `"activitySource":"guess"`, 1), `usage.activitySource: "guess" is not one of graph, derived`},
		{"wrong type", strings.Replace(good, `"successActivityCount":3`, `"successActivityCount":"3"`, 1), "usage.userSignInsByAuthMethodSummary[0].successActivityCount: want integer, got string"},
		{"day count of the wrong type", strings.Replace(good, `"userMfaSignInSummary":[]`, `"userMfaSignInSummary":[{"createdDateTime":"2026-11-01T00:00:00Z","multiFactorSignIns":1,"singleFactorSignIns":0,"totalSignIns":"2"}]`, 1),
			"usage.userMfaSignInSummary[0].totalSignIns: want integer, got string"},
		{"negative", strings.Replace(good, `"successActivityCount":3`, `"successActivityCount":-3`, 1), "usage.userSignInsByAuthMethodSummary[0].successActivityCount: negative count"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeTemp(t, "snapshot.json", withUsage(tt.usage))
			info, err := Scan(context.Background(), p, ScanOptions{}, func([]UserRegistrationDetails) error { return nil })
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Scan: %v", err)
				}
				if (tt.usage == "null") != (info.Usage == nil) {
					t.Errorf("Usage = %+v for %s", info.Usage, tt.usage)
				}
				return
			}
			if err == nil || !strings.HasSuffix(err.Error(), tt.wantErr) {
				t.Errorf("error = %v, want one ending in %q", err, tt.wantErr)
			}
		})
	}
}

func TestActivityTally(t *testing.T) {
	tally := ActivityTally{}
	for _, e := range []UserEvent{
		{AuthMethod: "mobileSMS", Feature: "reset", IsSuccess: false},
		{AuthMethod: "appNotification", Feature: "registration", IsSuccess: true},
		{AuthMethod: "mobileSMS", Feature: "reset", IsSuccess: true},
		{AuthMethod: "mobileSMS", Feature: "registration", IsSuccess: true},
	} {
		tally.Add(&e)
	}
	want := []RegistrationActivity{
		{AuthMethod: "appNotification", Feature: "registration", SuccessfulActivityCount: 1},
		{AuthMethod: "mobileSMS", Feature: "registration", SuccessfulActivityCount: 1},
		{AuthMethod: "mobileSMS", Feature: "reset", SuccessfulActivityCount: 1, FailureActivityCount: 1},
	}
	if diff := cmp.Diff(want, tally.Activity()); diff != "" {
		t.Errorf("Activity (-want +got):\n%s", diff)
	}
}

// A day that lacks a count (or gives it as null) is kept, named by Problem
// and written again without it, so the controls see the same gap as the Go
// summaries.
func TestScanUsageMissingCount(t *testing.T) {
	days := `[{"createdDateTime":"2026-11-01T00:00:00Z","multiFactorSignIns":1,"singleFactorSignIns":0},` +
		`{"createdDateTime":"2026-11-02T00:00:00Z","multiFactorSignIns":null,"singleFactorSignIns":0,"totalSignIns":4},` +
		`{"createdDateTime":"2026-11-03T00:00:00Z","multiFactorSignIns":3,"singleFactorSignIns":1,"totalSignIns":4}]`
	u := `{"period":"d30","start":"2026-10-27T08:00:00Z","end":"2026-11-26T08:00:00Z","userRegistrationActivity":[],"activitySource":"graph","userMfaSignInSummary":` + days + `,"userSignInsByAuthMethodSummary":[],"signInsSource":"graph"}`
	d := doc(user("a", ""))
	p := writeTemp(t, "snapshot.json", strings.TrimSuffix(d, "}\n")+",\n\"usage\":"+u+"}\n")
	info, err := Scan(context.Background(), p, ScanOptions{}, func([]UserRegistrationDetails) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	got := info.Usage.UserMfaSignInSummary
	wantProblem := []string{"missing totalSignIns", "missing multiFactorSignIns", ""}
	for i, d := range got {
		if p := d.Problem(info.Usage.Start, info.Usage.End); p != wantProblem[i] {
			t.Errorf("day %d: problem %q, want %q", i, p, wantProblem[i])
		}
	}
	for i, want := range []string{
		`{"createdDateTime":"2026-11-01T00:00:00Z","multiFactorSignIns":1,"singleFactorSignIns":0}`,
		`{"createdDateTime":"2026-11-02T00:00:00Z","singleFactorSignIns":0,"totalSignIns":4}`,
		`{"createdDateTime":"2026-11-03T00:00:00Z","multiFactorSignIns":3,"singleFactorSignIns":1,"totalSignIns":4}`,
	} {
		b, err := got[i].MarshalJSON()
		if err != nil || string(b) != want {
			t.Errorf("day %d written as %s (%v), want %s", i, b, err, want)
		}
	}
}

// TypeError words a wrongly typed value as the loader does, for fetch.
func TestTypeError(t *testing.T) {
	var v FeatureSummary
	err := json.Unmarshal([]byte(`{"totalUserCount":3,"userRegistrationFeatureCounts":[{"feature":"mfaCapable","userCount":"2"}]}`), &v)
	msg, ok := TypeError("usersRegisteredByFeature", err)
	if want := "usersRegisteredByFeature.userRegistrationFeatureCounts[0].userCount: want integer, got string"; !ok || msg != want {
		t.Errorf("TypeError = %q, %v; want %q", msg, ok, want)
	}
	if _, ok := TypeError("x", json.Unmarshal([]byte(`{`), &v)); ok {
		t.Error("a syntax error was worded as a type error")
	}
}
