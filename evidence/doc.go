// Package evidence writes and checks evidence bundles: deterministic
// tar.gz archives holding a snapshot, the results in every format, the exact
// policies and data evaluated, and a manifest.json that lists every file
// with its SHA-256, optionally signed with Ed25519 (manifest.sig).
//
// The package knows nothing of evaluation: the caller stages the files in a
// folder, Create archives it, Extract unpacks an archive safely (no path
// traversal, no links, no oversize entries) and Check compares a folder
// with its manifest and signature. Re-evaluating the bundle is the
// caller's (authgate evidence verify).
package evidence
