package reports

import (
	"bufio"
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/authgate/authgate/evaluator"
)

// htmlListed is the number of violators listed per failing control when
// Options.MaxPerControl is 0.
const htmlListed = 200

// HTMLOptions are what only the html writer reads.
type HTMLOptions struct {
	// History are earlier coverage points, oldest first (the baseline of
	// check --baseline); the result's own aggregates are the last point of
	// the "coverage over time" chart, which is drawn only when History is set.
	History []CoveragePoint
	// Files lists files with their SHA-256 (an evidence bundle's manifest),
	// shown in the Manifest section.
	Files []ManifestFile
}

// CoveragePoint is the tenant's coverage at one time.
type CoveragePoint struct {
	// Label names the point, e.g. the snapshot's fetchedAt.
	Label      string
	Aggregates *evaluator.Aggregates
}

// ManifestFile is one file of an evidence bundle.
type ManifestFile struct {
	Path   string
	SHA256 string
	Size   int64
}

// htmlWriter writes one self-contained HTML page: no network, no external
// scripts, styles or fonts; inline CSS and one small inline script, both
// allowed by hash in a strict Content-Security-Policy; charts as inline SVG.
type htmlWriter struct{ o Options }

var _ Writer = (*htmlWriter)(nil)

// htmlCSS is the page's only style sheet.
const htmlCSS = `
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--pass:#1a7f37;--fail:#cf222e;--skip:#6e7781;--mfa:#0969da;--pwl:#8250df;--sspr:#bf8700;--method:#0969da}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);margin:0 auto;max-width:1100px;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:15px;margin:18px 0 6px}
.verdict{display:inline-block;padding:2px 10px;border-radius:4px;color:#fff;font-weight:600}
.v-pass,.st-pass{background:var(--pass)}.v-fail,.st-fail{background:var(--fail)}.st-skipped{background:var(--skip)}
.st{color:#fff;border-radius:3px;padding:0 6px;font-size:12px;font-weight:600}
.muted{color:var(--muted)}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}th{background:#f6f8fa}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;word-break:break-all}
.charts{display:flex;flex-wrap:wrap;gap:16px}
figure{margin:0;border:1px solid var(--line);border-radius:6px;padding:8px}
figcaption{font-weight:600;margin-bottom:4px}
svg.chart{display:block}
svg text{font:11px system-ui,sans-serif;fill:var(--fg)}
.axis{stroke:var(--line)}.grid{stroke:#eaeef2}
.bar.m-mfa{fill:var(--mfa)}.bar.m-pwl{fill:var(--pwl)}.bar.m-sspr{fill:var(--sspr)}.bar.m-method{fill:var(--method)}
.threshold{stroke:var(--fail);stroke-width:2;stroke-dasharray:4 3}
.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px;vertical-align:middle}
.legend .m-mfa{background:var(--mfa)}.legend .m-pwl{background:var(--pwl)}.legend .m-sspr{background:var(--sspr)}.legend .th{border-top:2px dashed var(--fail);height:0}
.filter{display:none;margin:4px 0;padding:4px 6px;width:320px;max-width:100%;font:inherit}
.js .filter{display:block}
.more{font-style:italic;color:var(--muted)}
@media print{body{max-width:none;padding:0;font-size:11px}.filter{display:none!important}h2{break-after:avoid}figure,tr{break-inside:avoid}a{color:inherit;text-decoration:none}section.control{break-inside:auto}}
`

// htmlJS reveals the search boxes and filters the violator tables.
const htmlJS = `
document.documentElement.classList.add("js");
for (const input of document.querySelectorAll("input.filter")) {
  const table = document.getElementById(input.dataset.table);
  input.addEventListener("input", () => {
    const q = input.value.trim().toLowerCase();
    for (const row of table.tBodies[0].rows) row.hidden = q !== "" && !row.textContent.toLowerCase().includes(q);
  });
}
`

// cspHash is the CSP source expression of an inline script or style.
func cspHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// HTMLContentSecurityPolicy is the policy the page declares: nothing may be
// loaded; only the page's own style and script, by hash, run.
func HTMLContentSecurityPolicy() string {
	return "default-src 'none'; style-src " + cspHash(htmlCSS) + "; script-src " + cspHash(htmlJS) +
		"; img-src 'none'; base-uri 'none'; form-action 'none'"
}

var esc = html.EscapeString

