package reports

import (
	"bufio"
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html"
	"html/template"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/authgate/authgate/result"
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
	Aggregates *result.Aggregates
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
//
// The page is rendered by html/template, whose contextual escaping covers
// every value; the writer builds a view of the Result (htmlPage) in which
// every string from the snapshot, a policy or the configuration has been
// through Sanitize, and the template lays it out.
type htmlWriter struct{ o Options }

var _ Writer = (*htmlWriter)(nil)

// htmlCSS is the page's only style sheet.
const htmlCSS = `
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--pass:#1a7f37;--fail:#cf222e;--skip:#6e7781;--mfa:#0969da;--pwl:#8250df;--sspr:#bf8700;--method:#0969da}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);margin:0 auto;max-width:1100px;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:15px;margin:18px 0 6px}
.verdict{display:inline-block;padding:2px 10px;border-radius:4px;color:#fff;font-weight:600}
.v-pass,.st-pass{background:var(--pass)}.v-fail,.st-fail{background:var(--fail)}.st-warn{background:var(--sspr)}.st-skipped{background:var(--skip)}
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

// htmlTemplate is the page. The style sheet and the script are spliced in
// as template text, not values, so the bytes the CSP hashes are the bytes
// on the page.
var htmlTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" {{.CSP}}>
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>` + htmlCSS + `</style>
</head>
<body>
<header>
<h1>authgate report <span class="verdict v-{{.Verdict}}" id="verdict">{{.VerdictWord}}</span></h1>
<p>Gate <strong>{{.VerdictWord}}</strong> at fail-on <code>{{.FailOn}}</code>{{with .Reason}} ({{.}}){{end}}. {{.Tally}}.</p>
<p class="muted">Tenant <code>{{.TenantID}}</code>, snapshot fetched {{.FetchedAt}}, {{.Users}} users; {{.Tool}}.</p>
{{with .Unknown}}<p id="unknown">Unknown: {{.}}.</p>
{{end}}</header>
{{with .Coverage}}<section id="charts">
<h2>Coverage</h2>
<div class="charts">
{{range .}}{{template "figure" .}}{{end}}</div>
</section>
{{end}}{{with .Usage}}<section id="usage">
<h2>How people sign in</h2>
<p>Over {{.Period}}, from {{.Start}} to {{.End}}: {{.MfaShare}} of {{.Total}} sign-ins were multi-factor ({{.Single}} single-factor).</p>
{{range .LeftOut}}<p class="muted">Left out of every share: {{.}}.</p>
{{end}}{{if .Derived}}<p class="muted" id="usage-derived">The registration and reset figures were derived from userEventsSummary (an app-only fetch: Graph gives userRegistrationActivity to delegated callers only).</p>
{{end}}<div class="charts">
{{range .Figures}}{{template "figure" .}}{{end}}</div>
{{if not .SignIns}}<p class="muted" id="usage-signins-note">Sign-ins per method need a delegated fetch: Graph gives userSignInsByAuthMethodSummary to delegated callers only.</p>
{{end}}</section>
{{end}}{{with .Policy}}<section id="methods-policy">
<h2>Methods policy <span class="muted">(Graph {{.APIVersion}})</span></h2>
{{if .Fetched}}<p>Migration state: <code>{{.MigrationState}}</code>.{{with .Unresolved}} <strong>{{.}} target {{if eq . 1}}group{{else}}groups{{end}} could not be resolved</strong>: their members are not counted as allowed.{{end}}</p>
<table id="t-methods-policy">
<thead><tr><th>Method</th><th>State</th><th>Include</th><th>Exclude</th><th class="n">Users registered</th><th class="n">Users allowed</th></tr></thead>
<tbody>
{{range .Methods}}<tr data-method="{{.ID}}" data-state="{{.State}}"><td><code>{{.ID}}</code></td><td>{{with .State}}{{.}}{{else}}–{{end}}</td><td class="mono">{{.Include}}</td><td class="mono">{{.Exclude}}</td><td class="n">{{.Registered}}</td><td class="n">{{.Allowed}}</td></tr>
{{else}}<tr><td colspan="6" class="muted">No method configurations.</td></tr>
{{end}}</tbody>
</table>
{{else}}<p id="methods-policy-omitted">Not fetched: {{.Reason}}.</p>
{{end}}</section>
{{end}}<section id="controls">
<h2>Controls</h2>
<table>
<thead><tr><th>Control</th><th>Title</th><th>Severity</th><th>Status</th><th class="n">Violations</th><th class="n">Waived</th></tr></thead>
<tbody>
{{range .Controls}}<tr class="control-row" data-status="{{.Status}}"><td><code>{{if .Failing}}<a href="#c-{{.Anchor}}">{{.ID}}</a>{{else}}{{.ID}}{{end}}</code></td><td>{{.Title}}{{with .SkipReason}}<br><span class="muted">{{.}}</span>{{end}}</td><td>{{.Severity}}</td><td><span class="st st-{{.Badge}}">{{.StatusWord}}</span></td><td class="n">{{.Open}}</td><td class="n">{{.Waived}}</td></tr>
{{end}}</tbody>
</table>
</section>
{{with .Failing}}<section id="violations">
<h2>Failing controls</h2>
{{range .}}<section class="control" id="c-{{.Anchor}}">
<h3><code>{{.ID}}</code> {{.Title}}</h3>
<p>{{.Severity}}, {{.Open}} {{.OpenWord}}{{if .Waived}} (+{{.Waived}} waived){{end}}{{with .NotGating}}; <strong>{{.}}</strong>{{end}}. {{.Description}}</p>
<p><strong>Remediation:</strong> {{.Remediation}}{{range .References}} {{if .URL}}<a href="{{.URL}}" rel="noreferrer">{{.Label}}</a>{{else}}<span class="muted">{{.Label}}</span>{{end}}{{end}}</p>
<input class="filter" type="search" placeholder="Filter these {{len .Rows}} rows" aria-label="Filter the violations of {{.ID}}" data-table="t-{{.Anchor}}">
<table class="violations" id="t-{{.Anchor}}">
<thead><tr><th>Subject</th><th>Finding</th><th>Waiver</th></tr></thead>
<tbody>
{{range .Rows}}<tr><td class="mono">{{.Subject}}</td><td>{{.Message}}{{with .Figures}} <span class="muted">({{.}})</span>{{end}}</td><td>{{.Waiver}}</td></tr>
{{end}}</tbody>
</table>
{{with .More}}<p class="more">{{.}}</p>
{{end}}</section>
{{end}}</section>
{{end}}{{with .Waivers}}<section id="waivers">
<h2>Waivers</h2>
<table>
<thead><tr><th>Control</th><th>Subject</th><th>Reason</th><th>Owner</th><th>Expires</th><th>Ticket</th><th>State</th><th class="n">Matched</th></tr></thead>
<tbody>
{{range .}}<tr data-state="{{.State}}"><td><code>{{.Control}}</code></td><td class="mono">{{.Subject}}</td><td>{{.Reason}}</td><td>{{.Owner}}</td><td>{{.Expires}}</td><td>{{.Ticket}}</td><td>{{.State}}</td><td class="n">{{.Matched}}</td></tr>
{{end}}</tbody>
</table>
</section>
{{end}}{{with .Exclusions}}<section id="exclusions">
<h2>Exclusions (users out of scope)</h2>
<ul>
{{range .}}<li data-overdue="{{.Overdue}}" data-users="{{.Users}}">{{.Line}}</li>
{{end}}</ul>
</section>
{{end}}<section id="manifest">
<h2>Manifest</h2>
<table>
<tbody>
{{range .Manifest}}<tr><th>{{.Key}}</th><td class="mono">{{.Value}}</td></tr>
{{end}}</tbody>
</table>
{{with .Files}}<table id="files">
<thead><tr><th>File</th><th class="n">Bytes</th><th>SHA-256</th></tr></thead>
<tbody>
{{range .}}<tr><td class="mono">{{.Path}}</td><td class="n">{{.Size}}</td><td class="mono">{{.SHA256}}</td></tr>
{{end}}</tbody>
</table>
{{end}}</section>
<script>` + htmlJS + `</script>
</body>
</html>
{{define "figure"}}<figure>
<figcaption>{{.Caption}}</figcaption>
<svg class="chart" id="{{.ID}}" role="img" aria-label="{{.Label}}" width="{{.W}}" height="{{.H}}" viewBox="0 0 {{.W}} {{.H}}" xmlns="http://www.w3.org/2000/svg">
{{range .Shapes}}{{template "shape" .}}{{end}}</svg>
{{if .Legend}}<div class="legend muted">{{range .Legend}}<span class="m-{{.Key}}"></span>{{.Label}}{{end}}<span class="th"></span>minimum</div>
{{end}}</figure>
{{end}}{{define "shape"}}{{if eq .Kind "line"}}<line class="{{.Class}}" x1="{{.X}}" y1="{{.Y}}" x2="{{.X2}}" y2="{{.Y2}}"{{if .Tip}}><title>{{.Tip}}</title></line>{{else}}/>{{end}}{{else if eq .Kind "rect"}}<rect class="{{.Class}}"{{with .Fill}} fill="{{.}}"{{end}}{{if .Faded}} fill-opacity="0.35"{{end}}{{with .Judged}} data-judged="{{.}}"{{end}} x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}"><title>{{.Tip}}</title></rect>{{else}}<text x="{{.X}}" y="{{.Y}}"{{with .Anchor}} text-anchor="{{.}}"{{end}}>{{with .Tip}}<title>{{.}}</title>{{end}}{{.Text}}</text>{{end}}{{if .EOL}}
{{end}}{{end}}`))

