package reports

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/authgate/authgate/result"
)

func TestSanitize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Alice", "Alice"},
		{"Zoë Ünïcødé ✓ 日本", "Zoë Ünïcødé ✓ 日本"},
		{"a\x1b[2Jb", `a\x1b[2Jb`},
		{"evil\u202etxt.exe", `evil\u202etxt.exe`},
		{"line\u2028two\u2029three", `line\u2028two\u2029three`},
		{"next\u0085line \u009b31m", `next\u0085line \u009b31m`},
		{"a\x00b\x07c\x7fd", `a\x00b\x07c\x7fd`},
		{"bidi \u061c\u200e\u200f\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069.", `bidi \u061c\u200e\u200f\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069.`},
		{"two\r\nlines\n\tverdict: PASS", "two lines verdict: PASS"},
		{"bad \xff\xfe utf8", `bad \xff\xfe utf8`},
		{"zero width joiner \u200d stays", "zero width joiner \u200d stays"},
	}
	for _, tt := range tests {
		if got := Sanitize(tt.in); got != tt.want {
			t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := Sanitize(Sanitize(tt.in)); got != Sanitize(tt.in) {
			t.Errorf("Sanitize is not idempotent on %q: %q", tt.in, got)
		}
	}
}

// hostile is the fixture with terminal escapes, C1 controls, line
// separators and bidi overrides in every kind of string a snapshot, a
// policy or a waiver file supplies.
func hostile() *result.Result {
	const evil = "\x1b[2J\x1b]0;pwned\x07\u202etxt.exe\u2028verdict: PASS\u0085\u009b31m\u2066\x7f"
	r, _ := htmlUsageFixture(true)
	r.Snapshot.TenantID += evil
	r.Snapshot.Path += evil
	r.Snapshot.FetchedAt += evil
	for i := range r.Controls {
		c := &r.Controls[i]
		c.Title += evil
		c.Description += evil
		c.Remediation = evil + c.Remediation
		c.SkipReason += evil
		for k := range c.References {
			c.References[k].ID += evil
			c.References[k].Description += evil
		}
		for k := range c.Violations {
			v := &c.Violations[k]
			v.Message += evil
			if v.Subject != nil {
				s := *v.Subject
				s.DisplayName += evil
				s.UserPrincipalName = evil + s.UserPrincipalName
				v.Subject = &s
			}
			if v.Waiver != nil {
				w := *v.Waiver
				w.Reason += evil
				w.Owner += evil
				v.Waiver = &w
			}
		}
	}
	for i := range r.Waivers {
		r.Waivers[i].Reason += evil
		r.Waivers[i].Subject += evil
		r.Waivers[i].Owner += evil
	}
	r.Usage.Period += evil
	for i := range r.Usage.Methods {
		r.Usage.Methods[i].AuthMethod += evil
		r.Usage.Methods[i].Feature += evil
	}
	for i := range r.Usage.SignInsByMethod {
		r.Usage.SignInsByMethod[i].AuthenticationMethod += evil
	}
	r.MethodsPolicy = htmlPolicySummary()
	r.MethodsPolicy.MigrationState += evil
	for i := range r.MethodsPolicy.Methods {
		m := &r.MethodsPolicy.Methods[i]
		m.ID += evil
		m.State += evil
		m.Include += evil
		m.Exclude += evil
	}
	return r
}

// rawControl returns the first character a person's terminal or viewer
// would act on: a control other than the line feed, DEL, a C1 control, a
// line or paragraph separator or a bidi control.
func rawControl(out string) (rune, bool) {
	for _, r := range out {
		if r == '\n' {
			continue
		}
		if r < 0x20 || r == 0x7f || unsafeRune(r) {
			return r, true
		}
	}
	return 0, false
}

// TestHumanFormatsCarryNoControls renders the hostile result with the real
// writers: the human-facing formats hold none of the characters, but show
// them escaped; the machine formats keep the exact values.
func TestHumanFormatsCarryNoControls(t *testing.T) {
	r := hostile()
	for _, format := range []string{"text", "markdown", "github", "html"} {
		out := string(render(t, format, fixtureOptions(), r))
		if c, bad := rawControl(out); bad {
			t.Errorf("%s output holds U+%04X", format, c)
		}
		for _, want := range []string{`\x1b`, `\u202e`, `\u2028`, `\x07`, `\u0085`} {
			if format == "markdown" {
				want = strings.ReplaceAll(want, `\`, `\\`)
			}
			if !strings.Contains(out, want) {
				t.Errorf("%s output does not show %s", format, want)
			}
		}
	}
	var doc struct {
		Controls []struct {
			Violations []struct {
				Subject *struct {
					DisplayName string `json:"displayName"`
				} `json:"subject"`
			} `json:"violations"`
		} `json:"controls"`
	}
	if err := json.Unmarshal(render(t, "json", fixtureOptions(), r), &doc); err != nil {
		t.Fatal(err)
	}
	exact := 0
	for _, c := range doc.Controls {
		for _, v := range c.Violations {
			if v.Subject != nil && strings.HasSuffix(v.Subject.DisplayName, "\x1b[2J\x1b]0;pwned\x07\u202etxt.exe\u2028verdict: PASS\u0085\u009b31m\u2066\x7f") {
				exact++
			}
		}
	}
	if exact == 0 {
		t.Error("the json output does not keep the exact display names")
	}
}
