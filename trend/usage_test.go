package trend_test

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/authgate/authgate/reports"
	"github.com/authgate/authgate/result"
	"github.com/authgate/authgate/snapshot"
	"github.com/authgate/authgate/trend"
	"github.com/authgate/authgate/trend/trendtest"
)

func near(p *float64, want float64) bool { return p != nil && math.Abs(*p-want) < 1e-9 }

func TestCompareUsageSnapshots(t *testing.T) {
	dir := t.TempDir()
	oldPath, newPath, err := trendtest.WriteUsagePair(dir)
	if err != nil {
		t.Fatal(err)
	}
	oldRes, newRes := evaluate(t, oldPath), evaluate(t, newPath)
	if oldRes.Usage == nil || newRes.Usage == nil {
		t.Fatal("the evaluated snapshots have no usage summary")
	}
	rep := trend.Compare(trend.FromResult(oldPath, oldRes), trend.FromResult(newPath, newRes))
	u := rep.Usage
	if u == nil || u.Note != "" || u.OldPeriod != "d7" || u.NewPeriod != "d7" {
		t.Fatalf("usage diff = %+v", u)
	}
	type row struct {
		method, feature string
		old, new        float64 // -1: no attempts on that side
	}
	want := []row{
		{"appNotification", "registration", trendtest.PushRegOld, trendtest.PushRegNew},
		{"fido", "registration", -1, 0.05},
		{"mobileSMS", "reset", trendtest.SMSResetOld, trendtest.SMSResetNew},
		{"securityQuestion", "reset", 1.0 / 3, -1},
	}
	if len(u.Methods) != len(want) {
		t.Fatalf("%d method rows, want %d: %+v", len(u.Methods), len(want), u.Methods)
	}
	for i, w := range want {
		m := u.Methods[i]
		if m.AuthMethod != w.method || m.Feature != w.feature {
			t.Errorf("row %d = %s %s, want %s %s", i, m.AuthMethod, m.Feature, w.method, w.feature)
			continue
		}
		check := func(name string, p *float64, v float64) {
			if v == -1 && p != nil || v != -1 && !near(p, v) {
				t.Errorf("%s %s: %s = %v, want %v", m.AuthMethod, m.Feature, name, p, v)
			}
		}
		check("old", m.Old, w.old)
		check("new", m.New, w.new)
		if w.old >= 0 && w.new >= 0 {
			check("delta", m.Delta, w.new-w.old)
		} else if m.Delta != nil {
			t.Errorf("%s %s: delta %v on one side", m.AuthMethod, m.Feature, *m.Delta)
		}
	}
	if s := u.MfaShare; s == nil || !near(s.Old, trendtest.MfaShareOld) || !near(s.New, trendtest.MfaShareNew) || !near(s.Delta, trendtest.MfaShareNew-trendtest.MfaShareOld) || s.NewTotal != 7000 {
		t.Errorf("mfa share = %+v", s)
	}
	if s := u.TelephonyShare; s == nil || !near(s.Old, trendtest.TelephonyOld) || !near(s.New, trendtest.TelephonyNew) || s.NewCount != 120 {
		t.Errorf("telephony share = %+v", s)
	}

	t.Run("usage findings keyed by method and feature", func(t *testing.T) {
		use01 := control(t, rep, "AM-USE-01")
		if len(use01.New) != 1 || !strings.HasPrefix(use01.New[0].Message, "mobileSMS reset failed") ||
			len(use01.Resolved) != 1 || !strings.HasPrefix(use01.Resolved[0].Message, "securityQuestion reset failed") || len(use01.Unchanged) != 0 {
			t.Errorf("AM-USE-01 = %+v, want mobileSMS reset new and securityQuestion reset resolved", use01)
		}
		if use02 := control(t, rep, "AM-USE-02"); len(use02.New) != 1 || use02.NewStatus != "fail" {
			t.Errorf("AM-USE-02 = %+v, want one new finding (90%% multi-factor)", use02)
		}
		// A tenant finding whose figures moved is the same finding.
		if pwl := control(t, rep, "AM-PWL-01"); len(pwl.Unchanged) != 1 || len(pwl.New)+len(pwl.Resolved) != 0 {
			t.Errorf("AM-PWL-01 = %+v, want one unchanged finding", pwl)
		}
	})

	t.Run("formats", func(t *testing.T) {
		out := map[string]string{}
		for _, f := range trend.Formats {
			var b bytes.Buffer
			if err := trend.Write(&b, rep, f, 0); err != nil {
				t.Fatal(err)
			}
			out[f] = b.String()
		}
		for f, wants := range map[string][]string{
			"text": {
				"\nUsage (d7; change in percentage points)\n",
				"    mobileSMS              reset         20.0% ->  33.3%   +13.3  (8/40 -> 15/45)\n",
				"    fido                   registration      – ->   5.0%     new  (– -> 1/20)\n",
				"    securityQuestion       reset         33.3% ->      –    gone  (10/30 -> –)\n",
				"  multi-factor sign-ins                 95.0% ->  90.0%    -5.0  (6650/7000 -> 6300/7000)\n",
				"  SMS and voice of successful sign-ins  20.0% ->  12.0%    -8.0  (200/1000 -> 120/1000)\n",
			},
			"markdown": {
				"\n### Usage (d7)\n\n",
				"| appNotification | registration | 5.0% | 2.0% | -3.0 | 5/100 | 2/100 |\n",
				"| Multi-factor | 95.0% | 90.0% | -5.0 |\n",
				"| SMS and voice of successful | 20.0% | 12.0% | -8.0 |\n",
			},
			"json": {`"usage": {`, `"oldPeriod": "d7"`, `"authMethod": "mobileSMS"`, `"telephonyShare": {`},
		} {
			for _, w := range wants {
				if !strings.Contains(out[f], w) {
					t.Errorf("%s lacks %q:\n%s", f, w, out[f])
				}
			}
		}
		if i, j := strings.Index(out["text"], "\nUsage"), strings.Index(out["text"], "\nViolations per control"); i < 0 || j < i {
			t.Error("text: usage is not between coverage and violations")
		}
		var back trend.Report
		if err := json.Unmarshal([]byte(out["json"]), &back); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(*rep, back); diff != "" {
			t.Errorf("json round trip (-want +got):\n%s", diff)
		}
	})

	t.Run("results JSON carries the same usage", func(t *testing.T) {
		write := func(r *result.Result, name string) *trend.Input {
			w, _ := reports.New("json", reports.Options{})
			var b bytes.Buffer
			if err := w.Write(&b, r); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, b.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			in, err := trend.ReadResults(p)
			if err != nil {
				t.Fatal(err)
			}
			return in
		}
		fromJSON := trend.Compare(write(oldRes, "old.json"), write(newRes, "new.json"))
		if diff := cmp.Diff(rep.Usage, fromJSON.Usage); diff != "" {
			t.Errorf("usage differs (-snapshots +json):\n%s", diff)
		}
	})

	t.Run("periods differ", func(t *testing.T) {
		u30 := trendtest.NewUsage()
		u30.Period = snapshot.UsagePeriodD30
		p := filepath.Join(dir, "new30.snapshot.json")
		if err := trendtest.WriteWithUsage(p, false, u30); err != nil {
			t.Fatal(err)
		}
		rep := trend.Compare(trend.FromResult(oldPath, oldRes), trend.FromResult(p, evaluate(t, p)))
		if rep.Usage == nil || rep.Usage.MfaShare != nil || len(rep.Usage.Methods) != 0 || !strings.Contains(rep.Usage.Note, "the usage periods differ (d7, d30)") {
			t.Fatalf("usage diff = %+v", rep.Usage)
		}
		var b bytes.Buffer
		if err := trend.Write(&b, rep, "text", 0); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), "\nUsage (d30; change in percentage points)\n  not compared: the usage periods differ (d7, d30)") {
			t.Errorf("text:\n%s", b.String())
		}
	})
}

