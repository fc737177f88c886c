package gate

import (
	"time"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/pseudonym"
	"github.com/authgate/authgate/result"
	"github.com/authgate/authgate/scope"
)

// exclusionEntries are the exclusions in force: authgate.yaml's, then
// Options.Exclusions (a bundle's settings), with where they were declared.
func exclusionEntries(cfg *config, o Options) ([]scope.Exclusion, string) {
	var out []scope.Exclusion
	source := o.ExclusionsSource
	if cfg != nil && len(cfg.Exclusions) > 0 {
		out = append(out, cfg.Exclusions...)
		source = cfg.path
	}
	out = append(out, o.Exclusions...)
	if source == "" {
		source = "exclusions"
	}
	return out, source
}

// exclusionSet validates entries; isControl nil accepts any control id
// (fetch, which compiles no policy). Nil without any entry.
func exclusionSet(source string, entries []scope.Exclusion, isControl func(string) bool) (*scope.Set, error) {
	if len(entries) == 0 {
		return nil, nil
	}
	s, err := scope.New(source, entries, isControl)
	if err != nil {
		return nil, AsInput(err)
	}
	return s, nil
}

// knownControls checks the exclusions' control ids against the compiled
// controls, so that a typo names the entry rather than excluding nothing.
func knownControls(p *Plan, source string, entries []scope.Exclusion) error {
	known := map[string]bool{}
	for _, c := range p.engine.Controls() {
		known[c.ID] = true
	}
	_, err := exclusionSet(source, entries, func(id string) bool { return known[id] })
	return err
}

// withExclusions adds the exclusion set to the engine options.
func withExclusions(eopts []evaluator.Option, s *scope.Set) []evaluator.Option {
	if s == nil {
		return eopts
	}
	return append(eopts, evaluator.WithExclusions(s))
}

// ExclusionGroups returns the group ids the exclusions of the config file
// at path name, for fetch --config to resolve with the snapshot.
func ExclusionGroups(path string) ([]string, error) {
	cfg, err := loadConfig(path)
	if err != nil || cfg == nil {
		return nil, err
	}
	s, err := exclusionSet(cfg.path, cfg.Exclusions, nil)
	return s.Groups(), err
}

// ExclusionGroups are the groups the plan's exclusions name, which run
// fetches with the snapshot.
func (p *Plan) ExclusionGroups() []string { return p.exclusions.Groups() }

// ExclusionWarnings are the exclusions of res due for review or matching
// nobody, one sentence each, as waiver warnings are reported.
func (p *Plan) ExclusionWarnings(res *result.Result) []string {
	if p.exclusions == nil {
		return nil
	}
	return p.exclusions.Warnings(res.Exclusions, time.Time{}) // overdue was settled at the evaluation date
}

// bundleExclusions are the exclusions an evidence bundle re-evaluates
// with. In a pseudonymised bundle each subject becomes its token, which
// matches the tokenised rows for an exact id or UPN; a pattern's token
// matches nobody, so such an entry is reported there as matching nobody
// rather than naming anyone. Group ids stay: the bundle's snapshot keeps
// the groups, with their members tokenised like the users.
func bundleExclusions(s *scope.Set, p *pseudonym.Pseudonymizer) []scope.Exclusion {
	if s == nil {
		return nil
	}
	out := make([]scope.Exclusion, len(s.Entries))
	for i, e := range s.Entries {
		if p != nil {
			subs := make([]string, len(e.Subjects))
			for j, sub := range e.Subjects {
				subs[j] = p.ID(sub)
			}
			e.Subjects = subs
		}
		out[i] = e
	}
	return out
}
