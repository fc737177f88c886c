package e2e_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/fetch"
	"github.com/authgate/authgate/internal/evaltest"
	"github.com/authgate/authgate/internal/fetchtest"
	"github.com/authgate/authgate/internal/graphfake"
	"github.com/authgate/authgate/internal/tenantgen"
	"github.com/authgate/authgate/result"
	"github.com/authgate/authgate/snapshot"
)

const (
	clientID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	secret   = "e2e-secret"
)

var now = time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)

// fetchSnapshot fetches a snapshot with the roles section from a fresh
// emulator of users users and returns its path and the emulator's tenant.
func fetchSnapshot(t *testing.T, users int, ro graphfake.RolesOptions, roles bool) (string, tenantgen.Tenant) {
	t.Helper()
	return fetchWith(t, users, ro, roles, nil)
}

// fetchSnapshotWith fetches with the given exclusion groups too.
func fetchSnapshotWith(t *testing.T, users int, roles bool, groups []string) (string, tenantgen.Tenant) {
	t.Helper()
	return fetchWith(t, users, graphfake.RolesOptions{}, roles, groups)
}

func fetchWith(t *testing.T, users int, ro graphfake.RolesOptions, roles bool, groups []string) (string, tenantgen.Tenant) {
	t.Helper()
	s, out := fetchtest.Fetch(t, graphfake.Options{
		Tenant:   tenantgen.Tenant{Seed: 11, Users: users, Now: now},
		ClientID: clientID, ClientSecret: secret, Rate: -1, PageSize: 100, Roles: ro,
	}, fetch.Options{AuthMode: fetch.AuthClientSecret, Tool: "test", Now: func() time.Time { return now }, Roles: roles, ExclusionGroups: groups})
	return out, s.Tenant()
}

// subjects returns the UPNs a control's findings name, sorted, with each
// message.
func subjects(c *result.Control) ([]string, map[string][]string) {
	var upns []string
	msgs := map[string][]string{}
	for _, v := range c.Violations {
		if v.Subject == nil {
			continue
		}
		if !slices.Contains(upns, v.Subject.UserPrincipalName) {
			upns = append(upns, v.Subject.UserPrincipalName)
		}
		msgs[v.Subject.UserPrincipalName] = append(msgs[v.Subject.UserPrincipalName], v.Message)
	}
	slices.Sort(upns)
	return upns, msgs
}

// TestRoleHoldersAreAdministrators: through the emulator, eligible-only and
// group-held administrators whom isAdmin misses are named by AM-ADM-04 (one
// finding per role, roles spelled out), judged by AM-ADM-01..03 like any
// admin, counted in AM-PWL-02's share; the former admin without a report
// row is AM-ADM-05's; AM-ADM-06 skips because eligibility was read.
func TestRoleHoldersAreAdministrators(t *testing.T) {
	path, tenant := fetchSnapshot(t, 600, graphfake.RolesOptions{PageSize: 3}, true)
	fx := tenant.Roles()
	if len(fx.BlindSpot) < 4 || len(fx.GroupHeld) < 2 {
		t.Fatalf("fixture too small: %+v", fx)
	}
	r := evaltest.Evaluate(t, path)

	adm04 := evaltest.Control(t, r, "AM-ADM-04")
	for _, v := range adm04.Violations {
		if v.Subject == nil || len(v.Subject.Roles) == 0 || !strings.Contains(v.Message, v.Subject.Roles[0][:strings.Index(v.Subject.Roles[0], " (")]) {
			t.Errorf("AM-ADM-04 subject %+v does not carry the roles of %q", v.Subject, v.Message)
		}
	}
	got, msgs := subjects(adm04)
	if !slices.Equal(got, fx.BlindSpot) {
		t.Errorf("AM-ADM-04 names %v, want %v", got, fx.BlindSpot)
	}
	for _, upn := range fx.GroupHeld {
		if !strings.Contains(strings.Join(msgs[upn], "\n"), "via group ") {
			t.Errorf("AM-ADM-04 on %s does not say the role is held through a group: %q", upn, msgs[upn])
		}
	}
	var all []string
	for _, m := range msgs {
		all = append(all, m...)
	}
	if !slices.Contains(all, "User "+fx.EligibleGlobalAdmin+" holds Global Administrator (eligible) but the per-user report does not flag them isAdmin.") {
		t.Errorf("no AM-ADM-04 finding names the eligible Global Administrator: %v", msgs)
	}

	// The blind-spot users are generated as ordinary members; the admin
	// controls must judge them. Every admin control finding on them names
	// their roles in its message.
	judged := map[string]bool{}
	for _, id := range []string{"AM-ADM-01", "AM-ADM-02", "AM-ADM-03"} {
		upns, msgs := subjects(evaltest.Control(t, r, id))
		for _, u := range upns {
			if slices.Contains(fx.BlindSpot, u) {
				judged[u] = true
				for _, m := range msgs[u] {
					if !strings.Contains(m, "[") || !strings.Contains(m, "(") {
						t.Errorf("%s on %s does not name the roles: %q", id, u, m)
					}
				}
			}
		}
	}
	if len(fx.GroupEligible) == 0 {
		t.Fatal("fixture: no PIM for Groups eligible user")
	}
	for _, u := range fx.GroupEligible {
		if want := "User " + u + " holds Privileged Role Administrator (eligible, via group PIM-Admins) but the per-user report does not flag them isAdmin."; !slices.Contains(msgs[u], want) {
			t.Errorf("AM-ADM-04 on the PIM for Groups eligible %s: %q, want %q", u, msgs[u], want)
		}
	}
	if ga := fx.EligibleGlobalAdmin; len(judged) == 0 || !judged[ga] {
		t.Errorf("the admin controls judged %v, want at least the eligible Global Administrator %s", judged, ga)
	}

	// Without roles, the same tenant's admin scope is smaller by exactly the
	// blind-spot users in the report.
	pwl := evaltest.Control(t, r, "AM-PWL-02")
	want := r.Aggregates.Scopes["admin"].Users
	base := evaltest.Evaluate(t, path, evaluator.WithParams(map[string]any{evaluator.ParamPrivilegedOnly: true}))
	if r.Aggregates.Roles == nil || len(r.Aggregates.Roles.Holders) == 0 {
		t.Fatal("no role holders in the aggregates")
	}
	var isAdminRows int64
	for _, h := range r.Aggregates.Roles.Holders {
		if h.InReport && !h.IsAdmin {
			isAdminRows++
		}
	}
	if isAdminRows != int64(len(fx.BlindSpot)) {
		t.Errorf("%d holders in the report not flagged isAdmin, want %d", isAdminRows, len(fx.BlindSpot))
	}
	if pwl.Status == result.StatusFail {
		found := false
		for _, v := range pwl.Violations {
			// The share may add ", N users unknown" after its counts.
			n := " of " + strconv.FormatInt(want, 10)
			found = found || strings.Contains(v.Message, n+")") || strings.Contains(v.Message, n+",")
		}
		if !found {
			t.Errorf("AM-PWL-02 does not count %d administrators: %+v", want, pwl.Violations)
		}
	}

	// admin_roles_privileged_only drops the custom, non-privileged role.
	got, _ = subjects(evaltest.Control(t, base, "AM-ADM-04"))
	if len(got) != len(fx.BlindSpot)-1 || base.Aggregates.Scopes["admin"].Users != want-1 {
		t.Errorf("privileged only: AM-ADM-04 names %v (want one fewer than %v), admins %d (want %d)", got, fx.BlindSpot, base.Aggregates.Scopes["admin"].Users, want-1)
	}

	adm05 := evaltest.Control(t, r, "AM-ADM-05")
	if got, _ := subjects(adm05); !slices.Equal(got, []string{tenantgen.RoleOrphanPrincipalUPN}) || adm05.Severity != result.SeverityMedium {
		t.Errorf("AM-ADM-05 names %v (%s), want %s", got, adm05.Severity, tenantgen.RoleOrphanPrincipalUPN)
	}
	if c := evaltest.Control(t, r, "AM-ADM-06"); c.Status != result.StatusSkipped {
		t.Errorf("AM-ADM-06 %s, want skipped: eligibility was read", c.Status)
	}
}

