package e2e_test

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authgate/authgate/gate"
	"github.com/authgate/authgate/internal/evaltest"
	"github.com/authgate/authgate/internal/tenantgen"
	"github.com/authgate/authgate/result"
)

// TestPseudonymizedExclusionsJudgedAlike: check --pseudonymize evaluates a
// view whose users are tokens, yet exclusions declared with real
// identities (a UPN pattern, an exact UPN in another case, a group) remove
// exactly the users and findings they remove from the plain check, role
// holders stay administrators, and neither the result nor the exclusion
// warnings name a real UPN of the entries.
func TestPseudonymizedExclusionsJudgedAlike(t *testing.T) {
	snap, tenant := fetchSnapshotWith(t, 600, true, []string{tenantgen.ServiceAccountsGroup})
	fx := tenant.Roles()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "authgate.yaml")
	yaml := "exclusions:\n" +
		"  - subjects: ['USER00[0-2]*@contoso.example']\n    controls: [AM-WEAK-01]\n    reason: shared mailboxes\n    owner: it@contoso.example\n" +
		"  - groups: [" + tenantgen.ServiceAccountsGroup + "]\n    controls: [AM-USR-02, AM-PWL-01]\n    reason: service accounts\n    owner: it@contoso.example\n" +
		"  - subjects: [" + strings.ToUpper(fx.BlindSpot[1]) + "]\n    controls: [AM-ADM-04]\n    reason: break-glass\n    owner: secops@contoso.example\n    include_admins: true\n" +
		"  - subjects: ['nobody-*@contoso.example']\n    controls: [all]\n    reason: typo\n    owner: it@contoso.example\n"
	key := filepath.Join(dir, "key")
	for p, b := range map[string]string{cfg: yaml, key: strings.Repeat("k", 40)} {
		if err := os.WriteFile(p, []byte(b), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	run := func(pseudo bool) (*result.Result, []string) {
		o := gate.Options{Snapshot: snap, Config: cfg, FailOn: "none", Now: "2026-01-01T00:00:00Z", Tool: result.Tool{Name: "authgate", Version: "test"}}
		if pseudo {
			o.Pseudonymize, o.PseudonymKeyFile = true, key
		}
		p, err := gate.Prepare(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		out, err := gate.Run(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		return out.Result, p.ExclusionWarnings(out.Result)
	}
	plain, _ := run(false)
	pseudo, warn := run(true)
	if plain.Verdict != pseudo.Verdict {
		t.Errorf("verdict %s plain, %s pseudonymised", plain.Verdict, pseudo.Verdict)
	}
	for _, id := range []string{"AM-WEAK-01", "AM-USR-02", "AM-PWL-01", "AM-ADM-01", "AM-ADM-04", "AM-ADM-05", "AM-PWL-02"} {
		a, b := evaltest.Control(t, plain, id), evaltest.Control(t, pseudo, id)
		if a.Status != b.Status || len(a.Violations) != len(b.Violations) {
			t.Errorf("%s: %s with %d findings plain, %s with %d pseudonymised", id, a.Status, len(a.Violations), b.Status, len(b.Violations))
		}
	}
	if len(plain.Exclusions) != 4 || len(pseudo.Exclusions) != 4 {
		t.Fatalf("exclusions: %d plain, %d pseudonymised", len(plain.Exclusions), len(pseudo.Exclusions))
	}
	for i := range plain.Exclusions {
		a, b := plain.Exclusions[i], pseudo.Exclusions[i]
		if a.Users != b.Users || !maps.Equal(a.Removed, b.Removed) {
			t.Errorf("exclusion %d: %d users %v plain, %d %v pseudonymised", i, a.Users, a.Removed, b.Users, b.Removed)
		}
	}
	if plain.Exclusions[0].Users == 0 || plain.Exclusions[2].Removed["AM-ADM-04"] != 1 || plain.Exclusions[3].Users != 0 {
		t.Fatalf("fixture: the pattern, the admin and the unmatched entries: %+v", plain.Exclusions)
	}
	b, err := json.Marshal(pseudo.Exclusions)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.ToLower(string(b) + strings.Join(warn, "\n"))
	for _, s := range []string{fx.BlindSpot[1], "user00[0-2]", "nobody-"} {
		if strings.Contains(all, strings.ToLower(s)) {
			t.Errorf("the pseudonymised exclusions or warnings name %s:\n%s", s, all)
		}
	}
	if !strings.Contains(all, "matched no user") {
		t.Errorf("the unmatched entry is not reported: %s", warn)
	}
}
