package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// config is authgate.yaml.
type config struct {
	// Params override the controls' parameter defaults; --set overrides them in turn.
	Params map[string]any `yaml:"params"`
}

// loadConfig reads an authgate.yaml, refusing unknown keys.
func loadConfig(path string) (*config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, invalid(fmt.Errorf("read config: %w", err))
	}
	var c config
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, usagef("%s: %s", path, yamlMessage(err))
	}
	return &c, nil
}

// yamlMessage keeps the first line of a yaml.v3 error, without its prefix.
func yamlMessage(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if te, ok := err.(*yaml.TypeError); ok && len(te.Errors) > 0 {
		msg = te.Errors[0]
		if len(te.Errors) > 1 {
			msg += fmt.Sprintf(" (and %d more)", len(te.Errors)-1)
		}
	}
	return msg
}

var paramName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// parseSet parses --set name=value; the value is YAML, so numbers, booleans
// and lists keep their types.
func parseSet(s string) (string, any, error) {
	name, raw, ok := strings.Cut(s, "=")
	if !ok || !paramName.MatchString(name) {
		return "", nil, usagef("--set %q: want name=value with a snake_case name", s)
	}
	var v any
	if err := yaml.Unmarshal([]byte(raw), &v); err != nil {
		return "", nil, usagef("--set %s: value %q is not valid YAML: %s", name, raw, yamlMessage(err))
	}
	if v == nil && raw != "null" && raw != "~" {
		v = raw // an empty value means the empty string
	}
	return name, v, nil
}