// TestRolesWithoutP2Judged: a tenant without P2 fetches, AM-ADM-06 says
// eligibility could not be read, and the eligible-only users drop out of
// the admin set while group-held active roles stay.
func TestRolesWithoutP2Judged(t *testing.T) {
	path, tenant := fetchSnapshot(t, 600, graphfake.RolesOptions{NoP2: true}, true)
	fx := tenant.Roles()
	r := evaltest.Evaluate(t, path)
	c := evaltest.Control(t, r, "AM-ADM-06")
	// Role eligibility and PIM for Groups are both refused: one finding each.
	if c.Status != result.StatusFail || len(c.Violations) != 2 {
		t.Fatalf("AM-ADM-06 %s %+v, want two findings with Graph's answer", c.Status, c.Violations)
	}
	for _, v := range c.Violations {
		if !strings.Contains(v.Message, "AadPremiumLicenseRequired") {
			t.Errorf("AM-ADM-06 finding without Graph's answer: %s", v.Message)
		}
	}
	got, _ := subjects(evaltest.Control(t, r, "AM-ADM-04"))
	for _, u := range got {
		if slices.Contains(fx.EligibleOnly, u) && !slices.Contains(fx.GroupHeld, u) {
			t.Errorf("AM-ADM-04 names eligible-only %s although eligibility was unavailable", u)
		}
	}
	if !slices.Contains(got, fx.GroupHeld[1]) {
		t.Errorf("AM-ADM-04 misses the active group-held %s: %v", fx.GroupHeld[1], got)
	}
}

// TestNoRolesSectionSkips: without --include roles the new controls skip
// with a reason and the admin set is isAdmin alone.
func TestNoRolesSectionSkips(t *testing.T) {
	path, tenant := fetchSnapshot(t, 600, graphfake.RolesOptions{}, false)
	r := evaltest.Evaluate(t, path)
	for _, id := range []string{"AM-ADM-04", "AM-ADM-05", "AM-ADM-06"} {
		if c := evaltest.Control(t, r, id); c.Status != result.StatusSkipped || !strings.Contains(c.SkipReason, "--include roles") {
			t.Errorf("%s %s (%q), want skipped naming --include roles", id, c.Status, c.SkipReason)
		}
	}
	var admins int64
	tenant.Each(func(_ int, u *snapshot.UserRegistrationDetails) {
		if u.IsAdmin {
			admins++
		}
	})
	if got := r.Aggregates.Scopes["admin"].Users; got != admins {
		t.Errorf("admin scope %d, want the %d isAdmin rows", got, admins)
	}
}
