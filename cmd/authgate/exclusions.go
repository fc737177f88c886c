package main

import (
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/authgate/authgate/internal/atomicfile"
	"github.com/authgate/authgate/internal/tenantgen"
)

// writeDemoConfig writes the demo's authgate.yaml: the break-glass accounts
// AM-BG-01 watches; one waiver, of AM-ADM-02's finding about the first of
// them, in force until expires; and one exclusion, the emulated tenant's shared and
// service accounts group. Every output then shows a waived finding, an
// exclusion and the users it takes out of scope.
func writeDemoConfig(dir string, breakGlass []string, expires time.Time) (string, error) {
	p := filepath.Join(dir, "authgate.yaml")
	body := `# The demo's configuration: its break-glass accounts, one waiver and one
# exclusion (see docs/policies.md).
params:
  break_glass_accounts: [` + strings.Join(breakGlass, ", ") + `]
waivers:
  - control: AM-ADM-02
    subject: ` + breakGlass[0] + `
    reason: break-glass account; its two FIDO2 security keys are on order
    owner: secops@contoso.example
    expires: ` + expires.Format(time.DateOnly) + `
    ticket: SEC-2041
exclusions:
  - groups: [` + tenantgen.ServiceAccountsGroup + `]   # shared mailboxes and service accounts
    controls: [AM-USR-01, AM-USR-02, AM-PWL-01, AM-WEAK-01]
    reason: shared mailboxes and service accounts nobody signs in to interactively
    owner: it-identity@contoso.example
    review_by: 2027-06-30
`
	if err := atomicfile.Write(p, 0o600, func(w io.Writer) error { _, err := io.WriteString(w, body); return err }); err != nil {
		return "", err
	}
	return p, nil
}
