package reports

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/authgate/authgate/result"
)

// exclusionLines describes each declared exclusion, in declaration order:
// who it names, why, whose it is, and how many users it took out of which
// control, so that a reader sees the scope as clearly as the verdict.
func exclusionLines(r *result.Result) []string {
	var out []string
	for _, x := range r.Exclusions {
		who := slices.Concat(x.Subjects, prefixGroups(x.Groups))
		var removed []string
		for _, c := range slices.Sorted(maps.Keys(x.Removed)) {
			removed = append(removed, fmt.Sprintf("%s %d", c, x.Removed[c]))
		}
		l := fmt.Sprintf("exclusions[%d] %s from %s: %s (owner %s)", x.Index, strings.Join(who, ", "), strings.Join(x.Controls, ", "), x.Reason, x.Owner)
		switch {
		case x.Users == 0:
			l += "; matched no user: remove it or fix its subjects"
		case len(removed) == 0:
			l += fmt.Sprintf("; matched %d %s, removed from no control", x.Users, Plural(int(x.Users), "user", "users"))
		default:
			l += fmt.Sprintf("; matched %d %s; users removed: %s", x.Users, Plural(int(x.Users), "user", "users"), strings.Join(removed, ", "))
		}
		if x.ReviewOverdue {
			l += fmt.Sprintf("; review was due on %s", x.ReviewBy)
		}
		out = append(out, l)
	}
	return out
}

func prefixGroups(gs []string) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = "group " + g
	}
	return out
}

// htmlExclusion is one row of the HTML report's "Exclusions" section.
type htmlExclusion struct {
	Overdue bool
	Users   int64
	Line    string
}