// metric is one coverage measure charted per scope.
type metric struct {
	key, label string
	num        func(c *evaluator.ScopeCounts) int64
	den        func(c *evaluator.ScopeCounts) int64
	// params maps a scope to the parameter that sets its minimum.
	params map[string]string
}

var metrics = []metric{
	{"mfa", "MFA-capable", func(c *evaluator.ScopeCounts) int64 { return c.MfaCapable }, func(c *evaluator.ScopeCounts) int64 { return c.Users },
		map[string]string{"member": "mfa_capable_min"}},
	{"pwl", "Passwordless-capable", func(c *evaluator.ScopeCounts) int64 { return c.PasswordlessCapable }, func(c *evaluator.ScopeCounts) int64 { return c.Users },
		map[string]string{"member": "passwordless_min", "admin": "admin_passwordless_min"}},
	{"sspr", "SSPR-capable of SSPR-enabled", func(c *evaluator.ScopeCounts) int64 { return c.SsprCapable }, func(c *evaluator.ScopeCounts) int64 { return c.SsprEnabled },
		map[string]string{"all": "sspr_registered_min"}},
}

var chartScopes = []string{"all", "member", "guest", "admin"}

func share(n, d int64) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

func pct(x float64) string { return fmt.Sprintf("%.1f%%", x*100) }

// paramValues returns the numeric parameters in force, by name.
func paramValues(r *evaluator.Result) map[string]float64 {
	out := map[string]float64{}
	for _, c := range r.Controls {
		for _, p := range c.Params {
			switch v := p.Value.(type) {
			case float64:
				out[p.Name] = v
			case int:
				out[p.Name] = float64(v)
			case interface{ Float64() (float64, error) }:
				if f, err := v.Float64(); err == nil {
					out[p.Name] = f
				}
			}
		}
	}
	return out
}

