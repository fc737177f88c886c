package reports

import (
	"strings"
	"testing"
)

func TestMarkdownGolden(t *testing.T) {
	golden(t, "markdown.golden", render(t, "markdown", fixtureOptions(), fixture()))
}

func TestMarkdown(t *testing.T) {
	out := string(render(t, "markdown", fixtureOptions(), fixture()))
	for _, want := range []string{
		"## authgate: FAIL\n",
		"| Control | Title | Severity | Status | Violations |\n",
		"| AM-ADM-01 | Administrators are MFA-capable | critical | FAIL | 3 (+1 waived) |\n",
		"| AM-BG-01 | Break-glass accounts are phishing-resistant | high | SKIPPED | – |\n",
		"| AM-WEAK-02 | Telephony methods are rare | low | PASS | 0 (+1 waived) |\n",
		// User-provided strings are escaped: | cannot break the table, < & cannot open HTML or entities.
		`- carol\@contoso.example (Carol \<Ops\> \& Co \| Tier-0 Ünïcødé ✓): admin is not MFA-capable` + "\n",
		`- alice\@contoso.example (Alice \*Admin\* \[GA\])`,
		`Erin (contractor) 100% \#1 \@everyone`,
		"Remediation: Require the admins listed to register a phishing-resistant method. [Reference](https://www.cisecurity.org/benchmark/microsoft_365)\n",
		"[Reference](https://intranet.acme.example/standards/access?id=7&v=2)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	// Every table row has exactly six unescaped pipes.
	for _, l := range strings.Split(out, "\n") {
		if !strings.HasPrefix(l, "| ") {
			continue
		}
		if n := strings.Count(strings.ReplaceAll(l, `\|`, ""), "|"); n != 6 {
			t.Errorf("table row has %d cell separators: %q", n, l)
		}
	}
	for _, banned := range []string{"bob@contoso", "✅", "❌"} {
		if strings.Contains(out, banned) {
			t.Errorf("markdown contains %q", banned)
		}
	}
}

func TestMarkdownEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain name", "plain name"},
		{"a|b", `a\|b`},
		{"<script>&amp;", `\<script\>\&amp;`},
		{"*bold* _it_ `code`", "\\*bold\\* \\_it\\_ \\`code\\`"},
		{"[x](http://e)", `\[x\](http://e)`},
		{"line\nbreak", "line break"},
		{`back\slash`, `back\\slash`},
		{"@team #12 $x$ ~~s~~ ![img](x)", `\@team \#12 \$x\$ \~\~s\~\~ !\[img\](x)`},
		{"Zoë 日本", "Zoë 日本"},
	}
	for _, tt := range tests {
		if got := md(tt.in); got != tt.want {
			t.Errorf("md(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func BenchmarkWriteMarkdown(b *testing.B) { benchmarkWrite(b, "markdown") }
