package gate

import (
	"fmt"
	"io"
	"strings"

	"github.com/authgate/authgate/reports"
	"github.com/authgate/authgate/result"
)

// Warnings are what the person running a check should act on besides the
// verdict, one sentence each: waivers that expired or matched nothing,
// then exclusions due for review or matching nobody.
func (p *Plan) Warnings(res *result.Result) []string {
	var out []string
	for _, w := range res.Waivers {
		who := strings.TrimSpace(w.Control + " " + w.Subject)
		switch w.State {
		case result.WaiverExpired:
			out = append(out, fmt.Sprintf("waiver %s (%s) expired on %s and no longer applies (%d %s)",
				w.Source, who, w.Expires, w.Matched, reports.Plural(w.Matched, "violation", "violations")))
		case result.WaiverOrphaned:
			out = append(out, fmt.Sprintf("waiver %s (%s) matched no violation: remove it", w.Source, who))
		}
	}
	for _, w := range p.ExclusionWarnings(res) {
		out = append(out, reports.Sanitize(w)) // entries come from a config file
	}
	return out
}

// WriteReport says on w whether the bundle at path verified: each problem
// under a FAIL line, or what matched and who made it under an OK line.
func (v *Verification) WriteReport(w io.Writer, path string) {
	if n := len(v.Problems); n > 0 {
		fmt.Fprintf(w, "FAIL %s: %d %s\n", path, n, reports.Plural(n, "problem", "problems"))
		for _, p := range v.Problems {
			fmt.Fprintf(w, "  - %s\n", p)
		}
		return
	}
	sig := map[string]string{"verified": "signature verified", "unchecked": "signed, signature NOT checked (give --pub KEY)", "unsigned": "unsigned"}[v.Signature]
	man := v.Manifest
	fmt.Fprintf(w, "OK %s: %d files match the manifest; %s; re-evaluation with the bundled policies gives the bundled verdict (%s) and findings\n",
		path, len(man.Files), sig, man.Verdict)
	fmt.Fprintf(w, "  made by %s %s (OPA %s, pack %s), evaluated at %s, tenant %s\n",
		man.Tool.Name, man.Tool.Version, man.OPAVersion, man.PackVersion, man.EvaluatedAt, man.TenantID)
}