func TestCompareUsage(t *testing.T) {
	appOnly := trendtest.NewUsage()
	appOnly.SignInsSource, appOnly.SignInsReason, appOnly.UserSignInsByAuthMethodSummary = snapshot.SourceOmitted, "delegated only", nil
	sum := result.SummarizeUsage
	tests := []struct {
		name     string
		old, new *snapshot.Usage
		note     string // "" when compared
		tel      bool   // telephony compared
		md       string // in the markdown
	}{
		{"both delegated", trendtest.OldUsage(), trendtest.NewUsage(), "", true, "| SMS and voice of successful | 20.0% | 12.0% | -8.0 |"},
		{"new app-only", trendtest.OldUsage(), appOnly, "", false, "SMS and voice of successful sign-ins: not compared (sign-ins per method need a delegated fetch on both sides)."},
		{"old without usage", nil, trendtest.NewUsage(), "the old input has no usage section", false, "Not compared: the old input has no usage section (fetch --include usage): nothing to compare."},
		{"new without usage", trendtest.OldUsage(), nil, "the new input has no usage section", false, "### Usage (d7)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := trend.CompareUsage(sum(tt.old), sum(tt.new))
			if d == nil {
				t.Fatal("nil diff")
			}
			if tt.note == "" {
				if d.Note != "" || d.MfaShare == nil || len(d.Methods) != 4 {
					t.Errorf("not compared: %+v", d)
				}
			} else if !strings.HasPrefix(d.Note, tt.note) || d.MfaShare != nil || len(d.Methods) != 0 {
				t.Errorf("note %q, want %q and nothing compared", d.Note, tt.note)
			}
			if (d.TelephonyShare != nil) != tt.tel {
				t.Errorf("telephony share = %+v, want compared %t", d.TelephonyShare, tt.tel)
			}
			var b bytes.Buffer
			if err := trend.Write(&b, &trend.Report{Usage: d}, "markdown", 0); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), tt.md) {
				t.Errorf("markdown lacks %q:\n%s", tt.md, b.String())
			}
		})
	}
	t.Run("neither side", func(t *testing.T) {
		if d := trend.CompareUsage(nil, nil); d != nil {
			t.Errorf("diff = %+v, want nil", d)
		}
		for _, f := range trend.Formats {
			var b bytes.Buffer
			if err := trend.Write(&b, &trend.Report{Coverage: []trend.Coverage{}, Controls: []trend.ControlDiff{}}, f, 0); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(strings.ToLower(b.String()), "usage") {
				t.Errorf("%s mentions usage without any:\n%s", f, b.String())
			}
		}
	})
}
