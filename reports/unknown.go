package reports

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/authgate/authgate/result"
)

// unknownScopes is the order in which the scopes of Result.Unknown are
// named; a scope not listed (a result read from elsewhere) follows, sorted.
var unknownScopes = []string{"all", "member", "guest", "admin"}

// unknownNote is what a coverage share over a scope with n users it could
// not place adds inside its parentheses: ", 12 users unknown", or "".
func unknownNote(n int64) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf(", %d %s unknown", n, Plural(int(n), "user", "users"))
}

// unknownLine says, for the human formats, how many users each coverage
// share could not place (a null isAdmin, userType or capability flag), so
// a share is never read as covering users it could not judge; "" when none.
// The text is not sanitised: each format escapes it as it escapes any
// string of a result.
func unknownLine(r *result.Result) string {
	if !slices.ContainsFunc(slices.Collect(maps.Values(r.Unknown)), func(n int64) bool { return n > 0 }) {
		return ""
	}
	names := slices.Clone(unknownScopes)
	for _, k := range slices.Sorted(maps.Keys(r.Unknown)) {
		if !slices.Contains(names, k) {
			names = append(names, k)
		}
	}
	var parts []string
	for _, k := range names {
		if n, ok := r.Unknown[k]; ok {
			parts = append(parts, fmt.Sprintf("%s %d", k, n))
		}
	}
	return fmt.Sprintf("users the coverage shares could not place, per scope: %s (AM-DQ-03 names them)", strings.Join(parts, ", "))
}
