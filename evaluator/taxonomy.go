package evaluator

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"github.com/authgate/authgate/result"
)

// taxonomyPath is where the built-in pack keeps the method taxonomy.
const taxonomyPath = "data/taxonomy.json"

// taxonomy is the versioned method taxonomy: which registered-method names
// belong to which classes (phishingResistant, weak, telephony, ...).
type taxonomy struct {
	version string
	raw     map[string]any // as loaded, for data.authgate.taxonomy
	classes []string       // sorted class names
	classOf map[string][]int
	// usage is the one mapping through which every usage classification
	// goes (result.UsageVocabulary).
	usage result.UsageVocabulary
}

func loadTaxonomy(fsys fs.FS) (*taxonomy, error) {
	t := &taxonomy{raw: map[string]any{}, classOf: map[string][]int{}}
	if fsys == nil {
		return t, nil
	}
	b, err := fs.ReadFile(fsys, taxonomyPath)
	if err != nil {
		return nil, fmt.Errorf("load taxonomy: %w", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&t.raw); err != nil {
		return nil, fmt.Errorf("load taxonomy %s: %w", taxonomyPath, err)
	}
	var typed struct {
		Version            string              `json:"version"`
		Classes            map[string][]string `json:"classes"`
		UsageMethodAliases map[string]string   `json:"usageMethodAliases"`
		TelephonyUsage     []string            `json:"telephonyUsageMethods"`
	}
	if err := json.Unmarshal(b, &typed); err != nil {
		return nil, fmt.Errorf("load taxonomy %s: %w", taxonomyPath, err)
	}
	t.version = typed.Version
	t.usage.Aliases = typed.UsageMethodAliases
	if typed.TelephonyUsage != nil {
		t.usage.Telephony = map[string]bool{}
		for _, m := range typed.TelephonyUsage {
			t.usage.Telephony[m] = true
		}
	}
	t.classes = slices.Sorted(maps.Keys(typed.Classes))
	for i, c := range t.classes {
		for _, m := range typed.Classes[c] {
			t.classOf[m] = append(t.classOf[m], i)
		}
	}
	return t, nil
}
