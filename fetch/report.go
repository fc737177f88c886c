package fetch

import (
	"fmt"
	"io"
	"strings"

	"github.com/authgate/authgate/snapshot"
)

// WriteReport tells the person running a fetch what it did, one
// "authgate: " line each: what it worked around, who signed in, the counts,
// where the optional sections came from and the file written.
func (r *Result) WriteReport(w io.Writer) {
	for _, msg := range r.Warnings {
		fmt.Fprintf(w, "authgate: warning: %s\n", msg)
	}
	m := r.Manifest
	how := ""
	switch {
	case r.Restarted:
		how = " (the checkpoint's link was refused: started over)"
	case r.Resumed:
		how = " (resumed)"
	}
	derived := 0
	for _, s := range m.Summaries {
		if s.Source != "graph" {
			derived++
		}
	}
	principal := m.Principal
	if principal == "" {
		principal = "an unknown principal"
	}
	fmt.Fprintf(w, "authgate: signed in as %s (--auth %s, tenant %s)\n", principal, m.AuthMode, m.TenantID)
	fmt.Fprintf(w, "authgate: fetched %d users in %d pages%s: %d requests, %d retries, %d throttled; %d of %d summaries from Graph\n",
		m.UserCount, m.Pages, how, m.Requests, m.Retries, m.Throttled, len(m.Summaries)-derived, len(m.Summaries))
	if u := usageLine(m); u != "" {
		fmt.Fprintf(w, "authgate: %s\n", u)
	}
	if p := m.MethodsPolicy; p != nil {
		fmt.Fprintf(w, "authgate: authentication methods policy (%s): %s\n", p.APIVersion, strings.TrimSpace(p.Source+" "+p.Reason))
	}
	fmt.Fprintf(w, "authgate: wrote %s (sha256 of users %s)\n", r.Path, m.UsersSHA256)
}

// usageLine says where the usage section came from, or "" without one.
func usageLine(m snapshot.Manifest) string {
	var parts []string
	for _, s := range m.Summaries {
		switch s.Report {
		case snapshot.ReportRegistrationActivity, snapshot.ReportMfaSignInSummary, snapshot.ReportSignInsByAuthMethod:
			parts = append(parts, s.Report+" "+s.Source)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "usage: " + strings.Join(parts, ", ")
}