func (h *htmlWriter) Write(w io.Writer, r *evaluator.Result) error {
	b := bufio.NewWriterSize(w, 64<<10)
	title := fmt.Sprintf("authgate %s: tenant %s", verdictWord(r.Verdict), r.Snapshot.TenantID)
	fmt.Fprintf(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	fmt.Fprintf(b, "<meta http-equiv=\"Content-Security-Policy\" content=\"%s\">\n", esc(HTMLContentSecurityPolicy()))
	fmt.Fprintf(b, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>%s</title>\n", esc(title))
	fmt.Fprintf(b, "<style>%s</style>\n</head>\n<body>\n", htmlCSS)

	s := r.Summary
	fmt.Fprintf(b, "<header>\n<h1>authgate report <span class=\"verdict v-%s\" id=\"verdict\">%s</span></h1>\n", esc(string(r.Verdict)), esc(verdictWord(r.Verdict)))
	fmt.Fprintf(b, "<p>Gate <strong>%s</strong> at fail-on <code>%s</code>. %d %s: %d passed, %d failed, %d skipped; %d %s",
		esc(verdictWord(r.Verdict)), esc(r.FailOn), s.Controls, plural(s.Controls, "control", "controls"), s.Passed, s.Failed, s.Skipped, s.Violations, plural(s.Violations, "violation", "violations"))
	if s.Waived > 0 {
		fmt.Fprintf(b, ", %d waived", s.Waived)
	}
	fmt.Fprintf(b, ".</p>\n<p class=\"muted\">Tenant <code>%s</code>, snapshot fetched %s, %d users; %s %s.</p>\n</header>\n",
		esc(r.Snapshot.TenantID), esc(r.Snapshot.FetchedAt), r.Snapshot.Users, esc(cmp.Or(r.Tool.Name, "authgate")), esc(r.Tool.Version))

	if a := r.Aggregates; a != nil {
		h.charts(b, r, a)
	}
	if r.Usage != nil {
		h.usage(b, r, r.Usage)
	}
	h.controls(b, r)
	h.violators(b, r)
	h.waivers(b, r)
	h.exclusions(b, r)
	h.manifest(b, r)
	fmt.Fprintf(b, "<script>%s</script>\n</body>\n</html>\n", htmlJS)
	if err := b.Flush(); err != nil {
		return fmt.Errorf("write html: %w", err)
	}
	return nil
}

// bar is one bar of a chart.
type bar struct {
	class, label, tip string
	value             float64 // 0..1 of the chart's maximum
	threshold         *float64
}

// group is a labelled group of bars.
type group struct {
	label string
	bars  []bar
}

// chart draws a vertical grouped bar chart of shares (0..100%).
func chart(b *bufio.Writer, id, caption string, groups []group, legend bool) {
	const barW, gap, groupGap, left, top, plotH, bottom = 18, 4, 30, 44, 10, 180, 40
	n := 0
	for _, g := range groups {
		n += len(g.bars)
	}
	width := left + len(groups)*groupGap + n*(barW+gap) + 10
	width = max(width, 260)
	height := top + plotH + bottom
	fmt.Fprintf(b, "<figure>\n<figcaption>%s</figcaption>\n", esc(caption))
	fmt.Fprintf(b, "<svg class=\"chart\" id=\"%s\" role=\"img\" aria-label=\"%s\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" xmlns=\"http://www.w3.org/2000/svg\">\n",
		esc(id), esc(caption), width, height, width, height)
	for _, t := range []int{0, 25, 50, 75, 100} {
		y := top + plotH - plotH*t/100
		fmt.Fprintf(b, "<line class=\"grid\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/><text x=\"%d\" y=\"%d\" text-anchor=\"end\">%d%%</text>\n", left, y, width-4, y, left-6, y+4, t)
	}
	fmt.Fprintf(b, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", left, top+plotH, width-4, top+plotH)
	x := left + groupGap/2
	for _, g := range groups {
		gx := x
		for _, br := range g.bars {
			hgt := br.value * plotH
			fmt.Fprintf(b, "<rect class=\"bar %s\" x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\"><title>%s</title></rect>\n",
				esc(br.class), x, float64(top+plotH)-hgt, barW, hgt, esc(br.tip))
			if br.threshold != nil {
				ty := float64(top+plotH) - *br.threshold*plotH
				fmt.Fprintf(b, "<line class=\"threshold\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"><title>%s</title></line>\n",
					x-2, ty, x+barW+2, ty, esc(fmt.Sprintf("minimum for %s: %s", br.label, pct(*br.threshold))))
			}
			x += barW + gap
		}
		fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", float64(gx+x-gap)/2, top+plotH+16, esc(g.label))
		x += groupGap
	}
	b.WriteString("</svg>\n")
	if legend {
		b.WriteString("<div class=\"legend muted\">")
		for _, m := range metrics {
			fmt.Fprintf(b, "<span class=\"m-%s\"></span>%s", m.key, esc(m.label))
		}
		b.WriteString("<span class=\"th\"></span>minimum</div>\n")
	}
	b.WriteString("</figure>\n")
}

func (h *htmlWriter) charts(b *bufio.Writer, r *evaluator.Result, a *evaluator.Aggregates) {
	params := paramValues(r)
	b.WriteString("<section id=\"charts\">\n<h2>Coverage</h2>\n<div class=\"charts\">\n")
	var groups []group
	for _, sc := range chartScopes {
		c := a.Scopes[sc]
		if c == nil {
			c = &evaluator.ScopeCounts{}
		}
		g := group{label: fmt.Sprintf("%s (%d)", sc, c.Users)}
		for _, m := range metrics {
			v := share(m.num(c), m.den(c))
			br := bar{class: "m-" + m.key, label: sc + " " + m.label, value: v,
				tip: fmt.Sprintf("%s, %s: %s (%d of %d)", sc, m.label, pct(v), m.num(c), m.den(c))}
			if p, ok := m.params[sc]; ok {
				if t, ok := params[p]; ok {
					br.threshold = &t
					br.tip += fmt.Sprintf("; minimum %s (%s)", pct(t), p)
				}
			}
			g.bars = append(g.bars, br)
		}
		groups = append(groups, g)
	}
	chart(b, "chart-coverage", "Coverage by scope", groups, true)

	if all := a.Scopes["all"]; all != nil && len(all.Methods) > 0 {
		names := slices.Sorted(maps.Keys(all.Methods))
		slices.SortStableFunc(names, func(x, y string) int { return cmp.Compare(all.Methods[y], all.Methods[x]) })
		methodChart(b, all.Users, names, all.Methods)
	}

	if len(h.o.HTML.History) > 0 {
		points := append(slices.Clone(h.o.HTML.History), CoveragePoint{Label: r.Snapshot.FetchedAt, Aggregates: a})
		var tg []group
		for _, p := range points {
			c := &evaluator.ScopeCounts{}
			if p.Aggregates != nil && p.Aggregates.Scopes["member"] != nil {
				c = p.Aggregates.Scopes["member"]
			}
			g := group{label: shortDate(p.Label)}
			for _, m := range metrics {
				v := share(m.num(c), m.den(c))
				g.bars = append(g.bars, bar{class: "m-" + m.key, label: m.label, value: v,
					tip: fmt.Sprintf("%s, members %s: %s (%d of %d)", p.Label, m.label, pct(v), m.num(c), m.den(c))})
			}
			tg = append(tg, g)
		}
		chart(b, "chart-trend", "Member coverage over time", tg, true)
	}
	b.WriteString("</div>\n</section>\n")
}

// shortDate keeps the date of an RFC 3339 time, so axis labels fit.
func shortDate(s string) string {
	if len(s) >= 10 && s[4] == '-' && s[7] == '-' {
		return s[:10]
	}
	return s
}

// methodChart draws a horizontal bar chart of users per registered method.
func methodChart(b *bufio.Writer, users int64, names []string, counts map[string]int64) {
	const left, barH, gap, plotW, right = 230, 14, 6, 300, 90
	height := 10 + len(names)*(barH+gap) + 10
	width := left + plotW + right
	fmt.Fprintf(b, "<figure>\n<figcaption>Users per registered method (all %d users)</figcaption>\n", users)
	fmt.Fprintf(b, "<svg class=\"chart\" id=\"chart-methods\" role=\"img\" aria-label=\"Users per registered method\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" xmlns=\"http://www.w3.org/2000/svg\">\n",
		width, height, width, height)
	var most int64 = 1
	for _, n := range names {
		most = max(most, counts[n])
	}
	y := 10
	for _, n := range names {
		w := float64(plotW) * float64(counts[n]) / float64(most)
		fmt.Fprintf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>", left-6, y+barH-3, esc(n))
		fmt.Fprintf(b, "<rect class=\"bar m-method\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\"><title>%s</title></rect>",
			left, y, w, barH, esc(fmt.Sprintf("%s: %d users (%s)", n, counts[n], pct(share(counts[n], users)))))
		fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%d\">%d</text>\n", float64(left)+w+4, y+barH-3, counts[n])
		y += barH + gap
	}
	b.WriteString("</svg>\n</figure>\n")
}

func statusBadge(s evaluator.Status) string {
	return fmt.Sprintf("<span class=\"st st-%s\">%s</span>", esc(string(s)), esc(statusWord(s)))
}

func (h *htmlWriter) controls(b *bufio.Writer, r *evaluator.Result) {
	b.WriteString("<section id=\"controls\">\n<h2>Controls</h2>\n<table>\n<thead><tr><th>Control</th><th>Title</th><th>Severity</th><th>Status</th><th class=\"n\">Violations</th><th class=\"n\">Waived</th></tr></thead>\n<tbody>\n")
	for _, c := range sortedControls(r) {
		open, waived := tally(c)
		title := esc(oneLine(c.Title))
		if c.SkipReason != "" {
			title += "<br><span class=\"muted\">" + esc(oneLine(c.SkipReason)) + "</span>"
		}
		id := esc(c.ID)
		if c.Status == evaluator.StatusFail {
			id = fmt.Sprintf("<a href=\"#c-%s\">%s</a>", esc(anchor(c.ID)), esc(c.ID))
		}
		fmt.Fprintf(b, "<tr class=\"control-row\" data-status=\"%s\"><td><code>%s</code></td><td>%s</td><td>%s</td><td>%s</td><td class=\"n\">%d</td><td class=\"n\">%d</td></tr>\n",
			esc(string(c.Status)), id, title, c.Severity, statusBadge(c.Status), open, waived)
	}
	b.WriteString("</tbody>\n</table>\n</section>\n")
}

// anchor makes a control id safe for an element id.
func anchor(id string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, id)
}

func (h *htmlWriter) violators(b *bufio.Writer, r *evaluator.Result) {
	limit := h.o.limit(htmlListed)
	var failing []*evaluator.Control
	for _, c := range sortedControls(r) {
		if c.Status == evaluator.StatusFail {
			failing = append(failing, c)
		}
	}
	if len(failing) == 0 {
		return
	}
	b.WriteString("<section id=\"violations\">\n<h2>Failing controls</h2>\n")
	for _, c := range failing {
		open, waived := tally(c)
		id := anchor(c.ID)
		fmt.Fprintf(b, "<section class=\"control\" id=\"c-%s\">\n<h3><code>%s</code> %s</h3>\n", esc(id), esc(c.ID), esc(oneLine(c.Title)))
		fmt.Fprintf(b, "<p>%s, %d %s", c.Severity, open, plural(open, "violation", "violations"))
		if waived > 0 {
			fmt.Fprintf(b, " (+%d waived)", waived)
		}
		fmt.Fprintf(b, ". %s</p>\n", esc(oneLine(c.Description)))
		fmt.Fprintf(b, "<p><strong>Remediation:</strong> %s", esc(oneLine(c.Remediation)))
		for _, ref := range c.References {
			label := cmp.Or(ref.ID, ref.Description, ref.URL)
			if ref.URL != "" && (strings.HasPrefix(ref.URL, "https://") || strings.HasPrefix(ref.URL, "http://")) {
				fmt.Fprintf(b, " <a href=\"%s\" rel=\"noreferrer\">%s</a>", esc(ref.URL), esc(label))
			} else {
				fmt.Fprintf(b, " <span class=\"muted\">%s</span>", esc(label))
			}
		}
		b.WriteString("</p>\n")
		vs := sortedViolations(c)
		shown := min(len(vs), limit)
		fmt.Fprintf(b, "<input class=\"filter\" type=\"search\" placeholder=\"Filter these %d rows\" aria-label=\"Filter the violations of %s\" data-table=\"t-%s\">\n", shown, esc(c.ID), esc(id))
		fmt.Fprintf(b, "<table class=\"violations\" id=\"t-%s\">\n<thead><tr><th>Subject</th><th>Finding</th><th>Waiver</th></tr></thead>\n<tbody>\n", esc(id))
		for i := range vs[:shown] {
			v := &vs[i]
			waiver := ""
			if v.Waiver != nil {
				waiver = esc(waiverNote(v.Waiver))
			}
			msg := esc(oneLine(v.Message))
			if v.Value != nil && v.Threshold != nil {
				msg += fmt.Sprintf(" <span class=\"muted\">(value %s, threshold %s)</span>", esc(fmt.Sprint(*v.Value)), esc(fmt.Sprint(*v.Threshold)))
			}
			fmt.Fprintf(b, "<tr><td class=\"mono\">%s</td><td>%s</td><td>%s</td></tr>\n", esc(oneLine(subjectLabel(v.Subject))), msg, waiver)
		}
		b.WriteString("</tbody>\n</table>\n")
		if more := len(vs) - shown; more > 0 {
			fmt.Fprintf(b, "<p class=\"more\">%s</p>\n", esc(h.o.moreMessage(more, c.ID)))
		}
		b.WriteString("</section>\n")
	}
	b.WriteString("</section>\n")
}

func (h *htmlWriter) waivers(b *bufio.Writer, r *evaluator.Result) {
	if len(r.Waivers) == 0 {
		return
	}
	b.WriteString("<section id=\"waivers\">\n<h2>Waivers</h2>\n<table>\n<thead><tr><th>Control</th><th>Subject</th><th>Reason</th><th>Owner</th><th>Expires</th><th>Ticket</th><th>State</th><th class=\"n\">Matched</th></tr></thead>\n<tbody>\n")
	for _, w := range r.Waivers {
		fmt.Fprintf(b, "<tr data-state=\"%s\"><td><code>%s</code></td><td class=\"mono\">%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class=\"n\">%d</td></tr>\n",
			esc(string(w.State)), esc(w.Control), esc(cmp.Or(w.Subject, "(all)")), esc(oneLine(w.Reason)), esc(w.Owner), esc(w.Expires), esc(w.Ticket), esc(string(w.State)), w.Matched)
	}
	b.WriteString("</tbody>\n</table>\n</section>\n")
}

func (h *htmlWriter) manifest(b *bufio.Writer, r *evaluator.Result) {
	b.WriteString("<section id=\"manifest\">\n<h2>Manifest</h2>\n<table>\n<tbody>\n")
	row := func(k, v string) { fmt.Fprintf(b, "<tr><th>%s</th><td class=\"mono\">%s</td></tr>\n", esc(k), esc(v)) }
	row("Snapshot", cmp.Or(h.o.SnapshotURI, r.Snapshot.Path))
	row("Snapshot SHA-256", r.Snapshot.SHA256)
	row("Tenant", r.Snapshot.TenantID)
	row("Fetched at", r.Snapshot.FetchedAt)
	row("Users", fmt.Sprint(r.Snapshot.Users))
	row("Tool", strings.TrimSpace(cmp.Or(r.Tool.Name, "authgate")+" "+r.Tool.Version))
	for _, p := range h.o.HTML.History {
		row("Baseline", p.Label)
	}
	b.WriteString("</tbody>\n</table>\n")
	if len(h.o.HTML.Files) > 0 {
		b.WriteString("<table id=\"files\">\n<thead><tr><th>File</th><th class=\"n\">Bytes</th><th>SHA-256</th></tr></thead>\n<tbody>\n")
		files := slices.Clone(h.o.HTML.Files)
		slices.SortFunc(files, func(x, y ManifestFile) int { return cmp.Compare(x.Path, y.Path) })
		for _, f := range files {
			fmt.Fprintf(b, "<tr><td class=\"mono\">%s</td><td class=\"n\">%d</td><td class=\"mono\">%s</td></tr>\n", esc(f.Path), f.Size, esc(f.SHA256))
		}
		b.WriteString("</tbody>\n</table>\n")
	}
	b.WriteString("</section>\n")
}

// Usage chart colours, as SVG presentation attributes: the page's style
// sheet (hashed in the CSP) is the same with and without a usage section.
const (
	usageOver      = "#cf222e" // a failure rate above the maximum, an MFA share below the minimum
	usageTelephony = "#bf8700" // SMS and voice sign-ins
)

// usageParam returns the numeric parameter name of control id, or def.
func usageParam(r *evaluator.Result, id, name string, def float64) float64 {
	for _, c := range r.Controls {
		if c.ID != id {
			continue
		}
		for _, p := range c.Params {
			if p.Name != name {
				continue
			}
			for _, v := range []any{p.Value, p.Default} {
				switch v := v.(type) {
				case float64:
					return v
				case int:
					return float64(v)
				case int64:
					return float64(v)
				case interface{ Float64() (float64, error) }:
					if f, err := v.Float64(); err == nil {
						return f
					}
				}
			}
		}
	}
	return def
}

// usageScale is the axis maximum of the failure rate chart and its tick
// step: 25% by 5, 50% by 10 or 100% by 25, the smallest that holds every
// rate and the reference line.
func usageScale(u *evaluator.UsageSummary, ref float64) (scale, step float64) {
	most := ref
	for _, m := range u.Methods {
		if m.FailureRate != nil {
			most = max(most, *m.FailureRate)
		}
	}
	switch {
	case most <= 0.25:
		return 0.25, 0.05
	case most <= 0.5:
		return 0.5, 0.1
	}
	return 1, 0.25
}

// usage draws the "How people sign in" section: the failure rate of each
// method and feature, the daily MFA share and, from a delegated fetch, the
// successful sign-ins per method.
func (h *htmlWriter) usage(b *bufio.Writer, r *evaluator.Result, u *evaluator.UsageSummary) {
	rateMax := usageParam(r, "AM-USE-01", "method_failure_rate_max", 0.20)
	minEvents := usageParam(r, "AM-USE-01", "min_method_events", 20)
	singleMax := usageParam(r, "AM-USE-02", "single_factor_signin_max", 0.05)
	telMax := usageParam(r, "AM-USE-03", "telephony_signin_max", 0.20)

	fmt.Fprintf(b, "<section id=\"usage\">\n<h2>How people sign in</h2>\n<p>Over %s, from %s to %s: %s of %d sign-ins were multi-factor (%d single-factor).</p>\n",
		esc(u.Period), esc(u.Start), esc(u.End), esc(usagePct(u.MfaShare)), u.TotalSignIns, u.SingleFactorSignIns)
	if u.ActivitySource == "derived" {
		b.WriteString("<p class=\"muted\" id=\"usage-derived\">The registration and reset figures were derived from userEventsSummary (an app-only fetch: Graph gives userRegistrationActivity to delegated callers only).</p>\n")
	}
	b.WriteString("<div class=\"charts\">\n")
	failureChart(b, u, rateMax, minEvents)
	mfaChart(b, u, 1-singleMax)
	if u.SignInsSource == "graph" {
		signInChart(b, u, telMax)
	}
	b.WriteString("</div>\n")
	if u.SignInsSource != "graph" {
		b.WriteString("<p class=\"muted\" id=\"usage-signins-note\">Sign-ins per method need a delegated fetch: Graph gives userSignInsByAuthMethodSummary to delegated callers only.</p>\n")
	}
	b.WriteString("</section>\n")
}

// failureChart draws the registration and reset failure rate of each method
// and feature as horizontal bars against the method_failure_rate_max line;
// rows with fewer than min_method_events attempts are pale and "not judged".
func failureChart(b *bufio.Writer, u *evaluator.UsageSummary, rateMax, minEvents float64) {
	const left, barH, gap, plotW, right, top, bottom = 200, 14, 6, 300, 170, 10, 22
	scale, step := usageScale(u, rateMax)
	height := top + max(len(u.Methods), 1)*(barH+gap) + bottom
	width := left + plotW + right
	caption := fmt.Sprintf("Registration and reset failure rate (maximum %s, judged from %s attempts)", pct(rateMax), fmt.Sprint(minEvents))
	fmt.Fprintf(b, "<figure>\n<figcaption>%s</figcaption>\n", esc(caption))
	fmt.Fprintf(b, "<svg class=\"chart\" id=\"chart-usage-failures\" role=\"img\" aria-label=\"%s\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" xmlns=\"http://www.w3.org/2000/svg\">\n",
		esc(caption), width, height, width, height)
	axisY := height - bottom
	ticks := int(scale/step + 0.5)
	for q := 0; q <= ticks; q++ {
		x := float64(left) + float64(plotW)*float64(q)/float64(ticks)
		fmt.Fprintf(b, "<line class=\"grid\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/><text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.0f%%</text>\n",
			x, top, x, axisY, x, axisY+14, float64(q)*step*100)
	}
	if len(u.Methods) == 0 {
		fmt.Fprintf(b, "<text x=\"%d\" y=\"%d\">no registration or reset attempts in the period</text>\n", left+6, top+barH-3)
	}
	y := top
	for _, m := range u.Methods {
		rate := 0.0
		if m.FailureRate != nil {
			rate = *m.FailureRate
		}
		judged := float64(m.Attempts) >= minEvents
		w := float64(plotW) * min(rate/scale, 1)
		label := fmt.Sprintf("%s %s", usagePct(m.FailureRate), fmt.Sprintf("(%d of %d)", m.Failed, m.Attempts))
		attrs := ""
		switch {
		case !judged:
			label = fmt.Sprintf("not judged (%d attempts)", m.Attempts)
			attrs = ` fill-opacity="0.35"`
		case rate > rateMax:
			attrs = ` fill="` + usageOver + `"`
		}
		class := "bar m-method"
		if attrs != "" && judged {
			class = "bar over"
		}
		tip := fmt.Sprintf("%s %s: %s of %d attempts failed (%d)", m.AuthMethod, m.Feature, usagePct(m.FailureRate), m.Attempts, m.Failed)
		if !judged {
			tip += fmt.Sprintf("; not judged, fewer than %s attempts", fmt.Sprint(minEvents))
		}
		fmt.Fprintf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>", left-6, y+barH-3, esc(oneLine(m.AuthMethod)+" · "+oneLine(m.Feature)))
		fmt.Fprintf(b, "<rect class=\"%s\"%s data-judged=\"%t\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\"><title>%s</title></rect>",
			class, attrs, judged, left, y, w, barH, esc(oneLine(tip)))
		fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%d\">%s</text>\n", float64(left)+w+4, y+barH-3, esc(label))
		y += barH + gap
	}
	rx := float64(left) + float64(plotW)*min(rateMax/scale, 1)
	fmt.Fprintf(b, "<line class=\"threshold\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"><title>%s</title></line>\n",
		rx, top-4, rx, axisY, esc("method_failure_rate_max: "+pct(rateMax)))
	b.WriteString("</svg>\n</figure>\n")
}

