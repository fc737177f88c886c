package policies

import "embed"

// FS holds every Rego module of the built-in pack, including the *_test.rego
// files (the evaluator skips files ending in _test.rego when it compiles the
// pack), the helper library and data/taxonomy.json.
//
//go:embed builtin lib data
var FS embed.FS
