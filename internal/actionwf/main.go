// Command actionwf turns the composite action (action.yml) into a workflow
// that actionlint can check: actionlint lints workflows, not action
// metadata, so the action's inputs become workflow_call inputs and its steps
// the steps of one job, unchanged. actionlint then type-checks every
// expression and runs shellcheck on every run: script, as it would for the
// action's users.
//
//	go run ./internal/actionwf action.yml > .github/workflows/action.yml
package main

import (
	"fmt"
	"io"
	"os"

	"gopkg.in/yaml.v3"
)

type action struct {
	Inputs map[string]struct {
		Description string `yaml:"description"`
		Required    bool   `yaml:"required"`
		Default     string `yaml:"default"`
	} `yaml:"inputs"`
	Runs struct {
		Using string      `yaml:"using"`
		Steps []yaml.Node `yaml:"steps"`
	} `yaml:"runs"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: actionwf ACTION.yml")
		os.Exit(2)
	}
	if err := convert(os.Args[1], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "actionwf:", err)
		os.Exit(1)
	}
}

func convert(file string, w io.Writer) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var a action
	if err := yaml.Unmarshal(b, &a); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if a.Runs.Using != "composite" {
		return fmt.Errorf("%s: runs.using is %q, not composite", file, a.Runs.Using)
	}
	inputs := map[string]any{}
	for name, in := range a.Inputs {
		def := map[string]any{"type": "string", "description": in.Description, "required": in.Required}
		if !in.Required {
			def["default"] = in.Default
		}
		inputs[name] = def
	}
	wf := map[string]any{
		"name": "action (derived from " + file + ")",
		"on":   map[string]any{"workflow_call": map[string]any{"inputs": inputs}},
		"jobs": map[string]any{"action": map[string]any{
			"runs-on": "ubuntu-latest",
			"steps":   a.Runs.Steps,
		}},
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(wf); err != nil {
		return err
	}
	return enc.Close()
}
