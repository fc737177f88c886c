package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/graphfake"
	"github.com/authgate/authgate/internal/tenantgen"
)

// csdlFile is the copy of Microsoft's CSDL for the report types authgate
// reads; the cases below are generated from it.
const csdlFile = "../../testdata/graph-csdl/authentication-methods-reports.xml"

type csdlProperty struct {
	Name     string `xml:"Name,attr"`
	Type     string `xml:"Type,attr"`
	Nullable string `xml:"Nullable,attr"`
}

type csdlExcerpt struct {
	Entities []struct {
		Name       string         `xml:"Name,attr"`
		Properties []csdlProperty `xml:"Property"`
	} `xml:"EntityType"`
	Complex []struct {
		Name       string         `xml:"Name,attr"`
		Properties []csdlProperty `xml:"Property"`
	} `xml:"ComplexType"`
	Enums []struct {
		Name    string `xml:"Name,attr"`
		Members []struct {
			Name string `xml:"Name,attr"`
		} `xml:"Member"`
	} `xml:"EnumType"`
}

// neededByControls are the properties whose null (or, for userType, unknown
// member) leaves a user's standing unknown: AM-DQ-03 must name the user.
var neededByControls = []string{"isAdmin", "userType", "isMfaCapable", "isMfaRegistered", "isPasswordlessCapable",
	"isSsprCapable", "isSsprEnabled", "isSsprRegistered", "isSystemPreferredAuthenticationMethodEnabled", "methodsRegistered"}

// checkJSON is the part of check's JSON result these tests read.
type checkJSON struct {
	Controls []struct {
		ID         string `json:"id"`
		Violations []struct {
			Subject struct {
				ID string `json:"id"`
			} `json:"subject"`
			Message string `json:"message"`
		} `json:"violations"`
	} `json:"controls"`
	Unknown map[string]int64 `json:"unknown"`
}

// schemaCase is one generated response shape for one property of row 0.
type schemaCase struct {
	name  string
	prop  string
	value string // the JSON value written for prop ("" with annotate)
	legal bool   // fetch must keep it and check must judge it
	dq03  bool   // AM-DQ-03 must name the user
}

func loadCSDL(t *testing.T) csdlExcerpt {
	t.Helper()
	b, err := os.ReadFile(csdlFile)
	if err != nil {
		t.Fatal(err)
	}
	var x csdlExcerpt
	if err := xml.Unmarshal(b, &x); err != nil {
		t.Fatalf("%s: %v", csdlFile, err)
	}
	return x
}

// schemaCases generates, for each property of userRegistrationDetails in the
// CSDL copy: a null, an unknown enum member (enums), an extra annotation and
// one value of the wrong JSON type; plus a property added later.
func schemaCases(t *testing.T) []schemaCase {
	x := loadCSDL(t)
	enums := map[string]bool{}
	for _, e := range x.Enums {
		enums["graph."+e.Name] = true
	}
	var props []csdlProperty
	for _, e := range x.Entities {
		if e.Name == "userRegistrationDetails" {
			props = e.Properties
		}
	}
	if len(props) < 15 {
		t.Fatalf("%s: %d properties of userRegistrationDetails, want the 15 of Graph v1.0", csdlFile, len(props))
	}
	var cases []schemaCase
	for _, p := range props {
		needed := slices.Contains(neededByControls, p.Name)
		kind := "nullable"
		if p.Nullable == "false" {
			kind = "non-nullable"
		}
		cases = append(cases,
			schemaCase{name: p.Name + " null (" + kind + ")", prop: p.Name, value: "null", legal: true, dq03: needed},
			schemaCase{name: p.Name + " annotated", prop: p.Name, legal: true})
		if enums[p.Type] {
			cases = append(cases,
				schemaCase{name: p.Name + " unknownFutureValue", prop: p.Name, value: `"unknownFutureValue"`, legal: true, dq03: p.Name == "userType"},
				schemaCase{name: p.Name + " member added later", prop: p.Name, value: `"passkeyPreferred2027"`, legal: true, dq03: p.Name == "userType"})
		}
		var wrong string
		switch {
		case strings.HasPrefix(p.Type, "Collection("):
			wrong = `"microsoftAuthenticatorPush"`
		case p.Type == "Edm.Boolean":
			wrong = `"true"`
		case p.Type == "Edm.DateTimeOffset":
			wrong = `20260501`
		default: // Edm.String and enums
			wrong = `42`
		}
		cases = append(cases, schemaCase{name: p.Name + " wrong type", prop: p.Name, value: wrong})
	}
	return append(cases, schemaCase{name: "property added later", prop: "riskyNewProperty2027", value: `{"nested":[1,null,{"x":"y"}]}`, legal: true})
}

