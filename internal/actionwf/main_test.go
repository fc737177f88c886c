package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"gopkg.in/yaml.v3"
)

// The derived workflow must carry every input and every step of the
// action unchanged, or actionlint would check something else.
func TestConvertKeepsInputsAndSteps(t *testing.T) {
	file := filepath.Join("..", "..", "action.yml")
	var buf bytes.Buffer
	if err := convert(file, &buf); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var a action
	if err := yaml.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	var wf struct {
		On struct {
			WorkflowCall struct {
				Inputs map[string]struct {
					Type     string `yaml:"type"`
					Required bool   `yaml:"required"`
				} `yaml:"inputs"`
			} `yaml:"workflow_call"`
		} `yaml:"on"`
		Jobs map[string]struct {
			Steps []map[string]any `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(buf.Bytes(), &wf); err != nil {
		t.Fatalf("derived workflow: %v\n%s", err, buf.String())
	}
	if len(wf.On.WorkflowCall.Inputs) != len(a.Inputs) {
		t.Errorf("%d inputs, want %d", len(wf.On.WorkflowCall.Inputs), len(a.Inputs))
	}
	for name, in := range a.Inputs {
		got, ok := wf.On.WorkflowCall.Inputs[name]
		if !ok || got.Type != "string" || got.Required != in.Required {
			t.Errorf("input %s: %+v", name, got)
		}
	}
	steps := wf.Jobs["action"].Steps
	if len(steps) != len(a.Runs.Steps) {
		t.Fatalf("%d steps, want %d", len(steps), len(a.Runs.Steps))
	}
	for i, s := range steps {
		var orig map[string]any
		if err := a.Runs.Steps[i].Decode(&orig); err != nil {
			t.Fatal(err)
		}
		if orig["run"] != s["run"] || orig["if"] != s["if"] || orig["uses"] != s["uses"] {
			t.Errorf("step %d changed: %v != %v", i, s["name"], orig["name"])
		}
	}
}

func TestConvertRefusesNonComposite(t *testing.T) {
	f := filepath.Join(t.TempDir(), "action.yml")
	if err := os.WriteFile(f, []byte("runs:\n  using: node24\n  main: index.js\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := convert(f, &bytes.Buffer{}); err == nil {
		t.Error("a node action was converted")
	}
}
