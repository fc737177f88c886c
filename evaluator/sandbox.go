package evaluator

import (
	"fmt"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// The policy sandbox. Policies, user or bundled, are untrusted: by default
// they see the snapshot and the parameters and nothing else. Every builtin of
// the OPA version linked in is classified below, either allowed by name
// (computation on its arguments only) or refused unless the person running
// the command names it with --allow-builtin. A builtin in neither list (one
// a newer OPA adds) is refused too, and TestSandboxClassifiesEveryBuiltin
// fails until someone classifies it.

// DeniedBuiltins are refused by the sandbox unless allowed by name (or, for
// a pattern ending in ".*", by the pattern).
var DeniedBuiltins = []string{
	// The network.
	"http.send", "net.*",
	// The environment and the OPA runtime's configuration.
	"opa.runtime",
	// Files and URLs: the JSON Schema validators follow "$ref"s to
	// file:// and http(s):// addresses, so a policy could learn whether a
	// file exists and its first byte, or read /dev/zero until memory runs out.
	"json.match_schema", "json.verify_schema",
	// The wall clock: with no CurrentTime option, chain verification checks
	// validity at the host's time, not at the snapshot's fetchedAt.
	"crypto.x509.parse_and_verify_certificates", "crypto.x509.parse_and_verify_certificates_with_options",
	// Randomness: results that change from run to run cannot be re-verified.
	"rand.intn", "uuid.rfc4122", "io.jwt.encode_sign", "io.jwt.encode_sign_raw",
	// Time the limit cannot stop: one call runs without looking at the
	// deadline and its cost grows faster than its arguments (nested template
	// ranges, every path of a graph, GraphQL's pairwise field validation).
	"strings.render_template", "graph.reachable_paths", "graphql.*",
}

// allowedFamilies are builtin namespaces (name prefixes ending in ".")
// whose every member computes on its arguments only.
var allowedFamilies = []string{
	"array.", "base64.", "base64url.", "bits.", "glob.", "graph.", "hex.", "numbers.", "object.",
	"regex.", "semver.", "strings.", "units.", "urlquery.",
	"crypto.hmac.",
	// A parser of its argument; it loads nothing else.
	"yaml.",
	// The snapshot's clock: time.now_ns is the evaluation time check sets
	// (the snapshot's fetchedAt, or --now), never the host's; time zone names
	// resolve in the time zone database linked into OPA, and Go refuses
	// names that are paths.
	"time.",
	// Operator and helper builtins the compiler inserts.
	"internal.",
}

// allowedBuiltins are single builtins that compute on their arguments only.
var allowedBuiltins = []string{
	"abs", "all", "and", "any", "assign", "cast_array", "cast_boolean", "cast_null", "cast_object", "cast_set",
	"cast_string", "ceil", "concat", "contains", "count", "div", "endswith", "eq", "equal", "floor",
	"format_int", "gt", "gte", "indexof", "indexof_n", "intersection", "is_array", "is_boolean", "is_null",
	"is_number", "is_object", "is_set", "is_string", "lower", "lt", "lte", "max", "min", "minus", "mul",
	"neq", "or", "plus", "product", "re_match", "rem", "replace", "round", "set_diff", "sort", "split",
	"sprintf", "startswith", "substring", "sum", "to_number", "trim", "trim_left", "trim_prefix",
	"trim_right", "trim_space", "trim_suffix", "type_name", "union", "upper", "walk",
	// Output only where policy test shows it; check compiles print away.
	"print", "trace",
	"crypto.md5", "crypto.sha1", "crypto.sha256", "crypto.parse_private_keys",
	"crypto.x509.parse_certificate_request", "crypto.x509.parse_certificates", "crypto.x509.parse_keypair",
	"crypto.x509.parse_rsa_private_key",
	// Key material is an argument (a PEM or a JWKS string, never a URL);
	// expiry is judged at the evaluation time, not the host's.
	"io.jwt.decode", "io.jwt.decode_verify",
	"io.jwt.verify_eddsa", "io.jwt.verify_es256", "io.jwt.verify_es384", "io.jwt.verify_es512",
	"io.jwt.verify_hs256", "io.jwt.verify_hs384", "io.jwt.verify_hs512", "io.jwt.verify_ps256",
	"io.jwt.verify_ps384", "io.jwt.verify_ps512", "io.jwt.verify_rs256", "io.jwt.verify_rs384",
	"io.jwt.verify_rs512",
	"json.filter", "json.is_valid", "json.marshal", "json.marshal_with_options", "json.patch", "json.remove",
	"json.unmarshal",
	// Signs with the credentials and time it is given; reads no environment.
	"providers.aws.sign_req",
	"rego.metadata.chain", "rego.metadata.rule", "rego.parse_module",
	"uri.is_valid", "uri.parse", "uuid.parse",
}

// IsSandboxed reports whether name is a builtin the sandbox refuses (or one
// of the patterns of DeniedBuiltins, such as "net.*").
func IsSandboxed(name string) bool {
	return slices.ContainsFunc(DeniedBuiltins, func(d string) bool { return matchesBuiltin(name, d) })
}

// IsAllowed reports whether the sandbox lets every policy call builtin name.
func IsAllowed(name string) bool {
	if IsSandboxed(name) {
		return false
	}
	return slices.Contains(allowedBuiltins, name) ||
		slices.ContainsFunc(allowedFamilies, func(f string) bool { return strings.HasPrefix(name, f) })
}

// matchesBuiltin reports whether builtin name is pattern or, for a pattern
// ending in ".*", in its namespace.
func matchesBuiltin(name, pattern string) bool {
	return name == pattern || (strings.HasSuffix(pattern, ".*") && strings.HasPrefix(name, strings.TrimSuffix(pattern, "*")))
}

// sandboxCapabilities returns the sandbox: this OPA's allowed builtins, plus the
// refused ones named in allow; no host is reachable by http.send unless it
// is allowed. A builtin the sandbox does not know is left out.
func sandboxCapabilities(allow []string) *ast.Capabilities {
	caps := ast.CapabilitiesForThisVersion()
	optedIn := func(name string) bool {
		for _, d := range DeniedBuiltins {
			if matchesBuiltin(name, d) && slices.ContainsFunc(allow, func(a string) bool { return a == name || a == d }) {
				return true
			}
		}
		return false
	}
	caps.Builtins = slices.DeleteFunc(slices.Clone(caps.Builtins), func(b *ast.Builtin) bool {
		return !IsAllowed(b.Name) && !optedIn(b.Name)
	})
	if !slices.Contains(allow, "http.send") {
		caps.AllowNet = []string{}
	}
	return caps
}

// sandboxHint explains an undefined refused builtin.
func sandboxHint(err error) error {
	pe, ok := err.(*PolicyError)
	if !ok {
		return err
	}
	const undefined = "undefined function "
	i := strings.Index(pe.Msg, undefined)
	if i < 0 {
		return err
	}
	name := pe.Msg[i+len(undefined):]
	if j := strings.IndexFunc(name, func(r rune) bool { return r != '.' && r != '_' && !('a' <= r && r <= 'z') && !('0' <= r && r <= '9') }); j >= 0 {
		name = name[:j]
	}
	for _, d := range DeniedBuiltins {
		if matchesBuiltin(name, d) {
			pe.Msg += fmt.Sprintf(" (%s is refused by authgate's policy sandbox; allow it explicitly with --allow-builtin %s)", d, d)
			return pe
		}
	}
	return pe
}