// mutate rewrites property prop of the compact row.
func mutate(t *testing.T, row []byte, c schemaCase) []byte {
	key := []byte(`"` + c.prop + `":`)
	i := bytes.Index(row, key)
	if i < 0 {
		if c.value == "" || c.prop != "riskyNewProperty2027" {
			t.Fatalf("row lacks %s: %s", c.prop, row)
		}
		return append(append(bytes.Clone(row[:len(row)-1]), `,"`+c.prop+`":`+c.value...), '}')
	}
	if c.value == "" { // an annotation on the property, before it, as OData writes them
		return slices.Concat(row[:i], []byte(`"`+c.prop+`@odata.type":"#microsoft.graph.futureType",`), row[i:])
	}
	j := i + len(key)
	var v json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(row[j:]))
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	end := j + int(dec.InputOffset())
	return slices.Concat(row[:j], []byte(c.value), row[end:])
}

func TestGraphSchemaShapes(t *testing.T) {
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range schemaCases(t) {
		t.Run(c.name, func(t *testing.T) {
			var served []byte
			s, err := graphfake.New(graphfake.Options{
				Tenant:   tenantgen.Tenant{Seed: 3, Users: 4, Now: now, Ideal: true},
				ClientID: cmdTestClientID, ClientSecret: cmdTestSecret, Rate: -1,
				RowHook: func(i int, row []byte) []byte {
					if i != 0 {
						return row
					}
					served = mutate(t, row, c)
					return served
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(s.Close)
			id := s.Tenant().User(0).ID
			out := filepath.Join(t.TempDir(), "snap.json")
			code, _, stderr := runWithEmulator(t, s, "fetch", "-o", out)
			if !c.legal {
				// A row problem names the page, the row and the property,
				// and is never reported as a paging failure.
				if code != exitInconclusive || !strings.Contains(stderr, "invalid row: page 1 row 1: userRegistrationDetails[0]."+c.prop+": want ") ||
					strings.Contains(stderr, "paging failed") {
					t.Errorf("fetch: exit %d, want %d naming page 1, row 1 and %s as an invalid row:\n%s", code, exitInconclusive, c.prop, stderr)
				}
				if _, err := os.Stat(out); err == nil {
					t.Error("a snapshot was written")
				}
				checkWrongType(t, c, served)
				return
			}
			if code != exitOK {
				t.Fatalf("fetch: exit %d, want 0:\n%s", code, stderr)
			}
			snap, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(snap, append([]byte("\n"), served...)) {
				t.Errorf("the snapshot does not hold the row verbatim: %s", served)
			}
			code, stdout, stderr := cli(t, "check", "--snapshot", out, "--format", "json")
			if code != exitOK && code != exitViolations {
				t.Fatalf("check: exit %d, want 0 or 1:\n%s", code, stderr)
			}
			var r checkJSON
			if err := json.Unmarshal([]byte(stdout), &r); err != nil {
				t.Fatal(err)
			}
			var named []string
			for _, ctl := range r.Controls {
				if ctl.ID != "AM-DQ-03" {
					continue
				}
				for _, v := range ctl.Violations {
					named = append(named, v.Subject.ID)
					if !strings.Contains(v.Message, c.prop) {
						t.Errorf("AM-DQ-03 does not name %s: %s", c.prop, v.Message)
					}
				}
			}
			want := []string(nil)
			if c.dq03 {
				want = []string{id}
			}
			if !slices.Equal(named, want) {
				t.Errorf("AM-DQ-03 names %v, want %v", named, want)
			}
			// The coverage shares say how many users they could not place.
			wantAll, wantAdmin := int64(0), int64(0)
			if c.dq03 {
				wantAll = 1
			}
			if c.prop == "isAdmin" && c.value == "null" {
				wantAdmin = 1
			}
			if r.Unknown["all"] != wantAll || r.Unknown["admin"] < wantAdmin {
				t.Errorf("unknown counts %v, want all=%d admin>=%d", r.Unknown, wantAll, wantAdmin)
			}
		})
	}
}

// checkWrongType puts the wrongly typed row into a good snapshot: check must
// refuse it (exit 2), naming the row and the property.
func checkWrongType(t *testing.T, c schemaCase, row []byte) {
	t.Helper()
	s := newTestEmulatorIdeal(t)
	good := filepath.Join(t.TempDir(), "good.json")
	if code, _, stderr := runWithEmulator(t, s, "fetch", "-o", good); code != exitOK {
		t.Fatalf("fetch: exit %d:\n%s", code, stderr)
	}
	b, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitN(b, []byte("\n"), 4)
	lines[2] = bytes.TrimSuffix(lines[2], []byte(","))
	bad := bytes.Replace(b, lines[2], row, 1)
	p := filepath.Join(t.TempDir(), "snapshot.json")
	if err := os.WriteFile(p, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := cli(t, "check", "--snapshot", p)
	if code != exitUsage || !strings.Contains(stderr, "userRegistrationDetails[0]."+c.prop+": want ") {
		t.Errorf("check: exit %d, want 2 naming row 0 and %s:\n%s", code, c.prop, stderr)
	}
}

func newTestEmulatorIdeal(t *testing.T) *graphfake.Server {
	t.Helper()
	s, err := graphfake.New(graphfake.Options{
		Tenant:   tenantgen.Tenant{Seed: 3, Users: 4, Now: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), Ideal: true},
		ClientID: cmdTestClientID, ClientSecret: cmdTestSecret, Rate: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// TestOddTenantFetchAndCheck fetches a tenant whose rows carry the legal
// oddities the emulator serves by default: every user is kept verbatim, and
// AM-DQ-03 names exactly the users whose rows leave a needed value unknown.
func TestOddTenantFetchAndCheck(t *testing.T) {
	const n = 3000
	s := newTestEmulator(t, n) // oddities on
	out := filepath.Join(t.TempDir(), "snap.json")
	if code, _, stderr := runWithEmulator(t, s, "fetch", "-o", out); code != exitOK {
		t.Fatalf("fetch: exit %d:\n%s", code, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(b, []byte("\n"))
	want := map[string]bool{}
	odd := 0
	for i := range n {
		u := s.Tenant().User(i)
		row := tenantgen.AppendUser(nil, &u, false)
		got := bytes.TrimSuffix(lines[2+i], []byte(","))
		if !bytes.Equal(got, row) {
			t.Fatalf("row %d not kept verbatim:\n got %s\nwant %s", i, got, row)
		}
		ideal := tenantgen.Tenant{Seed: 3, Users: n, Ideal: true, Now: s.Tenant().Now}.User(i)
		if !bytes.Equal(row, tenantgen.AppendUser(nil, &ideal, false)) {
			odd++
		}
		unknown := !strings.EqualFold(u.UserType, "member") && !strings.EqualFold(u.UserType, "guest")
		for _, p := range neededByControls {
			unknown = unknown || bytes.Contains(row, []byte(`"`+p+`":null`))
		}
		if unknown {
			want[u.ID] = true
		}
	}
	if odd < n/100 || len(want) == 0 {
		t.Fatalf("%d odd rows, %d with unknown values: the emulator serves too few oddities", odd, len(want))
	}
	code, stdout, stderr := cli(t, "check", "--snapshot", out, "--format", "json")
	if code != exitOK && code != exitViolations {
		t.Fatalf("check: exit %d:\n%s", code, stderr)
	}
	var r checkJSON
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, ctl := range r.Controls {
		if ctl.ID == "AM-DQ-03" {
			for _, v := range ctl.Violations {
				got[v.Subject.ID] = true
			}
		}
	}
	if len(got) != len(want) {
		t.Errorf("AM-DQ-03 names %d users, want %d", len(got), len(want))
	}
	for id := range want {
		if !got[id] {
			t.Errorf("AM-DQ-03 misses %s", id)
		}
	}
	if r.Unknown["all"] != int64(len(want)) {
		t.Errorf("unknown users in scope all = %d, want %d", r.Unknown["all"], len(want))
	}
}
