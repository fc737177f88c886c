package gate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/authgate/authgate/scope"
	"github.com/authgate/authgate/waivers"
	"gopkg.in/yaml.v3"
)

// config is authgate.yaml.
type config struct {
	// Params override the controls' parameter defaults; --set overrides them in turn.
	Params map[string]any `yaml:"params"`
	// Waivers is either an inline list of waiver entries or the path of a
	// waivers file (relative to authgate.yaml's folder).
	Waivers yaml.Node `yaml:"waivers"`
	// MaxWaiverDays is the longest a waiver may run after the evaluation
	// date (default waivers.DefaultMaxDays).
	MaxWaiverDays *int `yaml:"max_waiver_days"`
	// Exclusions take users out of controls' scope (package scope).
	Exclusions []scope.Exclusion `yaml:"exclusions"`

	path string // the file it was read from
}

// waivers returns the waiver entries the config declares: the inline list,
// or the entries of the file it names.
func (c *config) waivers() ([]waivers.Entry, error) {
	n := &c.Waivers
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		p := c.waiversPath()
		es, err := waivers.Load(p)
		if err != nil {
			return nil, AsInput(fmt.Errorf("%s: waivers: %w", c.path, err))
		}
		return es, nil
	}
	es, err := waivers.FromNode(filepath.Base(c.path), n)
	return es, AsInput(err)
}

// waiversPath is the waivers file the config names (relative to its folder).
func (c *config) waiversPath() string {
	p := c.Waivers.Value
	if !filepath.IsAbs(p) {
		p = filepath.Join(filepath.Dir(c.path), p)
	}
	return p
}

// maxWaiverDays returns max_waiver_days, or the default.
func (c *config) maxWaiverDays() int {
	if c == nil || c.MaxWaiverDays == nil {
		return waivers.DefaultMaxDays
	}
	return *c.MaxWaiverDays
}

// loadConfig reads an authgate.yaml, refusing unknown keys; nil for "".
func loadConfig(path string) (*config, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, AsInput(fmt.Errorf("read config: %w", err))
	}
	var c config
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, Inputf("%s: %s", path, waivers.YAMLMessage(err))
	}
	if c.MaxWaiverDays != nil && *c.MaxWaiverDays < 1 {
		return nil, Inputf("%s: max_waiver_days: want a positive number of days, got %d", path, *c.MaxWaiverDays)
	}
	c.path = path
	return &c, nil
}

var paramName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// ParseSet parses --set name=value; the value is YAML, so numbers, booleans
// and lists keep their types.
func ParseSet(s string) (string, any, error) {
	name, raw, ok := strings.Cut(s, "=")
	if !ok || !paramName.MatchString(name) {
		return "", nil, Inputf("--set %q: want name=value with a snake_case name", s)
	}
	var v any
	if err := yaml.Unmarshal([]byte(raw), &v); err != nil {
		if t := strings.TrimSpace(raw); t != "" && strings.ContainsRune("[{\"'", rune(t[0])) {
			return "", nil, Inputf("--set %s: value %q is not valid YAML: %s", name, raw, waivers.YAMLMessage(err))
		}
		v = raw // not YAML, such as @contoso.com: the string as given
	}
	if v == nil && raw != "null" && raw != "~" {
		v = raw // an empty value means the empty string
	}
	return name, v, nil
}
