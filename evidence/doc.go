// Package evidence writes and checks evidence bundles: deterministic
// tar.gz archives holding a snapshot, the results in every format, the exact
// policies and data evaluated, and a manifest.json that lists every file
// with its SHA-256, optionally signed with Ed25519 (manifest.sig).
//
// The package knows nothing of evaluation: it owns the bundle's layout
// (layout.go: the paths, settings, waivers and the staging of policies), a
// Staged folder is filled by the caller and Create archives it. A verifier
// (verify.go) trusts nothing in a bundle until it is checked: ReadManifest
// reads manifest.json and manifest.sig straight from the archive, within
// Limits and refusing unsafe entries, without writing a byte;
// CheckManifest checks the signature; only then ExtractListed writes the
// files the manifest lists, no longer than listed, hashing them as it goes.
// Re-evaluating a bundle is the pipeline's (package gate), which imports
// this one, never the reverse.
package evidence