// mfaChart draws the daily share of multi-factor sign-ins as vertical bars
// against the minimum implied by single_factor_signin_max; a day without
// sign-ins has no bar.
func mfaChart(b *bufio.Writer, u *evaluator.UsageSummary, minShare float64) {
	const barW, gap, left, top, plotH, bottom = 16, 6, 44, 10, 160, 34
	n := len(u.Days)
	width := max(left+n*(barW+gap)+20, 260)
	height := top + plotH + bottom
	caption := fmt.Sprintf("Daily share of multi-factor sign-ins (minimum %s)", pct(minShare))
	fmt.Fprintf(b, "<figure>\n<figcaption>%s</figcaption>\n", esc(caption))
	fmt.Fprintf(b, "<svg class=\"chart\" id=\"chart-usage-mfa\" role=\"img\" aria-label=\"%s\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" xmlns=\"http://www.w3.org/2000/svg\">\n",
		esc(caption), width, height, width, height)
	for _, t := range []int{0, 25, 50, 75, 100} {
		y := top + plotH - plotH*t/100
		fmt.Fprintf(b, "<line class=\"grid\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/><text x=\"%d\" y=\"%d\" text-anchor=\"end\">%d%%</text>\n", left, y, width-4, y, left-6, y+4, t)
	}
	fmt.Fprintf(b, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", left, top+plotH, width-4, top+plotH)
	if n == 0 {
		fmt.Fprintf(b, "<text x=\"%d\" y=\"%d\">no daily sign-in figures</text>\n", left+6, top+plotH/2)
	}
	step := (40 + barW + gap - 1) / (barW + gap) // date labels (MM-DD) 40 pixels apart
	x := left + gap
	for i, d := range u.Days {
		day := usageDay(d.Date)
		if d.MfaShare != nil {
			hgt := *d.MfaShare * plotH
			attrs := ""
			class := "bar m-mfa"
			if *d.MfaShare < minShare {
				class, attrs = "bar over", ` fill="`+usageOver+`"`
			}
			fmt.Fprintf(b, "<rect class=\"%s\"%s x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\"><title>%s</title></rect>\n",
				class, attrs, x, float64(top+plotH)-hgt, barW, hgt,
				esc(fmt.Sprintf("%s: %s multi-factor (%d of %d; %d single-factor)", oneLine(day), pct(*d.MfaShare), d.MultiFactor, d.Total, d.SingleFactor)))
		} else {
			fmt.Fprintf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\"><title>%s</title>–</text>\n", x+barW/2, top+plotH-4, esc(oneLine(day)+": no sign-ins"))
		}
		if i%step == 0 || i == n-1 {
			label := day
			if len(label) == 10 {
				label = label[5:]
			}
			fmt.Fprintf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x+barW/2, top+plotH+14, esc(oneLine(label)))
		}
		x += barW + gap
	}
	ty := float64(top+plotH) - minShare*plotH
	fmt.Fprintf(b, "<line class=\"threshold\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"><title>%s</title></line>\n",
		left, ty, width-4, ty, esc("1 - single_factor_signin_max: "+pct(minShare)))
	b.WriteString("</svg>\n</figure>\n")
}

