package evaluator

import (
	"context"
	"maps"
	"slices"

	"github.com/authgate/authgate/result"
	"github.com/authgate/authgate/snapshot"
)

// WithBaseline names an earlier snapshot of the same tenant that the trend
// controls (AM-TRD-*) compare the snapshot under evaluation with. New scans
// it once and hands every control data.authgate.baseline:
//
//	{"manifest": {"tenantId", "fetchedAt"}, "users": n,
//	 "aggregates": <the documented aggregates shape>,
//	 "admins": {"<id>": {"id", "userPrincipalName", "userDisplayName",
//	            "isMfaCapable", "isPasswordlessCapable", "methodsRegistered"}}}
//
// Without a baseline data.authgate.baseline is undefined and the trend
// controls are skipped. Admins are few, so keeping their rows is cheap.
func WithBaseline(path string) Option { return func(c *config) { c.baseline = path } }

// WithRewrite evaluates a view of every snapshot, the baseline's too, as r
// rewrites it while it is read (a pseudonymised one): the controls never see
// what r replaced. Evaluate's ScanOptions.Rewrite, when set, wins.
func WithRewrite(r snapshot.Rewriter) Option { return func(c *config) { c.rewrite = r } }

// Baseline is the earlier snapshot that trend controls compare against.
type Baseline struct {
	// Path is the file as given to WithBaseline.
	Path string
	// SHA256 is the hex SHA-256 of the whole file.
	SHA256    string
	TenantID  string
	FetchedAt string
	Users     int
	// Aggregates are the baseline's tenant figures, computed as for the
	// snapshot under evaluation.
	Aggregates *result.Aggregates
	// Admins are the baseline's users with isAdmin, by id.
	Admins map[string]BaselineAdmin
	// MethodsPolicy is the baseline's methods policy section, or nil.
	MethodsPolicy *snapshot.MethodsPolicy
}

// BaselineAdmin is what the trend controls keep of a baseline admin.
type BaselineAdmin struct {
	ID                    string
	UserPrincipalName     string
	UserDisplayName       string
	IsMfaCapable          bool
	IsPasswordlessCapable bool
	MethodsRegistered     []string
}

// Baseline returns the baseline given with WithBaseline, or nil.
func (e *Engine) Baseline() *Baseline { return e.baseline }

// loadBaseline scans the baseline snapshot at path; nil when path is "".
func loadBaseline(ctx context.Context, path string, tax *taxonomy, rw snapshot.Rewriter) (*Baseline, error) {
	if path == "" {
		return nil, nil
	}
	agg := result.NewAggregator(tax.classOf, tax.classes, nil)
	mark := make([]bool, len(tax.classes))
	admins := map[string]BaselineAdmin{}
	info, err := snapshot.Scan(ctx, path, snapshot.ScanOptions{Rewrite: rw}, func(chunk []snapshot.UserRegistrationDetails) error {
		for i := range chunk {
			u := &chunk[i]
			agg.Add(u, mark)
			if u.IsAdmin {
				admins[u.ID] = BaselineAdmin{
					ID: u.ID, UserPrincipalName: u.UserPrincipalName, UserDisplayName: u.UserDisplayName,
					IsMfaCapable: u.IsMfaCapable, IsPasswordlessCapable: u.IsPasswordlessCapable,
					MethodsRegistered: slices.Clone(u.MethodsRegistered),
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := info.Complete(); err != nil {
		return nil, err
	}
	return &Baseline{
		Path: path, SHA256: info.SHA256, TenantID: info.Manifest.TenantID, FetchedAt: info.Manifest.FetchedAt,
		Users: info.Users, Aggregates: agg.Finish(info.LastUpdated, nil), Admins: admins,
		MethodsPolicy: info.MethodsPolicy,
	}, nil
}

// dataJSON is data.authgate.baseline.
func (b *Baseline) dataJSON() any {
	admins := map[string]any{}
	for _, id := range slices.Sorted(maps.Keys(b.Admins)) {
		a := b.Admins[id]
		admins[id] = map[string]any{
			"id": a.ID, "userPrincipalName": a.UserPrincipalName, "userDisplayName": a.UserDisplayName,
			"isMfaCapable": a.IsMfaCapable, "isPasswordlessCapable": a.IsPasswordlessCapable,
			"methodsRegistered": nonNil(a.MethodsRegistered),
		}
	}
	return normalize(map[string]any{
		"manifest":   map[string]any{"tenantId": b.TenantID, "fetchedAt": b.FetchedAt},
		"users":      b.Users,
		"aggregates": b.Aggregates.JSON(),
		"admins":     admins,
		// The policy section as controls see it in input, without the
		// groups and retirement figures (AM-TRD-04 compares settings).
		"authenticationMethodsPolicy": baselinePolicy(b.MethodsPolicy),
	})
}
