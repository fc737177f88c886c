package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/authgate/authgate/result"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/go-cmp/cmp"
)

func TestJSONGolden(t *testing.T) {
	golden(t, "json.golden", render(t, "json", fixtureOptions(), fixture()))
}

// TestJSONContract decodes the output and checks it against the documented
// contract: the fields, their values, control and violation order.
func TestJSONContract(t *testing.T) {
	out := render(t, "json", fixtureOptions(), fixture())
	if !json.Valid(out) {
		t.Fatalf("invalid JSON:\n%s", out)
	}
	if !bytes.HasSuffix(out, []byte("}\n")) {
		t.Error("no trailing newline")
	}
	var doc struct {
		SchemaVersion int                `json:"schemaVersion"`
		Tool          result.Tool        `json:"tool"`
		Snapshot      result.SnapshotRef `json:"snapshot"`
		Verdict       string             `json:"verdict"`
		FailOn        string             `json:"failOn"`
		Summary       result.Summary     `json:"summary"`
		Controls      []struct {
			ID         string `json:"id"`
			Severity   string `json:"severity"`
			Status     string `json:"status"`
			Family     string `json:"family"`
			Package    string `json:"package"`
			SkipReason string `json:"skipReason"`
			Violations []struct {
				Subject   *result.Subject `json:"subject"`
				Message   string          `json:"message"`
				Value     *float64        `json:"value"`
				Threshold *float64        `json:"threshold"`
				Waiver    *result.Waiver  `json:"waiver"`
			} `json:"violations"`
		} `json:"controls"`
	}
	var loose map[string]any
	if err := json.Unmarshal(out, &loose); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	f := fixture()
	if doc.SchemaVersion != 1 || doc.Tool != f.Tool || doc.Verdict != "fail" || doc.FailOn != "high" || doc.Summary != f.Summary {
		t.Errorf("header = %v %v %v %v %v", doc.SchemaVersion, doc.Tool, doc.Verdict, doc.FailOn, doc.Summary)
	}
	wantSnap := f.Snapshot
	wantSnap.ManifestOffset = 0
	if doc.Snapshot != wantSnap {
		t.Errorf("snapshot = %+v, want %+v", doc.Snapshot, wantSnap)
	}
	var ids []string
	for _, c := range doc.Controls {
		ids = append(ids, c.ID)
	}
	if diff := cmp.Diff([]string{"ACME-X-01", "AM-ADM-01", "AM-ADM-02", "AM-BG-01", "AM-USR-01", "AM-WEAK-02"}, ids); diff != "" {
		t.Errorf("control order (-want +got):\n%s", diff)
	}
	adm := doc.Controls[1]
	var subs []string
	for _, v := range adm.Violations {
		subs = append(subs, v.Subject.ID)
	}
	if diff := cmp.Diff([]string{"a1", "b2", "c3", "d4"}, subs); diff != "" {
		t.Errorf("violations not sorted by subject id (-want +got):\n%s", diff)
	}
	if adm.Violations[1].Waiver == nil || adm.Violations[1].Waiver.Ticket != "SEC-42" {
		t.Errorf("waiver missing on b2: %+v", adm.Violations[1])
	}
	if adm.Violations[2].Subject.DisplayName != "Carol <Ops> & Co | Tier-0 Ünïcødé ✓" {
		t.Errorf("display name did not round-trip: %q", adm.Violations[2].Subject.DisplayName)
	}
	usr := doc.Controls[4]
	if len(usr.Violations) != 1 || usr.Violations[0].Subject != nil || *usr.Violations[0].Value != 0.91 || *usr.Violations[0].Threshold != 0.95 {
		t.Errorf("tenant violation = %+v", usr.Violations)
	}
	if doc.Controls[0].Family != "authgate.acme.x" || doc.Controls[0].Package != "authgate.acme.x" {
		t.Errorf("user control family/package = %q/%q", doc.Controls[0].Family, doc.Controls[0].Package)
	}
	if doc.Controls[3].Status != "skipped" || doc.Controls[3].SkipReason == "" {
		t.Errorf("skipped control = %+v", doc.Controls[3])
	}
	// A control without violations has "violations": [] (never null).
	ctl := loose["controls"].([]any)[2].(map[string]any)
	if v, ok := ctl["violations"].([]any); !ok || len(v) != 0 {
		t.Errorf("violations of a passing control = %#v, want []", ctl["violations"])
	}
	if ctl := loose["controls"].([]any)[3].(map[string]any); ctl["violations"] == nil {
		t.Errorf("skipped control violations = null, want []")
	}
	// Subject is null for a tenant-level finding.
	tv := loose["controls"].([]any)[4].(map[string]any)["violations"].([]any)[0].(map[string]any)
	if s, ok := tv["subject"]; !ok || s != nil {
		t.Errorf("tenant subject = %#v, want null", s)
	}
}

