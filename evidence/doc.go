// Package evidence writes and checks evidence bundles: deterministic
// tar.gz archives holding a snapshot, the results in every format, the exact
// policies and data evaluated, and a manifest.json that lists every file
// with its SHA-256, optionally signed with Ed25519 (manifest.sig).
//
// The package knows nothing of evaluation: it owns the bundle's layout
// (layout.go: the paths, settings, waivers and the staging of policies), a
// Staged folder is filled by the caller, Create archives it, ReadManifest
// and CheckManifest check the manifest and its signature straight from the
// archive, Extract unpacks an archive safely (no path traversal, no links,
// no oversize entries) and Check compares a folder with its manifest.
// Re-evaluating a bundle is the pipeline's (package gate), which imports
// this one, never the reverse.
package evidence
