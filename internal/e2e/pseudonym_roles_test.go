package e2e_test

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/internal/evaltest"
	"github.com/authgate/authgate/internal/tenantgen"
	"github.com/authgate/authgate/pseudonym"
	"github.com/authgate/authgate/result"
	"github.com/authgate/authgate/scope"
	"github.com/authgate/authgate/snapshot"
)

// TestPseudonymizedRolesJudgedAlike: a pseudonymised copy of a snapshot
// with a roles section and exclusion groups keeps both, its role holders
// and group members tokenised exactly like their rows, so the admin
// controls and an exclusion by group judge the copy as they judge the
// original (same findings, tokenised), and no UPN of a role holder or group
// member is left in the copy. Reveal maps the token of a role holder who
// has no row in the report back to them.
func TestPseudonymizedRolesJudgedAlike(t *testing.T) {
	src, tenant := fetchSnapshotWith(t, 600, true, []string{tenantgen.ServiceAccountsGroup})
	fx := tenant.Roles()
	p, err := pseudonym.New([]byte("a key of at least thirty-two bytes, for tests"))
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "pseudo.json")
	if err := p.Snapshot(context.Background(), src, dst, snapshot.ScanOptions{}); err != nil {
		t.Fatal(err)
	}
	_, info, err := snapshot.Load(context.Background(), dst)
	if err != nil {
		t.Fatal(err)
	}
	if info.Roles == nil || len(info.Roles.Groups) == 0 || len(info.ExclusionGroups) != 1 {
		t.Fatalf("pseudonymised copy: roles %v, exclusion groups %d: sections dropped", info.Roles != nil, len(info.ExclusionGroups))
	}
	b, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	for _, upn := range slices.Concat(fx.BlindSpot, fx.ServiceAccounts, []string{tenantgen.RoleOrphanPrincipalUPN}) {
		if strings.Contains(strings.ToLower(string(b)), strings.ToLower(upn)) {
			t.Errorf("the pseudonymised copy still names %s", upn)
		}
	}

	entries := func(tok func(string) string) *scope.Set {
		s, err := scope.New("authgate.yaml", []scope.Exclusion{
			{Groups: []string{tenantgen.ServiceAccountsGroup}, Controls: []string{"AM-USR-02"}, Reason: "service accounts", Owner: "it"},
			{Subjects: []string{tok(fx.BlindSpot[1])}, Controls: []string{"AM-ADM-04"}, Reason: "break-glass", Owner: "secops", IncludeAdmins: true},
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	orig := evaltest.Evaluate(t, src, evaluator.WithExclusions(entries(func(s string) string { return s })))
	copyRes := evaltest.Evaluate(t, dst, evaluator.WithExclusions(entries(p.UPN)))
	// check and run --pseudonymize evaluate the same view streamed from the
	// original, its roles and exclusion groups rewritten as they are read.
	viewRes := evaltest.Evaluate(t, src, evaluator.WithRewrite(p), evaluator.WithExclusions(entries(p.UPN)))
	for _, view := range []struct {
		name string
		res  *result.Result
	}{{"copy", copyRes}, {"streamed view", viewRes}} {
		if orig.Verdict != view.res.Verdict {
			t.Errorf("verdict %s on the original, %s on the %s", orig.Verdict, view.res.Verdict, view.name)
		}
		for _, id := range []string{"AM-ADM-01", "AM-ADM-02", "AM-ADM-03", "AM-ADM-04", "AM-ADM-05", "AM-ADM-06", "AM-PWL-02", "AM-USR-02"} {
			a, c := evaltest.Control(t, orig, id), evaltest.Control(t, view.res, id)
			if a.Status != c.Status || len(a.Violations) != len(c.Violations) {
				t.Errorf("%s: %s with %d findings on the original, %s with %d on the %s", id, a.Status, len(a.Violations), c.Status, len(c.Violations), view.name)
				continue
			}
			want := tokens(p, a)
			if got := tokens(nil, c); !slices.Equal(got, want) {
				t.Errorf("%s: the %s's subjects are not the original's tokens:\n got %v\nwant %v", id, view.name, got, want)
			}
		}
		for i := range orig.Exclusions {
			if o, c := orig.Exclusions[i], view.res.Exclusions[i]; o.Users != c.Users || !maps.Equal(o.Removed, c.Removed) {
				t.Errorf("exclusion %d: %d users %v on the original, %d %v on the %s", i, o.Users, o.Removed, c.Users, c.Removed, view.name)
			}
		}
	}
	if len(evaltest.Control(t, orig, "AM-ADM-04").Violations) == 0 || len(evaltest.Control(t, orig, "AM-ADM-05").Violations) == 0 {
		t.Fatal("fixture: AM-ADM-04 and AM-ADM-05 should have findings")
	}

	m, err := p.Reveal(context.Background(), src, []string{p.UPN(tenantgen.RoleOrphanPrincipalUPN)}, snapshot.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := m[p.UPN(tenantgen.RoleOrphanPrincipalUPN)]; len(got) == 0 || !strings.EqualFold(got[0].Value, tenantgen.RoleOrphanPrincipalUPN) {
		t.Errorf("Reveal of the role holder without a row = %+v", got)
	}
}

// tokens lists a control's subjects (id|upn|roles), tokenised with p when
// p is set, sorted.
func tokens(p *pseudonym.Pseudonymizer, c *result.Control) []string {
	var out []string
	for _, v := range c.Violations {
		if v.Subject == nil {
			out = append(out, "(tenant)")
			continue
		}
		id, upn := v.Subject.ID, v.Subject.UserPrincipalName
		if p != nil {
			id, upn = p.ID(id), p.UPN(upn)
		}
		out = append(out, id+"|"+upn+"|"+strings.Join(v.Subject.Roles, ";"))
	}
	slices.Sort(out)
	return out
}