func TestJSONEmpty(t *testing.T) {
	out := render(t, "json", Options{}, &result.Result{})
	var doc map[string]any
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if c, ok := doc["controls"].([]any); !ok || len(c) != 0 {
		t.Errorf("controls = %#v, want []", doc["controls"])
	}
}

// countJSONViolations decodes a json report as a stream of tokens (with
// jsontext, several times faster than encoding/json's Decoder), reads every
// violation as one JSON object, and counts them per control.
func countJSONViolations(r io.Reader) (map[string]int, error) {
	dec := jsontext.NewDecoder(r)
	counts := map[string]int{}
	expect := func(want jsontext.Kind) error {
		tok, err := dec.ReadToken()
		if err != nil {
			return err
		}
		if tok.Kind() != want {
			return fmt.Errorf("at %d: got %v, want %v", dec.InputOffset(), tok.Kind(), want)
		}
		return nil
	}
	if err := expect('{'); err != nil {
		return nil, err
	}
	for dec.PeekKind() != '}' {
		key, err := dec.ReadToken()
		if err != nil {
			return nil, err
		}
		if key.String() != "controls" {
			if err := dec.SkipValue(); err != nil {
				return nil, err
			}
			continue
		}
		if err := expect('['); err != nil {
			return nil, err
		}
		for dec.PeekKind() != ']' {
			if err := expect('{'); err != nil {
				return nil, err
			}
			var id string
			for dec.PeekKind() != '}' {
				k, err := dec.ReadToken()
				if err != nil {
					return nil, err
				}
				switch k.String() {
				case "id":
					tok, err := dec.ReadToken()
					if err != nil {
						return nil, err
					}
					id = tok.String()
				case "violations":
					if err := expect('['); err != nil {
						return nil, err
					}
					for dec.PeekKind() != ']' {
						v, err := dec.ReadValue()
						if err != nil {
							return nil, err
						}
						if v.Kind() != '{' || !bytes.Contains(v, []byte(`"message": `)) {
							return nil, fmt.Errorf("violation %d of %s is not an object with a message: %.80s", counts[id], id, v)
						}
						counts[id]++
					}
					if err := expect(']'); err != nil {
						return nil, err
					}
				default:
					if err := dec.SkipValue(); err != nil {
						return nil, err
					}
				}
			}
			if err := expect('}'); err != nil {
				return nil, err
			}
		}
		if err := expect(']'); err != nil {
			return nil, err
		}
	}
	if err := expect('}'); err != nil {
		return nil, err
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return nil, fmt.Errorf("data after the document: %v", err)
	}
	return counts, nil
}

// TestJSONMillion writes a 1,000,000-violation report through a pipe and
// counts the violations by decoding it as a stream: every one is listed.
func TestJSONMillion(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	r := bigResult()
	pr, pw := io.Pipe()
	go func() {
		w, _ := New("json", Options{})
		pw.CloseWithError(w.Write(pw, r))
	}()
	counts, err := countJSONViolations(pr)
	pr.Close()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"AM-ADM-01": 1_000_000} // AM-ADM-02 has none
	if diff := cmp.Diff(want, counts); diff != "" {
		t.Errorf("violation counts (-want +got):\n%s", diff)
	}
}

func BenchmarkWriteJSON(b *testing.B) { benchmarkWrite(b, "json") }

