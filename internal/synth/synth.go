// Package synth writes synthetic snapshots of the Graph emulator's tenant
// straight to disk, without the HTTP round trips: for tests and benchmarks
// that need a 100,000 or 1,000,000-user snapshot quickly.
package synth

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/authgate/authgate/fetch/graphfake"
	"github.com/authgate/authgate/internal/atomicfile"
	"github.com/authgate/authgate/snapshot"
)

// Options shape a synthetic snapshot.
type Options struct {
	// Summaries is "graph" (all five scopes, as a delegated fetch gets them),
	// "derived" (the four derivable scopes, marked derived) or "" (none).
	Summaries string
	// Mutate, when set, may change each user before it is written.
	Mutate func(i int, u *snapshot.UserRegistrationDetails)
}

// Write creates the snapshot of tenant t at path.
func Write(path string, t graphfake.Tenant, o Options) error {
	return atomicfile.Write(path, 0o600, func(w io.Writer) error { return Encode(w, t, o) })
}

// Encode writes the snapshot of tenant t to w.
func Encode(w io.Writer, t graphfake.Tenant, o Options) error {
	if t.Now.IsZero() {
		t.Now = time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC)
	}
	if t.TenantID == "" {
		t.TenantID = graphfake.DefaultTenantID(t.Seed)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	sw, err := snapshot.NewWriter(bw)
	if err != nil {
		return err
	}
	var tally snapshot.Tally
	var priv snapshot.Tally
	var minT, maxT time.Time
	var minS, maxS string
	var werr error
	t.Each(func(i int, u *snapshot.UserRegistrationDetails) {
		if werr != nil {
			return
		}
		if o.Mutate != nil {
			o.Mutate(i, u)
		}
		tally.Add(u)
		if u.IsAdmin && graphfake.IsPrivilegedAdmin(t.Seed, i) {
			priv.Add(u)
		}
		if ts, err := time.Parse(time.RFC3339Nano, u.LastUpdatedDateTime); err == nil {
			if minS == "" || ts.Before(minT) {
				minT, minS = ts, u.LastUpdatedDateTime
			}
			if maxS == "" || ts.After(maxT) {
				maxT, maxS = ts, u.LastUpdatedDateTime
			}
		}
		b, err := json.Marshal(u)
		if err != nil {
			werr = err
			return
		}
		werr = sw.WriteUser(b)
	})
	if werr != nil {
		return fmt.Errorf("write synthetic snapshot: %w", werr)
	}
	var feature []snapshot.FeatureSummary
	var method []snapshot.MethodSummary
	var sources []snapshot.SummarySource
	if o.Summaries != "" {
		for _, s := range snapshot.DerivableScopes {
			f, _ := tally.FeatureSummary(s)
			m, _ := tally.MethodSummary(s)
			feature, method = append(feature, f), append(method, m)
		}
		if o.Summaries == "graph" {
			all := snapshot.Scope{UserTypes: "all", UserRoles: "all"}
			f, _ := priv.FeatureSummary(all)
			m, _ := priv.MethodSummary(all)
			f.UserRoles, m.UserRoles = "privilegedAdmin", "privilegedAdmin"
			feature, method = append(feature, f), append(method, m)
		}
		for _, report := range []string{"usersRegisteredByFeature", "usersRegisteredByMethod"} {
			for _, s := range snapshot.SummaryScopes {
				src := snapshot.SummarySource{Report: report, UserTypes: s.UserTypes, UserRoles: s.UserRoles, Source: o.Summaries}
				if o.Summaries == "derived" && s.UserRoles == "privilegedAdmin" {
					continue
				}
				sources = append(sources, src)
			}
		}
	}
	complete := true
	m := snapshot.Manifest{
		TenantID: t.TenantID, Cloud: "global", GraphEndpoint: "https://graph.microsoft.com", APIVersion: "v1.0",
		FetchedAt: t.Now.UTC().Format(time.RFC3339), Tool: "authgate synth", AuthMode: "synthetic",
		PagingComplete: &complete, Summaries: sources,
	}
	if minS != "" {
		m.LastUpdated = &snapshot.TimeRange{Min: minS, Max: maxS}
	}
	if _, err := sw.Close(feature, method, m); err != nil {
		return err
	}
	return bw.Flush()
}
