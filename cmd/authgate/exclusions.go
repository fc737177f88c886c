package main

import (
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/internal/atomicfile"
	"github.com/authgate/authgate/internal/graphfake"
	"github.com/authgate/authgate/scope"
)

// exclusions validates authgate.yaml's exclusions; isControl nil accepts
// any control id (fetch, which compiles no policy). Nil without any.
func (c *config) exclusions(isControl func(string) bool) (*scope.Set, error) {
	if c == nil || len(c.Exclusions) == 0 {
		return nil, nil
	}
	s, err := scope.New(c.path, c.Exclusions, isControl)
	if err != nil {
		return nil, invalid(err)
	}
	return s, nil
}

// exclusionGroups returns the group ids the exclusions of the config file
// at path name, for fetch --config to resolve.
func exclusionGroups(path string) ([]string, error) {
	if path == "" {
		return nil, nil
	}
	cfg, err := loadConfig(path)
	if err != nil {
		return nil, err
	}
	s, err := cfg.exclusions(nil)
	return s.Groups(), err
}

// checkExclusions validates the exclusions against the loaded controls.
func checkExclusions(cfg *config, engine *evaluator.Engine) (*scope.Set, error) {
	known := map[string]bool{}
	for _, c := range engine.Controls() {
		known[c.ID] = true
	}
	return cfg.exclusions(func(id string) bool { return known[id] })
}

// reportExclusions warns on stderr about exclusions due for review and
// exclusions that matched nobody, as reportWaivers does for waivers.
func reportExclusions(stderr io.Writer, s *scope.Set, res *evaluator.Result) {
	if s == nil {
		return
	}
	for _, w := range s.Warnings(res.Exclusions, time.Time{}) { // overdue was settled at the evaluation date
		fmt.Fprintf(stderr, "authgate: warning: %s\n", w)
	}
}

// writeDemoConfig writes the demo's authgate.yaml: one exclusion, the
// emulated tenant's shared and service accounts group, so that every output
// shows an exclusion and the users it takes out of scope.
func writeDemoConfig(dir string) (string, error) {
	p := filepath.Join(dir, "authgate.yaml")
	body := `# The demo's configuration: one exclusion (see docs/policies.md).
exclusions:
  - groups: [` + graphfake.ServiceAccountsGroup + `]   # shared mailboxes and service accounts
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