// htmlPage is what the template renders. Every string field that comes
// from the Result has been through Sanitize.
type htmlPage struct {
	CSP                         template.HTMLAttr
	Title, Verdict, VerdictWord string
	FailOn, Tally, Reason       string
	TenantID, FetchedAt, Tool   string
	Users                       int
	Unknown                     string // unknownLine
	Coverage                    []svgFigure
	Usage                       *htmlUsageView
	Policy                      *htmlPolicyView
	Controls                    []htmlControl
	Failing                     []htmlFailing
	Waivers                     []htmlWaiver
	Exclusions                  []htmlExclusion
	Manifest                    []htmlKV
	Files                       []htmlFile
}

type htmlControl struct {
	ID, Anchor, Title, SkipReason string
	Severity, Status, StatusWord  string
	Badge                         string // the status, or "warn" for a failure below --fail-on
	Failing                       bool
	Open, Waived                  int
}

type htmlFailing struct {
	ID, Anchor, Title, Severity string
	Open, Waived                int
	OpenWord, NotGating         string
	Description, Remediation    string
	References                  []htmlRef
	Rows                        []htmlRow
	More                        string
}

type htmlRef struct{ URL, Label string }

type htmlRow struct{ Subject, Message, Figures, Waiver string }

type htmlWaiver struct {
	State, Control, Subject, Reason, Owner, Expires, Ticket string
	Matched                                                 int
}

