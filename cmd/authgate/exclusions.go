package main

import (
	"fmt"
	"io"
	"time"

	"github.com/authgate/authgate/evaluator"
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
