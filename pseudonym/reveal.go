package pseudonym

import (
	"encoding/json"
	"fmt"
	"io"
)

// WriteRevealJSON writes what Reveal found as one JSON object keyed by
// token, in which a token nothing matched has an empty list.
func WriteRevealJSON(w io.Writer, tokens []string, found map[string][]Match) error {
	out := map[string][]Match{}
	for _, t := range tokens {
		out[t] = found[t]
		if out[t] == nil {
			out[t] = []Match{}
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// WriteRevealText writes what Reveal found, one tab-separated line per
// match in the order of tokens, and a line for each token nothing matched.
func WriteRevealText(w io.Writer, tokens []string, found map[string][]Match) {
	for _, t := range tokens {
		ms := found[t]
		if len(ms) == 0 {
			fmt.Fprintf(w, "%s\tnot found (another key or another snapshot?)\n", t)
			continue
		}
		for _, m := range ms {
			if m.UserID != "" && m.Kind != "id" {
				fmt.Fprintf(w, "%s\t%s\t%s\t(user %s)\n", t, m.Kind, m.Value, m.UserID)
			} else {
				fmt.Fprintf(w, "%s\t%s\t%s\n", t, m.Kind, m.Value)
			}
		}
	}
}