type htmlKV struct{ Key, Value string }

type htmlFile struct {
	Path, SHA256 string
	Size         int64
}

type htmlUsageView struct {
	Period, Start, End, MfaShare string
	Total, Single                int64
	// LeftOut are the days that contradict themselves, each with why.
	LeftOut          []string
	Derived, SignIns bool
	Figures          []svgFigure
}

// svgFigure is one chart: a caption and an SVG drawing of shapes.
type svgFigure struct {
	ID, Caption, Label string
	W, H               int
	Shapes             []svgShape
	Legend             []htmlLegend
}

type htmlLegend struct{ Key, Label string }

// svgShape is one line, rect or text of a chart; coordinates are
// preformatted. EOL ends the output line after it.
type svgShape struct {
	Kind               string // "line", "rect" or "text"
	Class              string
	X, Y, X2, Y2, W, H string
	Fill               string
	Faded              bool
	Judged             string
	Anchor, Tip, Text  string
	EOL                bool
}

func itoa(n int) string   { return fmt.Sprint(n) }
func f1(x float64) string { return fmt.Sprintf("%.1f", x) }
func svgLine(class string, x1, y1, x2, y2 string, tip string, eol bool) svgShape {
	return svgShape{Kind: "line", Class: class, X: x1, Y: y1, X2: x2, Y2: y2, Tip: tip, EOL: eol}
}
func svgText(x, y, anchor, text string, eol bool) svgShape {
	return svgShape{Kind: "text", X: x, Y: y, Anchor: anchor, Text: text, EOL: eol}
}

func (h *htmlWriter) Write(w io.Writer, r *result.Result) error {
	p := h.page(r)
	b := bufio.NewWriterSize(w, 64<<10)
	if err := htmlTemplate.Execute(b, p); err != nil {
		return fmt.Errorf("write html: %w", err)
	}
	if err := b.Flush(); err != nil {
		return fmt.Errorf("write html: %w", err)
	}
	return nil
}

