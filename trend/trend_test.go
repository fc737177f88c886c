package trend_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/authgate/authgate/internal/evaltest"
	"github.com/authgate/authgate/reports"
	"github.com/authgate/authgate/result"
	"github.com/authgate/authgate/trend"
	"github.com/authgate/authgate/trend/trendtest"
)

func evaluate(t *testing.T, path string) *result.Result {
	t.Helper()
	return evaltest.Evaluate(t, path)
}

func subjects(fs []trend.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Subject)
	}
	return out
}

func control(t *testing.T, rep *trend.Report, id string) trend.ControlDiff {
	t.Helper()
	for _, d := range rep.Controls {
		if d.ID == id {
			return d
		}
	}
	t.Fatalf("no control %s", id)
	return trend.ControlDiff{}
}

func TestCompareSnapshots(t *testing.T) {
	dir := t.TempDir()
	oldPath, newPath, err := trendtest.WritePair(dir)
	if err != nil {
		t.Fatal(err)
	}
	oldRes, newRes := evaluate(t, oldPath), evaluate(t, newPath)
	rep := trend.Compare(trend.FromResult(oldPath, oldRes), trend.FromResult(newPath, newRes))

	var pwl *trend.Coverage
	for i, c := range rep.Coverage {
		if c.Scope == "member" && c.Feature == "passwordlessCapable" {
			pwl = &rep.Coverage[i]
		}
	}
	if pwl == nil {
		t.Fatal("no member passwordlessCapable row")
	}
	// The drifters lost passwordless; the new strong admin (a member) gained it.
	if pwl.OldCount-pwl.NewCount != trendtest.Drifters-1 || pwl.Delta >= -0.01 {
		t.Errorf("member passwordless %d -> %d (%+.4f), want %d fewer and a drop of more than a point", pwl.OldCount, pwl.NewCount, pwl.Delta, trendtest.Drifters-1)
	}
	if len(rep.Coverage) != len(trend.Scopes)*len(trend.Features) {
		t.Errorf("%d coverage rows", len(rep.Coverage))
	}

	adm01 := control(t, rep, "AM-ADM-01") // admins MFA-capable
	if !slices.Contains(subjects(adm01.New), trendtest.AdminLost) || slices.Contains(subjects(adm01.Unchanged), trendtest.AdminLost) {
		t.Errorf("AM-ADM-01 new = %v, want %s", subjects(adm01.New), trendtest.AdminLost)
	}
	adm02 := control(t, rep, "AM-ADM-02") // admins phishing-resistant
	if !slices.Contains(subjects(adm02.New), trendtest.AdminNewWeak) || slices.Contains(subjects(adm02.New), trendtest.AdminNewStrong) {
		t.Errorf("AM-ADM-02 new = %v", subjects(adm02.New))
	}
	if !slices.Contains(subjects(adm02.Unchanged), trendtest.AdminLost) {
		t.Errorf("AM-ADM-02 unchanged = %v, want %s (push only in both)", subjects(adm02.Unchanged), trendtest.AdminLost)
	}
	// Every old violation is resolved or unchanged, every new one new or unchanged.
	for i, d := range rep.Controls {
		if got, want := len(d.Resolved)+len(d.Unchanged), len(oldRes.Controls[i].Violations); got != want {
			t.Errorf("%s: resolved+unchanged = %d, old violations %d", d.ID, got, want)
		}
		if got, want := len(d.New)+len(d.Unchanged), len(newRes.Controls[i].Violations); got != want {
			t.Errorf("%s: new+unchanged = %d, new violations %d", d.ID, got, want)
		}
	}

	t.Run("results JSON gives the same violations", func(t *testing.T) {
		write := func(r *result.Result, name string) string {
			w, _ := reports.New("json", reports.Options{})
			var b bytes.Buffer
			if err := w.Write(&b, r); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, b.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}
		o, err := trend.ReadResults(write(oldRes, "old.json"))
		if err != nil {
			t.Fatal(err)
		}
		n, err := trend.ReadResults(write(newRes, "new.json"))
		if err != nil {
			t.Fatal(err)
		}
		fromJSON := trend.Compare(o, n)
		if diff := cmp.Diff(rep.Controls, fromJSON.Controls); diff != "" {
			t.Errorf("controls differ (-snapshots +json):\n%s", diff)
		}
		if len(fromJSON.Coverage) != 0 {
			t.Error("coverage from results JSON")
		}
		var text bytes.Buffer
		if err := trend.Write(&text, fromJSON, "text", 0); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text.String(), "not available: results JSON files hold no coverage") {
			t.Error("text does not say coverage is unavailable")
		}
	})

	t.Run("formats", func(t *testing.T) {
		for _, f := range trend.Formats {
			var b bytes.Buffer
			if err := trend.Write(&b, rep, f, 0); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			switch f {
			case "json":
				var back trend.Report
				if err := json.Unmarshal(b.Bytes(), &back); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(*rep, back); diff != "" {
					t.Errorf("json round trip (-want +got):\n%s", diff)
				}
			case "text":
				for _, want := range []string{"member  passwordlessCapable", "+ admin.lost@contoso.example:", "AM-ADM-01"} {
					if !strings.Contains(out, want) {
						t.Errorf("text lacks %q:\n%s", want, out)
					}
				}
			case "markdown":
				for _, want := range []string{"| member | passwordlessCapable |", "- New: admin.newweak\\@contoso.example:"} {
					if !strings.Contains(out, want) {
						t.Errorf("markdown lacks %q", want)
					}
				}
			}
		}
		if err := trend.Write(&bytes.Buffer{}, rep, "xml", 0); err == nil || !strings.Contains(err.Error(), "valid: text, json, markdown") {
			t.Errorf("unknown format: %v", err)
		}
	})
}

func TestReadResultsRejectsOtherJSON(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.json")
	if err := os.WriteFile(p, []byte(`{"hello": 1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := trend.ReadResults(p); err == nil || !strings.Contains(err.Error(), "not a snapshot nor a results JSON file") {
		t.Errorf("err = %v", err)
	}
}
