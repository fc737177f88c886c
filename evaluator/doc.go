// Package evaluator embeds OPA to judge a snapshot against Rego controls.
//
// New loads and compiles the controls once (the built-in pack from an fs.FS
// and the user's policies from disk) under a sandbox: Rego v1, strict mode,
// and capabilities without http.send, net.*, opa.runtime, rand.intn or
// uuid.rfc4122, with time.now_ns fixed to the snapshot's fetchedAt (or an
// explicit time) so an archived snapshot always gets the same verdict.
//
// Evaluate streams the snapshot: user-scoped controls are evaluated over
// chunks of userRegistrationDetails in parallel, while the tenant aggregates
// are counted in the same pass; tenant-scoped controls are then evaluated
// once over the manifest, the summaries and the aggregates. ModeDocument
// evaluates everything over the whole document at once, the straightforward
// path the streaming one must equal byte for byte.
//
// No OPA type leaks out of this package: results use the model in result.go.
package evaluator
