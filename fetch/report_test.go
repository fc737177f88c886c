package fetch

import (
	"strings"
	"testing"

	"github.com/authgate/authgate/snapshot"
)

// TestWriteReport: the lines a fetch ends with, for a resumed fetch with a
// derived summary, a usage section, a methods policy and no principal, and
// for a restarted one without optional sections.
func TestWriteReport(t *testing.T) {
	r := &Result{Path: "snap.json", Resumed: true, Warnings: []string{"2 rows listed twice"}, Manifest: snapshot.Manifest{
		AuthMode: "client-secret", TenantID: "t1", UserCount: 10, Pages: 2, Requests: 7, Retries: 1, Throttled: 1, UsersSHA256: "abc",
		Summaries: []snapshot.SummarySource{
			{Report: "usersRegisteredByFeature", Source: snapshot.SourceGraph},
			{Report: "usersRegisteredByMethod", Source: snapshot.SourceDerived},
			{Report: snapshot.ReportMfaSignInSummary, Source: snapshot.SourceGraph},
		},
		MethodsPolicy: &snapshot.PolicySource{APIVersion: "beta", Source: "graph", Reason: "fetched"},
	}}
	var b strings.Builder
	r.WriteReport(&b)
	want := `authgate: warning: 2 rows listed twice
authgate: signed in as an unknown principal (--auth client-secret, tenant t1)
authgate: fetched 10 users in 2 pages (resumed): 7 requests, 1 retries, 1 throttled; 2 of 3 summaries from Graph
authgate: usage: ` + snapshot.ReportMfaSignInSummary + ` graph
authgate: authentication methods policy (beta): graph fetched
authgate: wrote snap.json (sha256 of users abc)
`
	if b.String() != want {
		t.Errorf("report:\n%s\nwant:\n%s", b.String(), want)
	}

	r = &Result{Path: "s.json", Restarted: true, Resumed: true, Manifest: snapshot.Manifest{Principal: "app@t", AuthMode: "azure-cli", TenantID: "t2"}}
	b.Reset()
	r.WriteReport(&b)
	for _, want := range []string{"signed in as app@t (", "in 0 pages (the checkpoint's link was refused: started over): ", "0 of 0 summaries"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "usage:") || strings.Contains(b.String(), "methods policy") || strings.Contains(b.String(), "warning") {
		t.Errorf("report names a section the snapshot lacks:\n%s", b.String())
	}
}
