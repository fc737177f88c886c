package gate

import (
	"context"
	"maps"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/result"
	"github.com/authgate/authgate/scope"
	"github.com/authgate/authgate/snapshot"
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
// nobody, one sentence each, as waiver warnings are reported. A
// pseudonymised plan names the entries' subjects by token.
func (p *Plan) ExclusionWarnings(res *result.Result) []string {
	s := p.shownExclusions()
	if s == nil {
		return nil
	}
	return s.Warnings(res.Exclusions, time.Time{}) // overdue was settled at the evaluation date
}

// shownExclusions is the exclusion set as outputs name it: a pseudonymised
// plan shows each subject, exact or pattern, by its token (a UPN by the
// token of its local part and its domain), and group ids as they are.
func (p *Plan) shownExclusions() *scope.Set {
	s := p.exclusions
	if s == nil || p.pseudo == nil {
		return s
	}
	out := &scope.Set{Source: s.Source, Entries: slices.Clone(s.Entries)}
	for i, e := range out.Entries {
		subs := make([]string, len(e.Subjects))
		for j, sub := range e.Subjects {
			subs[j] = p.subjectToken(sub)
		}
		out.Entries[i].Subjects = subs
	}
	return out
}

// subjectToken is the pseudonym of an exact subject as the pseudonymised
// rows carry it: a UPN's (it holds "@"), else an id's.
func (p *Plan) subjectToken(sub string) string {
	sub = strings.TrimSpace(sub)
	if strings.Contains(sub, "@") && !scope.IsPattern(sub) {
		return p.pseudo.UPN(sub)
	}
	return p.pseudo.ID(sub)
}

// viewExclusions is the exclusion set the evaluation of the plan's
// snapshot uses. A pseudonymised plan evaluates a view whose users are
// tokens, so exclusions are resolved against the real identities first:
// an exact subject becomes the token its row carries, and a UPN pattern,
// which cannot match tokens, becomes the tokens of the users whose real UPN
// it matches (their rows and the roles section's users), or its own token
// when it matches nobody; that costs one more streamed pass over the
// snapshot, only when a pattern is declared. Group ids stay: the view keeps
// the groups, their members tokenised like the users. The evaluation then
// removes exactly the users the real identities name, and the same entries
// go into a pseudonymised evidence bundle, which re-evaluates them on its
// pseudonymised snapshot.
func (p *Plan) viewExclusions(ctx context.Context) (*scope.Set, error) {
	s := p.exclusions
	if s == nil || p.pseudo == nil {
		return s, nil
	}
	if p.view != nil && p.viewOf == p.opts.Snapshot {
		return p.view, nil
	}
	out := slices.Clone(s.Entries)
	matched := make([]map[string]bool, len(out))
	patterns := false
	for i, e := range out {
		if slices.ContainsFunc(e.Subjects, scope.IsPattern) {
			matched[i], patterns = map[string]bool{}, true
		}
	}
	see := func(upn string) {
		l := strings.ToLower(upn)
		for i, e := range out {
			for _, sub := range e.Subjects {
				if matched[i] == nil || upn == "" || !scope.IsPattern(sub) {
					continue
				}
				if ok, _ := path.Match(strings.ToLower(strings.TrimSpace(sub)), l); ok {
					matched[i][p.pseudo.UPN(upn)] = true
				}
			}
		}
	}
	if patterns {
		_, err := snapshot.Scan(ctx, p.opts.Snapshot, snapshot.ScanOptions{MaxBytes: p.opts.MaxSnapshotBytes}, func(chunk []snapshot.UserRegistrationDetails) error {
			for i := range chunk {
				see(chunk[i].UserPrincipalName)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if r, _, err := snapshot.PeekRoles(p.opts.Snapshot); err == nil && r != nil {
			if ix, at, _ := r.Index(); at == "" {
				for _, g := range slices.Concat(ix.Active, ix.Eligible) {
					if g.Principal != nil {
						see(g.Principal.UserPrincipalName)
					}
				}
				for _, gm := range ix.Groups {
					for _, u := range slices.Concat(gm.Users, gm.Eligible) {
						see(u.UserPrincipalName)
					}
				}
			}
		}
	}
	for i, e := range out {
		var subs []string
		for _, sub := range e.Subjects {
			if !scope.IsPattern(sub) || len(matched[i]) == 0 {
				subs = append(subs, p.subjectToken(sub))
			}
		}
		out[i].Subjects = slices.Concat(subs, slices.Sorted(maps.Keys(matched[i])))
	}
	v, err := exclusionSet(s.Source, out, nil)
	if err != nil {
		return nil, err
	}
	p.view, p.viewOf = v, p.opts.Snapshot
	return v, nil
}

// bundleExclusions are the exclusions an evidence bundle re-evaluates
// with: the plan's, or, in a pseudonymised bundle, those its evaluation
// used (viewExclusions), which match its pseudonymised snapshot's users
// and name none of them.
func (p *Plan) bundleExclusions(ctx context.Context) ([]scope.Exclusion, error) {
	s, err := p.viewExclusions(ctx)
	if s == nil || err != nil {
		return nil, err
	}
	return slices.Clone(s.Entries), nil
}