// signInChart draws the successful sign-ins per method (delegated fetches),
// SMS and voice highlighted.
func signInChart(b *bufio.Writer, u *evaluator.UsageSummary, telMax float64) {
	const left, barH, gap, plotW, right, top = 230, 14, 6, 300, 110, 10
	height := top + max(len(u.SignInsByMethod), 1)*(barH+gap) + 10
	width := left + plotW + right
	caption := fmt.Sprintf("Successful sign-ins per method (SMS and voice: %s of %d, maximum %s)", usagePct(u.TelephonyShare), u.SuccessfulSignIns, pct(telMax))
	fmt.Fprintf(b, "<figure>\n<figcaption>%s</figcaption>\n", esc(caption))
	fmt.Fprintf(b, "<svg class=\"chart\" id=\"chart-usage-signins\" role=\"img\" aria-label=\"%s\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" xmlns=\"http://www.w3.org/2000/svg\">\n",
		esc(caption), width, height, width, height)
	if len(u.SignInsByMethod) == 0 {
		fmt.Fprintf(b, "<text x=\"%d\" y=\"%d\">no successful sign-ins in the period</text>\n", left+6, top+barH-3)
	}
	var most int64 = 1
	for _, m := range u.SignInsByMethod {
		most = max(most, m.Successes)
	}
	y := top
	for _, m := range u.SignInsByMethod {
		w := float64(plotW) * float64(m.Successes) / float64(most)
		class, attrs, name := "bar m-method", "", oneLine(m.AuthenticationMethod)
		if m.Telephony {
			class, attrs, name = "bar telephony", ` fill="`+usageTelephony+`"`, name+" (SMS/voice)"
		}
		fmt.Fprintf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>", left-6, y+barH-3, esc(name))
		fmt.Fprintf(b, "<rect class=\"%s\"%s x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\"><title>%s</title></rect>",
			class, attrs, left, y, w, barH, esc(fmt.Sprintf("%s: %d successful sign-ins (%s)", name, m.Successes, usagePct(m.Share))))
		fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%d\">%s</text>\n", float64(left)+w+4, y+barH-3, esc(fmt.Sprintf("%d (%s)", m.Successes, usagePct(m.Share))))
		y += barH + gap
	}
	b.WriteString("</svg>\n</figure>\n")
}
