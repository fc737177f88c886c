package main

import (
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/internal/atomicfile"
	"github.com/authgate/authgate/internal/graphfake"
	"github.com/authgate/authgate/pseudonym"
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

// pseudonymizeExclusions replaces the exclusions' subjects (ids, UPNs,
// patterns) with tokens, so a pseudonymised result names nobody through
// them; an exact id or UPN gets the token its findings would carry.
func pseudonymizeExclusions(p *pseudonym.Pseudonymizer, res *evaluator.Result) {
	if p == nil {
		return
	}
	for i := range res.Exclusions {
		subs := make([]string, len(res.Exclusions[i].Subjects))
		for j, s := range res.Exclusions[i].Subjects {
			subs[j] = p.ID(s)
		}
		res.Exclusions[i].Subjects = subs
	}
}

// bundleExclusions are the exclusions an evidence bundle re-evaluates
// with. In a pseudonymised bundle each subject becomes its token, which
// matches the tokenised rows for an exact id or UPN; a pattern's token
// matches nobody and the bundle's snapshot has no group members, so such
// entries are reported as matching nobody there rather than naming anyone.
func bundleExclusions(cfg *config, p *pseudonym.Pseudonymizer) []scope.Exclusion {
	if cfg == nil || len(cfg.Exclusions) == 0 {
		return nil
	}
	out := make([]scope.Exclusion, len(cfg.Exclusions))
	for i, e := range cfg.Exclusions {
		if p != nil {
			subs := make([]string, len(e.Subjects))
			for j, s := range e.Subjects {
				subs[j] = p.ID(s)
			}
			e.Subjects = subs
		}
		out[i] = e
	}
	return out
}
