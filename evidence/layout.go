package evidence

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/authgate/authgate/scope"
)

// Paths inside a bundle, relative to its root, with forward slashes.
const (
	SnapshotPath = "snapshot.json"
	BaselinePath = "baseline.json"
	SettingsPath = "data/settings.json"
	ParamsPath   = "data/params.json"
	WaiversPath  = "data/waivers.yaml"
	// PackDir holds the built-in pack (builtin/, lib/, data/) as evaluated.
	PackDir = "policies"
	// UserDir holds each user policy path as policies/user/<n>/.
	UserDir = "policies/user"
	// ResultsStem is the results' path without extension; Formats gives
	// the extension of each format.
	ResultsStem = "results/results"
)

// Formats are the result formats a bundle holds, with their extensions.
var Formats = []struct{ Format, Ext string }{
	{"json", ".json"}, {"sarif", ".sarif"}, {"junit", ".junit.xml"}, {"markdown", ".md"}, {"html", ".html"},
}

// ResultsJSON is the path of the JSON results, the ones verify compares.
const ResultsJSON = ResultsStem + ".json"

// Settings is data/settings.json: what evaluation needs besides the
// snapshot, policies, params and waivers.
type Settings struct {
	FailOn        string   `json:"failOn"`
	Now           string   `json:"now,omitempty"`
	NoBuiltin     bool     `json:"noBuiltin,omitempty"`
	AllowBuiltins []string `json:"allowBuiltins,omitempty"`
	MaxWaiverDays int      `json:"maxWaiverDays"`
	// Exclusions are authgate.yaml's (subjects tokenised in a
	// pseudonymised bundle), so that the bundle re-evaluates with them.
	Exclusions []scope.Exclusion `json:"exclusions,omitempty"`
}

// WaiverEntry is one entry of data/waivers.yaml, in the waivers file format
// (keys in alphabetical order, as earlier bundles wrote them).
type WaiverEntry struct {
	Control string `yaml:"control"`
	Expires string `yaml:"expires"`
	Owner   string `yaml:"owner"`
	Reason  string `yaml:"reason"`
	Subject string `yaml:"subject,omitempty"`
	Ticket  string `yaml:"ticket,omitempty"`
}

// Staged is a bundle being assembled or read in a folder.
type Staged struct{ Dir string }

// Path returns the file path of the bundle path rel.
func (s Staged) Path(rel string) string { return filepath.Join(s.Dir, filepath.FromSlash(rel)) }

// Has reports whether the bundle holds rel.
func (s Staged) Has(rel string) bool {
	_, err := os.Stat(s.Path(rel))
	return err == nil
}

// WriteFile writes b to rel, making its folders.
func (s Staged) WriteFile(rel string, b []byte) error {
	p := s.Path(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	if err := os.WriteFile(p, b, 0o600); err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	return nil
}

// CopyFile copies the file src to rel.
func (s Staged) CopyFile(src, rel string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	defer in.Close()
	dst := s.Path(rel)
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("evidence: copy %s: %w", src, err)
	}
	return out.Close()
}

// WriteJSON writes v as indented JSON to rel.
func (s Staged) WriteJSON(rel string, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("evidence: encode %s: %w", rel, err)
	}
	return s.WriteFile(rel, b.Bytes())
}

// ReadJSON decodes rel into v, numbers as json.Number.
func (s Staged) ReadJSON(rel string, v any) error {
	b, err := os.ReadFile(s.Path(rel))
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("bundle: %s: %w", rel, err)
	}
	return nil
}

// WriteWaivers writes data/waivers.yaml; nothing when there are none.
func (s Staged) WriteWaivers(entries []WaiverEntry) error {
	if len(entries) == 0 {
		return nil
	}
	b, err := yaml.Marshal(map[string]any{"waivers": entries})
	if err != nil {
		return fmt.Errorf("evidence: encode waivers: %w", err)
	}
	return s.WriteFile(WaiversPath, b)
}

// StagePolicies copies the pack (builtin/, lib/, data/) to PackDir and each
// user policy path to UserDir/<n>/ (a folder's .rego files, or the file).
func (s Staged) StagePolicies(pack fs.FS, paths []string) error {
	err := fs.WalkDir(pack, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(pack, p)
		if err != nil {
			return err
		}
		return s.WriteFile(PackDir+"/"+p, b)
	})
	if err != nil {
		return fmt.Errorf("evidence: copy the built-in pack: %w", err)
	}
	for i, src := range paths {
		base := fmt.Sprintf("%s/%d/", UserDir, i)
		st, err := os.Stat(src)
		if err != nil {
			return fmt.Errorf("--policy %s: %w", src, err)
		}
		if !st.IsDir() {
			if err := s.CopyFile(src, base+filepath.Base(src)); err != nil {
				return err
			}
			continue
		}
		err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".rego") {
				return err
			}
			rel, err := filepath.Rel(src, p)
			if err != nil {
				return err
			}
			return s.CopyFile(p, base+filepath.ToSlash(rel))
		})
		if err != nil {
			return fmt.Errorf("evidence: copy --policy %s: %w", src, err)
		}
	}
	return nil
}

// CompareResults compares re-evaluated JSON results (got) with a bundle's
// recorded ones (want) and describes each difference: the verdict, each
// control's status and number of violations, controls on one side only, and
// the first line where the bytes differ. Nil when they are identical.
func CompareResults(got, want []byte) []string {
	if bytes.Equal(got, want) {
		return nil
	}
	type controls struct {
		Verdict  string `json:"verdict"`
		Controls []struct {
			ID         string            `json:"id"`
			Status     string            `json:"status"`
			Violations []json.RawMessage `json:"violations"`
		} `json:"controls"`
	}
	var g, w controls
	if err := json.Unmarshal(want, &w); err != nil {
		return []string{ResultsJSON + " is not valid JSON: " + err.Error()}
	}
	if err := json.Unmarshal(got, &g); err != nil {
		return []string{"re-evaluation gave invalid JSON: " + err.Error()}
	}
	var problems []string
	if w.Verdict != g.Verdict {
		problems = append(problems, fmt.Sprintf("re-evaluation gives verdict %s, %s says %s", g.Verdict, ResultsJSON, w.Verdict))
	}
	byID := map[string]int{}
	for i, c := range g.Controls {
		byID[c.ID] = i
	}
	for _, c := range w.Controls {
		i, ok := byID[c.ID]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s is in %s but the bundled policies do not define it", c.ID, ResultsJSON))
			continue
		}
		rc := g.Controls[i]
		if rc.Status != c.Status || len(rc.Violations) != len(c.Violations) {
			problems = append(problems, fmt.Sprintf("%s: re-evaluation gives %s with %d violations, %s says %s with %d", c.ID, rc.Status, len(rc.Violations), ResultsJSON, c.Status, len(c.Violations)))
		}
		delete(byID, c.ID)
	}
	for _, c := range g.Controls {
		if _, ok := byID[c.ID]; ok {
			problems = append(problems, fmt.Sprintf("%s is defined by the bundled policies but missing from %s", c.ID, ResultsJSON))
		}
	}
	line := 1
	for i := 0; i < min(len(got), len(want)); i++ {
		if got[i] != want[i] {
			break
		}
		if got[i] == '\n' {
			line++
		}
	}
	return append(problems, fmt.Sprintf("re-evaluation differs from %s from line %d", ResultsJSON, line))
}
