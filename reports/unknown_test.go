package reports

import (
	"strings"
	"testing"
)

// The human formats say how many users each coverage share could not place,
// beside the shares (HTML's chart) and in the header; a result without
// unknown users shows nothing of it.
func TestUnknownUsersBesideTheShares(t *testing.T) {
	r, o := htmlFixture()
	r.Aggregates.Scopes["member"].Unknown = 5
	r.Aggregates.Scopes["all"].Unknown = 12
	r.Aggregates.Scopes["admin"].Unknown = 1
	r.Unknown = map[string]int64{"all": 12, "member": 5, "guest": 0, "admin": 1, "x\x1b[2Jy": 2}
	line := "users the coverage shares could not place, per scope: all 12, member 5, guest 0, admin 1, x\\x1b[2Jy 2 (AM-DQ-03 names them)"
	for format, want := range map[string][]string{
		"text":     {"\nunknown: " + line + "\n"},
		"markdown": {"\nUnknown: " + strings.NewReplacer(`\`, `\\`, "[", `\[`).Replace(line) + ".\n"},
		"html": {
			`<p id="unknown">Unknown: ` + line + ".</p>",
			"member (260, 5 unknown)", "member, MFA-capable: 92.3% (240 of 260, 5 users unknown)",
			"admin (8, 1 unknown)", "(7 of 8, 1 user unknown)",
			"guest (40)",
		},
	} {
		out := string(render(t, format, o, r))
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s output lacks %q", format, w)
			}
		}
		if strings.Contains(out, "\x1b") {
			t.Errorf("%s output holds a raw ESC", format)
		}
	}
	r, o = htmlFixture()
	for _, format := range []string{"text", "markdown", "html"} {
		if out := string(render(t, format, o, r)); strings.Contains(out, "nknown: users") || strings.Contains(out, " unknown)") {
			t.Errorf("%s output mentions unknown users for a result without any", format)
		}
	}
}