// TestAppendViolation keeps the hand-written violation encoder identical to
// encoding/json, and fails when the result model gains a field it ignores.
func TestAppendViolation(t *testing.T) {
	for typ, want := range map[reflect.Type]int{
		reflect.TypeFor[result.Violation](): 6, // Subject, Message, Value, Threshold, Waiver, Offset (json:"-")
		reflect.TypeFor[result.Subject]():   4,
		reflect.TypeFor[result.Waiver]():    6,
	} {
		if typ.NumField() != want {
			t.Errorf("%s has %d fields, appendViolation knows %d: update it", typ, typ.NumField(), want)
		}
	}
	sub := &result.Subject{ID: "id-1", UserPrincipalName: "a@b.example", DisplayName: "A"}
	tests := []struct {
		name string
		v    result.Violation
	}{
		{"tenant", result.Violation{Message: "m"}},
		{"tenant values", result.Violation{Message: "m", Value: f64(0.91), Threshold: f64(0.95)}},
		{"odd floats", result.Violation{Message: "m", Value: f64(1e-7), Threshold: f64(1e21)}},
		{"integral floats", result.Violation{Message: "m", Value: f64(3), Threshold: f64(-0.5)}},
		{"user", result.Violation{Subject: sub, Message: "admin is not MFA-capable", Offset: 5}},
		{"admin roles", result.Violation{Subject: &result.Subject{ID: "i", Roles: []string{"Global Administrator (eligible)", "Helpdesk Administrator (active, via group \"Ops\")"}}, Message: "m"}},
		{"empty strings", result.Violation{Subject: &result.Subject{}}},
		{"escapes", result.Violation{Subject: &result.Subject{ID: "x", DisplayName: "q\"b\\s\n\t\x01<&> Zoë \u2028 \xff"}, Message: "é"}},
		{"waiver full", result.Violation{Subject: sub, Message: "m", Waiver: &result.Waiver{Control: "C", Subject: "S", Reason: "R", Owner: "O", Expires: "E", Ticket: "T"}}},
		{"waiver minimal", result.Violation{Message: "m", Waiver: &result.Waiver{Control: "C", Reason: "R"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("        ", "  ")
			if err := enc.Encode(&tt.v); err != nil {
				t.Fatal(err)
			}
			want := strings.TrimSuffix(buf.String(), "\n")
			if got := string(appendViolation(nil, &tt.v)); got != want {
				t.Errorf("appendViolation differs from encoding/json (-want +got):\n%s", cmp.Diff(want, got))
			}
		})
	}
}

// TestJSONUsage checks the usage member: written last, after controls and
// waivers, as UsageSummary's json tags say, and absent without usage.
func TestJSONUsage(t *testing.T) {
	for _, delegated := range []bool{true, false} {
		t.Run(fmt.Sprintf("delegated=%t", delegated), func(t *testing.T) {
			r := usageResult(delegated)
			out := render(t, "json", fixtureOptions(), r)
			if delegated {
				golden(t, "json-usage.golden", out)
			}
			var keys []string
			dec := jsontext.NewDecoder(bytes.NewReader(out))
			if _, err := dec.ReadToken(); err != nil {
				t.Fatal(err)
			}
			for dec.PeekKind() != '}' {
				k, err := dec.ReadToken()
				if err != nil {
					t.Fatal(err)
				}
				keys = append(keys, k.String())
				if err := dec.SkipValue(); err != nil {
					t.Fatal(err)
				}
			}
			want := []string{"schemaVersion", "tool", "snapshot", "verdict", "failOn", "summary", "controls", "waivers", "usage"}
			if diff := cmp.Diff(want, keys); diff != "" {
				t.Errorf("members (-want +got):\n%s", diff)
			}
			var doc struct {
				Usage *result.UsageSummary `json:"usage"`
			}
			if err := json.Unmarshal(out, &doc); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(r.Usage, doc.Usage); diff != "" {
				t.Errorf("usage round trip (-want +got):\n%s", diff)
			}
			s := string(out)
			if delegated != strings.Contains(s, `"signInsByMethod": [`) || delegated != strings.Contains(s, `"telephonyShare": 0.25`) {
				t.Errorf("sign-ins per method present = %t, want %t", !delegated, delegated)
			}
			if !strings.Contains(s, `"mfaShare": null`) {
				t.Error("a day without sign-ins has no null mfaShare")
			}
		})
	}
	if strings.Contains(string(render(t, "json", fixtureOptions(), fixture())), `"usage"`) {
		t.Error("usage member without usage")
	}
}

// TestControlFieldsCoverTheModel fails when result.Control gains a JSON
// field that the json writer does not write.
func TestControlFieldsCoverTheModel(t *testing.T) {
	written := map[string]bool{"violations": true}
	for _, f := range controlFields(&result.Control{}) {
		written[f.name] = true
	}
	typ := reflect.TypeFor[result.Control]()
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if !written[name] {
			t.Errorf("result.Control field %s (json %q) is not written by the json writer", typ.Field(i).Name, name)
		}
		delete(written, name)
	}
	for name := range written {
		t.Errorf("the json writer writes %q, which result.Control does not have", name)
	}
}
