// Package trendtest writes pairs of generated snapshots of one tenant with
// known changes between them, for the tests of diff, the trend controls and
// the HTML report's coverage over time.
package trendtest

import (
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/authgate/authgate/internal/tenantgen"

	"github.com/authgate/authgate/internal/atomicfile"
	"github.com/authgate/authgate/snapshot"
)

// The planted changes between the old and the new snapshot of WritePair.
const (
	// Seed and Users select the generated tenant both snapshots share.
	Seed  = 7007
	Users = 300
	// Drifters is how many members are passwordless-capable in the old
	// snapshot and not in the new one.
	Drifters = 20
	// AdminSteady is an admin with a FIDO2 key in both.
	AdminSteady = "10000000-0000-0000-0000-000000000001"
	// AdminLost was an MFA-capable admin and is not MFA-capable any more.
	AdminLost = "10000000-0000-0000-0000-000000000002"
	// AdminNewWeak is an admin only in the new snapshot, push only.
	AdminNewWeak = "10000000-0000-0000-0000-000000000003"
	// AdminNewStrong is an admin only in the new snapshot, with a FIDO2 key.
	AdminNewStrong = "10000000-0000-0000-0000-000000000004"
	// Gone is a member only in the old snapshot.
	Gone = "10000000-0000-0000-0000-000000000005"
)

// OldTime and NewTime are the snapshots' fetchedAt.
var (
	OldTime = time.Date(2026, 10, 1, 6, 0, 0, 0, time.UTC)
	NewTime = time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC)
)

// User returns a row with the flags Graph derives from methods.
func User(id, upn, name string, admin bool, methods []string, at time.Time) snapshot.UserRegistrationDetails {
	u := snapshot.UserRegistrationDetails{
		ID: id, UserPrincipalName: upn, UserDisplayName: name, UserType: "member", IsAdmin: admin,
		MethodsRegistered: methods, LastUpdatedDateTime: at.Add(-time.Hour).Format(time.RFC3339),
		IsSsprEnabled: true, SystemPreferredAuthenticationMethods: []string{}, Offset: -1,
		IsSystemPreferredAuthenticationMethodEnabled: true,
	}
	for _, m := range methods {
		switch m {
		case "fido2SecurityKey", "passKeyDeviceBound", "windowsHelloForBusiness", "microsoftAuthenticatorPasswordless":
			u.IsPasswordlessCapable, u.IsMfaCapable, u.IsMfaRegistered = true, true, true
		case "microsoftAuthenticatorPush", "softwareOneTimePasscode":
			u.IsMfaCapable, u.IsMfaRegistered = true, true
		case "mobilePhone":
			u.IsMfaCapable, u.IsMfaRegistered, u.IsSsprRegistered = true, true, true
		case "email":
			u.IsSsprRegistered = true
		}
	}
	u.IsSsprCapable = u.IsSsprRegistered
	return u
}

func extras(at time.Time, old bool) []snapshot.UserRegistrationDetails {
	fido := []string{"fido2SecurityKey", "microsoftAuthenticatorPush"}
	push := []string{"microsoftAuthenticatorPush"}
	var out []snapshot.UserRegistrationDetails
	out = append(out, User(AdminSteady, "admin.steady@contoso.example", "Admin Steady", true, fido, at))
	if old {
		out = append(out, User(AdminLost, "admin.lost@contoso.example", "Admin Lost", true, push, at))
		out = append(out, User(Gone, "member.gone@contoso.example", "Member Gone", false, push, at))
	} else {
		out = append(out, User(AdminLost, "admin.lost@contoso.example", "Admin Lost", true, []string{"email"}, at))
		out = append(out, User(AdminNewWeak, "admin.newweak@contoso.example", "Admin New Weak", true, push, at))
		out = append(out, User(AdminNewStrong, "admin.newstrong@contoso.example", "Admin New Strong", true, fido, at))
	}
	for i := range Drifters {
		ms := []string{"microsoftAuthenticatorPasswordless", "microsoftAuthenticatorPush"}
		if !old {
			ms = push
		}
		out = append(out, User(fmt.Sprintf("20000000-0000-0000-0000-%012d", i), fmt.Sprintf("drifter%02d@contoso.example", i), fmt.Sprintf("Drifter %02d", i), false, ms, at))
	}
	return out
}

// Write writes one snapshot of the pair to path: the old one when old is set.
func Write(path string, old bool) error {
	at := NewTime
	if old {
		at = OldTime
	}
	t := tenantgen.Tenant{Seed: Seed, Users: Users, Now: at}
	m := snapshot.Manifest{
		TenantID: tenantgen.DefaultTenantID(Seed), Cloud: "global", GraphEndpoint: "https://graph.microsoft.com",
		APIVersion: "v1.0", FetchedAt: at.Format(time.RFC3339),
	}
	return atomicfile.Write(path, 0o600, func(w io.Writer) error {
		return tenantgen.WriteSnapshot(w, t, tenantgen.SnapshotOptions{Manifest: m, Extra: extras(at, old), Summaries: true})
	})
}

// WritePair writes old.snapshot.json and new.snapshot.json in dir and
// returns their paths.
func WritePair(dir string) (oldPath, newPath string, err error) {
	oldPath, newPath = filepath.Join(dir, "old.snapshot.json"), filepath.Join(dir, "new.snapshot.json")
	if err := Write(oldPath, true); err != nil {
		return "", "", err
	}
	if err := Write(newPath, false); err != nil {
		return "", "", err
	}
	return oldPath, newPath, nil
}
