package main

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/graphfake"
	"github.com/authgate/authgate/internal/tenantgen"
)

// summaryTypes are the CSDL types of the two summaries and where each
// appears: the summary object itself, or the first element of its counts.
var summaryTypes = []struct {
	name, report string
	ep           graphfake.Endpoint
}{
	{"userRegistrationFeatureSummary", "usersRegisteredByFeature", graphfake.EndpointFeature},
	{"userRegistrationFeatureCount", "usersRegisteredByFeature", graphfake.EndpointFeature},
	{"userRegistrationMethodSummary", "usersRegisteredByMethod", graphfake.EndpointMethod},
	{"userRegistrationMethodCount", "usersRegisteredByMethod", graphfake.EndpointMethod},
}

// summaryCase is one generated shape of one property of a summary answer.
type summaryCase struct {
	schemaCase
	report string
	ep     graphfake.Endpoint
}

// summaryCases generates, from the CSDL copy, for each property of the
// summary types: a null (nullable or not), an unknown enum member (enums),
// an annotation and one value of the wrong JSON type.
func summaryCases(t *testing.T) []summaryCase {
	x := loadCSDL(t)
	enums := map[string]bool{}
	for _, e := range x.Enums {
		enums["graph."+e.Name] = true
	}
	props := map[string][]csdlProperty{}
	for _, c := range x.Complex {
		props[c.Name] = c.Properties
	}
	var cases []summaryCase
	for _, st := range summaryTypes {
		if len(props[st.name]) < 2 {
			t.Fatalf("%s: %d properties of %s", csdlFile, len(props[st.name]), st.name)
		}
		for _, p := range props[st.name] {
			kind := "nullable"
			if p.Nullable == "false" {
				kind = "non-nullable"
			}
			add := func(c schemaCase) {
				c.name = st.name + "." + c.name
				cases = append(cases, summaryCase{schemaCase: c, report: st.report, ep: st.ep})
			}
			add(schemaCase{name: p.Name + " null (" + kind + ")", prop: p.Name, value: "null", legal: true})
			add(schemaCase{name: p.Name + " annotated", prop: p.Name, legal: true})
			if enums[p.Type] {
				add(schemaCase{name: p.Name + " unknownFutureValue", prop: p.Name, value: `"unknownFutureValue"`, legal: true})
				add(schemaCase{name: p.Name + " member added later", prop: p.Name, value: `"passkeyPreferred2027"`, legal: true})
			}
			wrong := `42`
			switch {
			case strings.HasPrefix(p.Type, "Collection("):
				wrong = `"none"`
			case p.Type == "Edm.Int64":
				wrong = `"12"`
			}
			add(schemaCase{name: p.Name + " wrong type", prop: p.Name, value: wrong})
		}
	}
	return cases
}

// TestGraphSchemaSummaryShapes puts each generated shape into the
// summaries as the emulator serves them: every shape the schema allows is
// fetched and checked (exit 0 or 1, never 2); a wrong type ends the fetch
// (exit 4) naming the report and the property, and check refuses it
// (exit 2) naming the summary and the property.
func TestGraphSchemaSummaryShapes(t *testing.T) {
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range summaryCases(t) {
		t.Run(c.name, func(t *testing.T) {
			var served []byte
			s, err := graphfake.New(graphfake.Options{
				Tenant:   tenantgen.Tenant{Seed: 3, Users: 4, Now: now, Ideal: true},
				ClientID: cmdTestClientID, ClientSecret: cmdTestSecret, Rate: -1,
				AppOnlySummariesAllowed: true,
				BodyHook: func(ep graphfake.Endpoint, _ *http.Request, body []byte) []byte {
					if ep != c.ep || served != nil {
						return body
					}
					served = mutate(t, body, c.schemaCase)
					return served
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(s.Close)
			out := filepath.Join(t.TempDir(), "snap.json")
			code, _, stderr := runWithEmulator(t, s, "fetch", "-o", out, "--summaries", "graph")
			if served == nil {
				t.Fatal("the summary was never served")
			}
			if !c.legal {
				if code != exitInconclusive || !strings.Contains(stderr, "Graph's summary breaks its schema: "+c.report) || !strings.Contains(stderr, c.prop+": want ") ||
					strings.Contains(stderr, "paging failed") {
					t.Errorf("fetch: exit %d, want %d naming %s and %s:\n%s", code, exitInconclusive, c.report, c.prop, stderr)
				}
				if _, err := os.Stat(out); err == nil {
					t.Error("a snapshot was written")
				}
				checkWrongSummary(t, c)
				return
			}
			if code != exitOK {
				t.Fatalf("fetch: exit %d, want 0:\n%s", code, stderr)
			}
			code, _, stderr = cli(t, "check", "--snapshot", out, "--format", "json")
			if code != exitOK && code != exitViolations {
				t.Fatalf("check: exit %d, want 0 or 1:\n%s", code, stderr)
			}
		})
	}
}

// checkWrongSummary writes a snapshot whose first summary of the report
// holds the wrongly typed value: check must refuse it (exit 2), naming the
// summary and the property.
func checkWrongSummary(t *testing.T, c summaryCase) {
	t.Helper()
	s := newTestEmulatorIdeal(t)
	good := filepath.Join(t.TempDir(), "good.json")
	if code, _, stderr := runWithEmulator(t, s, "fetch", "-o", good, "--summaries", "derived"); code != exitOK {
		t.Fatalf("fetch: exit %d:\n%s", code, stderr)
	}
	b, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	key := []byte(`"` + c.report + `":[`)
	i := bytes.Index(b, key)
	if i < 0 {
		t.Fatalf("the snapshot has no %s", c.report)
	}
	j := i + len(key)
	bad := slices.Concat(b[:j], mutate(t, b[j:], c.schemaCase))
	p := filepath.Join(t.TempDir(), "snapshot.json")
	if err := os.WriteFile(p, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := cli(t, "check", "--snapshot", p)
	if code != exitUsage || !strings.Contains(stderr, c.report+"[0].") || !strings.Contains(stderr, c.prop+": want ") {
		t.Errorf("check: exit %d, want 2 naming %s[0] and %s:\n%s", code, c.report, c.prop, stderr)
	}
}