// page builds the view of r that the template renders.
func (h *htmlWriter) page(r *result.Result) *htmlPage {
	s := r.Summary
	summary := fmt.Sprintf("%d %s: %d passed, %d failed, %d skipped; %d %s",
		s.Controls, Plural(s.Controls, "control", "controls"), s.Passed, s.Failed, s.Skipped, s.Violations, Plural(s.Violations, "violation", "violations"))
	if s.Waived > 0 {
		summary += fmt.Sprintf(", %d waived", s.Waived)
	}
	p := &htmlPage{
		// The policy is this package's constant: a trusted attribute.
		CSP:         template.HTMLAttr(`content="` + html.EscapeString(HTMLContentSecurityPolicy()) + `"`),
		Title:       fmt.Sprintf("authgate %s: tenant %s", verdictWord(r.Verdict), Sanitize(r.Snapshot.TenantID)),
		Verdict:     Sanitize(string(r.Verdict)),
		VerdictWord: verdictWord(r.Verdict),
		FailOn:      Sanitize(r.FailOn),
		Tally:       summary,
		Reason:      verdictReason(r),
		TenantID:    Sanitize(r.Snapshot.TenantID),
		FetchedAt:   Sanitize(r.Snapshot.FetchedAt),
		Users:       r.Snapshot.Users,
		Unknown:     Sanitize(unknownLine(r)),
		Tool:        Sanitize(cmp.Or(r.Tool.Name, "authgate")) + " " + Sanitize(r.Tool.Version),
	}
	if a := r.Aggregates; a != nil {
		p.Coverage = h.charts(r, a)
	}
	if r.Usage != nil {
		p.Usage = usageView(r, r.Usage)
	}
	p.Policy = policyView(r.MethodsPolicy)
	limit := h.o.limit(htmlListed)
	g := gateOf(r)
	for _, c := range sortedControls(r) {
		open, waived := tally(c)
		badge := Sanitize(string(c.Status))
		if g.warns(c) {
			badge = "warn"
		}
		p.Controls = append(p.Controls, htmlControl{Badge: badge,
			ID: Sanitize(c.ID), Anchor: anchor(c.ID), Title: Sanitize(c.Title), SkipReason: Sanitize(c.SkipReason),
			Severity: c.Severity.String(), Status: Sanitize(string(c.Status)), StatusWord: g.statusLabel(c),
			Failing: c.Status == result.StatusFail, Open: open, Waived: waived,
		})
		if c.Status == result.StatusFail {
			f := h.failing(c, open, waived, limit)
			if g.warns(c) {
				f.NotGating = Sanitize(g.notGating())
			}
			p.Failing = append(p.Failing, f)
		}
	}
	for _, w := range r.Waivers {
		p.Waivers = append(p.Waivers, htmlWaiver{
			State: Sanitize(string(w.State)), Control: Sanitize(w.Control), Subject: Sanitize(cmp.Or(w.Subject, "(all)")),
			Reason: Sanitize(w.Reason), Owner: Sanitize(w.Owner), Expires: Sanitize(w.Expires), Ticket: Sanitize(w.Ticket), Matched: w.Matched,
		})
	}
	for i, l := range exclusionLines(r) {
		x := r.Exclusions[i]
		p.Exclusions = append(p.Exclusions, htmlExclusion{Overdue: x.ReviewOverdue, Users: x.Users, Line: Sanitize(l)})
	}
	p.Manifest = []htmlKV{
		{"Snapshot", Sanitize(cmp.Or(h.o.SnapshotURI, r.Snapshot.Path))},
		{"Snapshot SHA-256", Sanitize(r.Snapshot.SHA256)},
		{"Tenant", Sanitize(r.Snapshot.TenantID)},
		{"Fetched at", Sanitize(r.Snapshot.FetchedAt)},
		{"Users", fmt.Sprint(r.Snapshot.Users)},
		{"Tool", Sanitize(strings.TrimSpace(cmp.Or(r.Tool.Name, "authgate") + " " + r.Tool.Version))},
	}
	for _, hp := range h.o.HTML.History {
		p.Manifest = append(p.Manifest, htmlKV{"Baseline", Sanitize(hp.Label)})
	}
	files := slices.Clone(h.o.HTML.Files)
	slices.SortFunc(files, func(x, y ManifestFile) int { return cmp.Compare(x.Path, y.Path) })
	for _, f := range files {
		p.Files = append(p.Files, htmlFile{Path: Sanitize(f.Path), SHA256: Sanitize(f.SHA256), Size: f.Size})
	}
	return p
}

