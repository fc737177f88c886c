package e2e_test

import (
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/internal/evaltest"
	"github.com/authgate/authgate/internal/tenantgen"
	"github.com/authgate/authgate/result"
	"github.com/authgate/authgate/scope"
)

// findings returns control id's findings as subject UPN -> messages.
func findings(t *testing.T, r *result.Result, id string) map[string][]string {
	t.Helper()
	_, msgs := subjects(evaltest.Control(t, r, id))
	return msgs
}

// The share may add ", N users unknown" after its counts.
var countsRE = regexp.MustCompile(`\((\d+) of (\d+)[,)]`)

// TestExclusions: through the emulator, an exclusion by UPN pattern and one
// by group remove exactly their users from exactly their controls (user
// findings and tenant shares alike); administrators stay in AM-ADM controls
// unless include_admins; an overdue review_by and an entry matching nobody
// are reported.
func TestExclusions(t *testing.T) {
	path0, tenant := fetchSnapshotWith(t, 600, true, []string{tenantgen.ServiceAccountsGroup})
	fx := tenant.Roles()
	params := evaluator.WithParams(map[string]any{"passwordless_min": 1.0})
	base := evaltest.Evaluate(t, path0, params)

	const pattern = "user00[0-2]*@contoso.example" // members 0..299
	entries := []scope.Exclusion{
		{Subjects: []string{strings.ToUpper(pattern)}, Controls: []string{"AM-WEAK-01"}, Reason: "shared mailboxes", Owner: "it@contoso.example"},
		{Groups: []string{tenantgen.ServiceAccountsGroup}, Controls: []string{"AM-USR-02", "AM-PWL-01"}, Reason: "service accounts", Owner: "it@contoso.example", ReviewBy: "2020-01-01"},
		{Subjects: []string{fx.BlindSpot[0]}, Controls: []string{"AM-ADM-04"}, Reason: "no include_admins", Owner: "secops@contoso.example"},
		{Subjects: []string{fx.BlindSpot[1]}, Controls: []string{"AM-ADM-04"}, Reason: "break-glass", Owner: "secops@contoso.example", IncludeAdmins: true},
		{Subjects: []string{"nobody-*@contoso.example"}, Controls: []string{scope.All}, Reason: "typo", Owner: "it@contoso.example"},
	}
	set, err := scope.New("authgate.yaml", entries, func(id string) bool { return strings.HasPrefix(id, "AM-") })
	if err != nil {
		t.Fatal(err)
	}
	r := evaltest.Evaluate(t, path0, params, evaluator.WithExclusions(set))

	// The pattern: AM-WEAK-01 loses exactly the findings of the users it
	// matches; other controls keep theirs.
	inPattern := func(upn string) bool { ok, _ := path.Match(pattern, strings.ToLower(upn)); return ok }
	weakBase, weak := findings(t, base, "AM-WEAK-01"), findings(t, r, "AM-WEAK-01")
	var in, out int
	for upn := range weakBase {
		if inPattern(upn) {
			in++
		} else {
			out++
		}
		if _, kept := weak[upn]; kept == inPattern(upn) {
			t.Errorf("AM-WEAK-01 on %s kept=%v, pattern match=%v", upn, kept, inPattern(upn))
		}
	}
	if in == 0 || out == 0 {
		t.Fatalf("fixture: AM-WEAK-01 has %d findings inside the pattern and %d outside; want both", in, out)
	}
	if st := r.Exclusions[0]; st.Removed["AM-WEAK-01"] != st.Users || st.Users < int64(in) || len(st.Removed) != 1 {
		t.Errorf("pattern entry status %+v, want its %d users removed from AM-WEAK-01 alone", st, st.Users)
	}
	for _, id := range []string{"AM-ADM-02", "AM-USR-02", "AM-DQ-01"} {
		if id == "AM-USR-02" {
			continue // the group entry's
		}
		if got, want := findings(t, r, id), findings(t, base, id); len(got) != len(want) {
			t.Errorf("%s: %d findings with exclusions, %d without: an exclusion leaked", id, len(got), len(want))
		}
	}

	// The group: out of AM-USR-02's findings and AM-PWL-01's share.
	usr := findings(t, r, "AM-USR-02")
	for _, upn := range fx.ServiceAccounts {
		if _, ok := usr[upn]; ok {
			t.Errorf("AM-USR-02 still names service account %s", upn)
		}
	}
	for upn := range findings(t, base, "AM-USR-02") {
		if _, ok := usr[upn]; !ok && !slices.Contains(fx.ServiceAccounts, upn) {
			t.Errorf("AM-USR-02 lost %s, who is not in the group", upn)
		}
	}
	pwl := func(r *result.Result) (string, string) {
		c := evaltest.Control(t, r, "AM-PWL-01")
		if len(c.Violations) != 1 {
			t.Fatalf("AM-PWL-01: %+v", c.Violations)
		}
		m := countsRE.FindStringSubmatch(c.Violations[0].Message)
		return m[1], m[2]
	}
	_, nb := pwl(base)
	_, nr := pwl(r)
	if atoi(nb)-atoi(nr) != len(fx.ServiceAccounts) {
		t.Errorf("AM-PWL-01 denominator %s -> %s, want %d fewer", nb, nr, len(fx.ServiceAccounts))
	}
	if st := r.Exclusions[1]; st.Users != int64(len(fx.ServiceAccounts)) || st.Removed["AM-PWL-01"] != int64(len(fx.ServiceAccounts)) ||
		st.Removed["AM-USR-02"] != int64(len(fx.ServiceAccounts)) || !st.ReviewOverdue {
		t.Errorf("group entry status %+v", st)
	}

	// Administrators: only include_admins removes them from AM-ADM-04.
	adm := findings(t, r, "AM-ADM-04")
	if _, ok := adm[fx.BlindSpot[0]]; !ok {
		t.Errorf("AM-ADM-04 lost %s without include_admins", fx.BlindSpot[0])
	}
	if _, ok := adm[fx.BlindSpot[1]]; ok {
		t.Errorf("AM-ADM-04 still names %s despite include_admins", fx.BlindSpot[1])
	}
	if r.Exclusions[2].Removed["AM-ADM-04"] != 0 || r.Exclusions[3].Removed["AM-ADM-04"] != 1 {
		t.Errorf("admin entries removed %v and %v", r.Exclusions[2].Removed, r.Exclusions[3].Removed)
	}

	// Reported: the overdue review and the entry matching nobody.
	warn := strings.Join(set.Warnings(r.Exclusions, now), "\n")
	if !strings.Contains(warn, "exclusions[1]") || !strings.Contains(warn, "2020-01-01") || !strings.Contains(warn, "exclusions[4]") || !strings.Contains(warn, "matched no user") {
		t.Errorf("warnings:\n%s", warn)
	}
	if strings.Contains(warn, "exclusions[0]") {
		t.Errorf("the pattern entry is neither overdue nor unmatched:\n%s", warn)
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}
