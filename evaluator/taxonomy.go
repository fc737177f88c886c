package evaluator

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
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
	// usageAlias maps a method name of the other vocabulary (the names of
	// methodsRegistered, which Graph's own userEventsSummary example uses)
	// to the usage reports' usageAuthMethod name: the one mapping through
	// which every usage classification goes.
	usageAlias map[string]string
	// telephonyUsage are the SMS and voice usage method names.
	telephonyUsage map[string]bool
}

// usageMethod returns the usage reports' name of method m, in either
// vocabulary.
func (t *taxonomy) usageMethod(m string) string {
	if a, ok := t.usageAlias[m]; ok {
		return a
	}
	return m
}

// isTelephonyUsage reports whether usage method m (either vocabulary) is SMS
// or voice.
func (t *taxonomy) isTelephonyUsage(m string) bool {
	if t.telephonyUsage == nil { // no taxonomy: the built-in list
		return slices.Contains(TelephonyUsageMethods, m)
	}
	return t.telephonyUsage[t.usageMethod(m)]
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
	t.usageAlias = typed.UsageMethodAliases
	if typed.TelephonyUsage != nil {
		t.telephonyUsage = map[string]bool{}
		for _, m := range typed.TelephonyUsage {
			t.telephonyUsage[m] = true
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