// failing is the section of one failing control: its violations, waived
// ones included, up to limit.
func (h *htmlWriter) failing(c *result.Control, open, waived, limit int) htmlFailing {
	f := htmlFailing{
		ID: Sanitize(c.ID), Anchor: anchor(c.ID), Title: Sanitize(c.Title), Severity: c.Severity.String(),
		Open: open, Waived: waived, OpenWord: Plural(open, "violation", "violations"),
		Description: Sanitize(c.Description), Remediation: Sanitize(c.Remediation),
	}
	for _, ref := range c.References {
		hr := htmlRef{Label: Sanitize(cmp.Or(ref.ID, ref.Description, ref.URL))}
		if strings.HasPrefix(ref.URL, "https://") || strings.HasPrefix(ref.URL, "http://") {
			hr.URL = Sanitize(ref.URL)
		}
		f.References = append(f.References, hr)
	}
	vs := sortedViolations(c)
	shown := min(len(vs), limit)
	for i := range vs[:shown] {
		v := &vs[i]
		row := htmlRow{Subject: Sanitize(subjectLabel(v.Subject)), Message: Sanitize(v.Message)}
		if v.Waiver != nil {
			row.Waiver = Sanitize(waiverNote(v.Waiver))
		}
		if v.Value != nil && v.Threshold != nil {
			u := figureUnit(c, v)
			row.Figures = fmt.Sprintf("value %s, threshold %s", humanNumber(*v.Value, u), humanNumber(*v.Threshold, u))
		}
		f.Rows = append(f.Rows, row)
	}
	if more := len(vs) - shown; more > 0 {
		f.More = Sanitize(h.o.moreMessage(more, c.ID))
	}
	return f
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

// metric is one coverage measure charted per scope.
type metric struct {
	key, label string
	num        func(c *result.ScopeCounts) int64
	den        func(c *result.ScopeCounts) int64
	// params maps a scope to the parameter that sets its minimum.
	params map[string]string
}

var metrics = []metric{
	{"mfa", "MFA-capable", func(c *result.ScopeCounts) int64 { return c.MfaCapable }, func(c *result.ScopeCounts) int64 { return c.Users },
		map[string]string{"member": "mfa_capable_min"}},
	{"pwl", "Passwordless-capable", func(c *result.ScopeCounts) int64 { return c.PasswordlessCapable }, func(c *result.ScopeCounts) int64 { return c.Users },
		map[string]string{"member": "passwordless_min", "admin": "admin_passwordless_min"}},
	{"sspr", "SSPR-capable of SSPR-enabled", func(c *result.ScopeCounts) int64 { return c.SsprCapable }, func(c *result.ScopeCounts) int64 { return c.SsprEnabled },
		map[string]string{"all": "sspr_registered_min"}},
}

func metricLegend() []htmlLegend {
	var l []htmlLegend
	for _, m := range metrics {
		l = append(l, htmlLegend{m.key, m.label})
	}
	return l
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
func paramValues(r *result.Result) map[string]float64 {
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

// percentGrid draws the 0-100% grid lines and the axis of a vertical chart.
func percentGrid(left, top, plotH, width int) []svgShape {
	var s []svgShape
	for _, t := range []int{0, 25, 50, 75, 100} {
		y := top + plotH - plotH*t/100
		s = append(s, svgLine("grid", itoa(left), itoa(y), itoa(width-4), itoa(y), "", false),
			svgText(itoa(left-6), itoa(y+4), "end", fmt.Sprintf("%d%%", t), true))
	}
	return append(s, svgLine("axis", itoa(left), itoa(top+plotH), itoa(width-4), itoa(top+plotH), "", true))
}

// chart draws a vertical grouped bar chart of shares (0..100%).
func chart(id, caption string, groups []group, legend bool) svgFigure {
	const barW, gap, groupGap, left, top, plotH, bottom = 18, 4, 30, 44, 10, 180, 40
	n := 0
	for _, g := range groups {
		n += len(g.bars)
	}
	width := left + len(groups)*groupGap + n*(barW+gap) + 10
	width = max(width, 260)
	height := top + plotH + bottom
	f := svgFigure{ID: id, Caption: caption, Label: caption, W: width, H: height, Shapes: percentGrid(left, top, plotH, width)}
	x := left + groupGap/2
	for _, g := range groups {
		gx := x
		for _, br := range g.bars {
			hgt := br.value * plotH
			f.Shapes = append(f.Shapes, svgShape{Kind: "rect", Class: "bar " + br.class, X: itoa(x), Y: f1(float64(top+plotH) - hgt),
				W: itoa(barW), H: f1(hgt), Tip: br.tip, EOL: true})
			if br.threshold != nil {
				ty := f1(float64(top+plotH) - *br.threshold*plotH)
				f.Shapes = append(f.Shapes, svgLine("threshold", itoa(x-2), ty, itoa(x+barW+2), ty,
					fmt.Sprintf("minimum for %s: %s", br.label, pct(*br.threshold)), true))
			}
			x += barW + gap
		}
		f.Shapes = append(f.Shapes, svgText(f1(float64(gx+x-gap)/2), itoa(top+plotH+16), "middle", g.label, true))
		x += groupGap
	}
	if legend {
		f.Legend = metricLegend()
	}
	return f
}

func (h *htmlWriter) charts(r *result.Result, a *result.Aggregates) []svgFigure {
	params := paramValues(r)
	var groups []group
	for _, sc := range chartScopes {
		c := a.Scopes[sc]
		if c == nil {
			c = &result.ScopeCounts{}
		}
		g := group{label: fmt.Sprintf("%s (%d)", sc, c.Users)}
		if c.Unknown > 0 {
			g.label = fmt.Sprintf("%s (%d, %d unknown)", sc, c.Users, c.Unknown)
		}
		for _, m := range metrics {
			v := share(m.num(c), m.den(c))
			br := bar{class: "m-" + m.key, label: sc + " " + m.label, value: v,
				tip: fmt.Sprintf("%s, %s: %s (%d of %d%s)", sc, m.label, pct(v), m.num(c), m.den(c), unknownNote(c.Unknown))}
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
	figs := []svgFigure{chart("chart-coverage", "Coverage by scope", groups, true)}

	if all := a.Scopes["all"]; all != nil && len(all.Methods) > 0 {
		names := slices.Sorted(maps.Keys(all.Methods))
		slices.SortStableFunc(names, func(x, y string) int { return cmp.Compare(all.Methods[y], all.Methods[x]) })
		figs = append(figs, methodChart(all.Users, names, all.Methods))
	}

	if len(h.o.HTML.History) > 0 {
		points := append(slices.Clone(h.o.HTML.History), CoveragePoint{Label: r.Snapshot.FetchedAt, Aggregates: a})
		var tg []group
		for _, p := range points {
			c := &result.ScopeCounts{}
			if p.Aggregates != nil && p.Aggregates.Scopes["member"] != nil {
				c = p.Aggregates.Scopes["member"]
			}
			label := Sanitize(p.Label)
			g := group{label: Sanitize(shortDate(p.Label))}
			for _, m := range metrics {
				v := share(m.num(c), m.den(c))
				g.bars = append(g.bars, bar{class: "m-" + m.key, label: m.label, value: v,
					tip: fmt.Sprintf("%s, members %s: %s (%d of %d)", label, m.label, pct(v), m.num(c), m.den(c))})
			}
			tg = append(tg, g)
		}
		figs = append(figs, chart("chart-trend", "Member coverage over time", tg, true))
	}
	return figs
}

// shortDate keeps the date of an RFC 3339 time, so axis labels fit.
func shortDate(s string) string {
	if len(s) >= 10 && s[4] == '-' && s[7] == '-' {
		return s[:10]
	}
	return s
}

// methodChart draws a horizontal bar chart of users per registered method.
func methodChart(users int64, names []string, counts map[string]int64) svgFigure {
	const left, barH, gap, plotW, right = 230, 14, 6, 300, 90
	height := 10 + len(names)*(barH+gap) + 10
	width := left + plotW + right
	f := svgFigure{ID: "chart-methods", Caption: fmt.Sprintf("Users per registered method (all %d users)", users),
		Label: "Users per registered method", W: width, H: height}
	var most int64 = 1
	for _, n := range names {
		most = max(most, counts[n])
	}
	y := 10
	for _, n := range names {
		w := float64(plotW) * float64(counts[n]) / float64(most)
		name := Sanitize(n)
		f.Shapes = append(f.Shapes,
			svgText(itoa(left-6), itoa(y+barH-3), "end", name, false),
			svgShape{Kind: "rect", Class: "bar m-method", X: itoa(left), Y: itoa(y), W: f1(w), H: itoa(barH),
				Tip: fmt.Sprintf("%s: %d users (%s)", name, counts[n], pct(share(counts[n], users)))},
			svgText(f1(float64(left)+w+4), itoa(y+barH-3), "", fmt.Sprint(counts[n]), true))
		y += barH + gap
	}
	return f
}

// Usage chart colours, as SVG presentation attributes: the page's style
// sheet (hashed in the CSP) is the same with and without a usage section.
const (
	usageOver      = "#cf222e" // a failure rate above the maximum, an MFA share below the minimum
	usageTelephony = "#bf8700" // SMS and voice sign-ins
)

// usageParam returns the numeric parameter name of control id, or def.
func usageParam(r *result.Result, id, name string, def float64) float64 {
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
func usageScale(u *result.UsageSummary, ref float64) (scale, step float64) {
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

// usageView is the "How people sign in" section: the failure rate of each
// method and feature, the daily MFA share and, from a delegated fetch, the
// successful sign-ins per method.
func usageView(r *result.Result, u *result.UsageSummary) *htmlUsageView {
	rateMax := usageParam(r, "AM-USE-01", "method_failure_rate_max", 0.20)
	minEvents := usageParam(r, "AM-USE-01", "min_method_events", 20)
	singleMax := usageParam(r, "AM-USE-02", "single_factor_signin_max", 0.05)
	telMax := usageParam(r, "AM-USE-03", "telephony_signin_max", 0.20)
	v := &htmlUsageView{
		Period: Sanitize(u.Period), Start: Sanitize(u.Start), End: Sanitize(u.End), MfaShare: usagePct(u.MfaShare),
		Total: u.TotalSignIns, Single: u.SingleFactorSignIns,
		Derived: u.ActivitySource == "derived", SignIns: u.SignInsSource == "graph",
	}
	for _, d := range u.Days {
		if d.Problem != "" {
			v.LeftOut = append(v.LeftOut, Sanitize(usageDay(d.Date))+": "+Sanitize(d.Problem))
		}
	}
	v.Figures = append(v.Figures, failureChart(u, rateMax, minEvents), mfaChart(u, 1-singleMax))
	if v.SignIns {
		v.Figures = append(v.Figures, signInChart(u, telMax))
	}
	return v
}

// failureChart draws the registration and reset failure rate of each method
// and feature as horizontal bars against the method_failure_rate_max line;
// rows with fewer than min_method_events attempts are pale and "not judged".
func failureChart(u *result.UsageSummary, rateMax, minEvents float64) svgFigure {
	const left, barH, gap, plotW, right, top, bottom = 200, 14, 6, 300, 170, 10, 22
	scale, step := usageScale(u, rateMax)
	height := top + max(len(u.Methods), 1)*(barH+gap) + bottom
	width := left + plotW + right
	caption := fmt.Sprintf("Registration and reset failure rate (maximum %s, judged from %s attempts)", pct(rateMax), fmt.Sprint(minEvents))
	f := svgFigure{ID: "chart-usage-failures", Caption: caption, Label: caption, W: width, H: height}
	axisY := height - bottom
	ticks := int(scale/step + 0.5)
	for q := 0; q <= ticks; q++ {
		x := f1(float64(left) + float64(plotW)*float64(q)/float64(ticks))
		f.Shapes = append(f.Shapes, svgLine("grid", x, itoa(top), x, itoa(axisY), "", false),
			svgText(x, itoa(axisY+14), "middle", fmt.Sprintf("%.0f%%", float64(q)*step*100), true))
	}
	if len(u.Methods) == 0 {
		f.Shapes = append(f.Shapes, svgText(itoa(left+6), itoa(top+barH-3), "", "no registration or reset attempts in the period", true))
	}
	y := top
	for _, m := range u.Methods {
		rate := 0.0
		if m.FailureRate != nil {
			rate = *m.FailureRate
		}
		judged := float64(m.Attempts) >= minEvents
		w := float64(plotW) * min(rate/scale, 1)
		label := fmt.Sprintf("%s (%d of %d)", usagePct(m.FailureRate), m.Failed, m.Attempts)
		rect := svgShape{Kind: "rect", Class: "bar m-method", Judged: fmt.Sprint(judged), X: itoa(left), Y: itoa(y), W: f1(w), H: itoa(barH)}
		switch {
		case !judged:
			label = fmt.Sprintf("not judged (%d attempts)", m.Attempts)
			rect.Faded = true
		case rate > rateMax:
			rect.Class, rect.Fill = "bar over", usageOver
		}
		method, feature := Sanitize(m.AuthMethod), Sanitize(m.Feature)
		rect.Tip = fmt.Sprintf("%s %s: %s of %d attempts failed (%d)", method, feature, usagePct(m.FailureRate), m.Attempts, m.Failed)
		if !judged {
			rect.Tip += fmt.Sprintf("; not judged, fewer than %s attempts", fmt.Sprint(minEvents))
		}
		f.Shapes = append(f.Shapes, svgText(itoa(left-6), itoa(y+barH-3), "end", method+" · "+feature, false), rect,
			svgText(f1(float64(left)+w+4), itoa(y+barH-3), "", label, true))
		y += barH + gap
	}
	rx := f1(float64(left) + float64(plotW)*min(rateMax/scale, 1))
	f.Shapes = append(f.Shapes, svgLine("threshold", rx, itoa(top-4), rx, itoa(axisY), "method_failure_rate_max: "+pct(rateMax), true))
	return f
}

// mfaChart draws the daily share of multi-factor sign-ins as vertical bars
// against the minimum implied by single_factor_signin_max; a day without
// sign-ins has no bar.
func mfaChart(u *result.UsageSummary, minShare float64) svgFigure {
	const barW, gap, left, top, plotH, bottom = 16, 6, 44, 10, 160, 34
	n := len(u.Days)
	width := max(left+n*(barW+gap)+20, 260)
	height := top + plotH + bottom
	caption := fmt.Sprintf("Daily share of multi-factor sign-ins (minimum %s)", pct(minShare))
	f := svgFigure{ID: "chart-usage-mfa", Caption: caption, Label: caption, W: width, H: height, Shapes: percentGrid(left, top, plotH, width)}
	if n == 0 {
		f.Shapes = append(f.Shapes, svgText(itoa(left+6), itoa(top+plotH/2), "", "no daily sign-in figures", true))
	}
	step := (40 + barW + gap - 1) / (barW + gap) // date labels (MM-DD) 40 pixels apart
	x := left + gap
	for i, d := range u.Days {
		day := Sanitize(usageDay(d.Date))
		if d.MfaShare != nil {
			hgt := *d.MfaShare * plotH
			rect := svgShape{Kind: "rect", Class: "bar m-mfa", X: itoa(x), Y: f1(float64(top+plotH) - hgt), W: itoa(barW), H: f1(hgt),
				Tip: fmt.Sprintf("%s: %s multi-factor (%d of %d; %d single-factor)", day, pct(*d.MfaShare), d.MultiFactor, d.Total, d.SingleFactor), EOL: true}
			if *d.MfaShare < minShare {
				rect.Class, rect.Fill = "bar over", usageOver
			}
			f.Shapes = append(f.Shapes, rect)
		} else {
			t := svgText(itoa(x+barW/2), itoa(top+plotH-4), "middle", "–", true)
			t.Tip = day + ": no sign-ins"
			f.Shapes = append(f.Shapes, t)
		}
		if i%step == 0 || i == n-1 {
			label := usageDay(d.Date)
			if len(label) == 10 {
				label = label[5:]
			}
			f.Shapes = append(f.Shapes, svgText(itoa(x+barW/2), itoa(top+plotH+14), "middle", Sanitize(label), true))
		}
		x += barW + gap
	}
	ty := f1(float64(top+plotH) - minShare*plotH)
	f.Shapes = append(f.Shapes, svgLine("threshold", itoa(left), ty, itoa(width-4), ty, "1 - single_factor_signin_max: "+pct(minShare), true))
	return f
}

// signInChart draws the successful sign-ins per method (delegated fetches),
// SMS and voice highlighted.
func signInChart(u *result.UsageSummary, telMax float64) svgFigure {
	const left, barH, gap, plotW, right, top = 230, 14, 6, 300, 110, 10
	height := top + max(len(u.SignInsByMethod), 1)*(barH+gap) + 10
	width := left + plotW + right
	caption := fmt.Sprintf("Successful sign-ins per method (SMS and voice: %s of %d, maximum %s)", usagePct(u.TelephonyShare), u.SuccessfulSignIns, pct(telMax))
	f := svgFigure{ID: "chart-usage-signins", Caption: caption, Label: caption, W: width, H: height}
	if len(u.SignInsByMethod) == 0 {
		f.Shapes = append(f.Shapes, svgText(itoa(left+6), itoa(top+barH-3), "", "no successful sign-ins in the period", true))
	}
	var most int64 = 1
	for _, m := range u.SignInsByMethod {
		most = max(most, m.Successes)
	}
	y := top
	for _, m := range u.SignInsByMethod {
		w := float64(plotW) * float64(m.Successes) / float64(most)
		rect := svgShape{Kind: "rect", Class: "bar m-method", X: itoa(left), Y: itoa(y), W: f1(w), H: itoa(barH)}
		name := Sanitize(m.AuthenticationMethod)
		if m.Telephony {
			rect.Class, rect.Fill, name = "bar telephony", usageTelephony, name+" (SMS/voice)"
		}
		rect.Tip = fmt.Sprintf("%s: %d successful sign-ins (%s)", name, m.Successes, usagePct(m.Share))
		f.Shapes = append(f.Shapes, svgText(itoa(left-6), itoa(y+barH-3), "end", name, false), rect,
			svgText(f1(float64(left)+w+4), itoa(y+barH-3), "", fmt.Sprintf("%d (%s)", m.Successes, usagePct(m.Share)), true))
		y += barH + gap
	}
	return f
}
