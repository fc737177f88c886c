// Package trend compares two evaluations of one tenant: coverage per
// feature and scope, and per control the violations that are new, resolved
// and unchanged. Inputs are results computed from snapshots (with their
// aggregates) or results JSON files (the json output, without coverage).
package trend
