// Package trend compares two evaluations of one tenant: coverage per
// feature and scope, per control the violations that are new, resolved and
// unchanged, and, when both have a usage section of the same period, the
// failure rate of each method and feature and the shares of multi-factor
// and of SMS and voice sign-ins. Inputs are results computed from snapshots
// (with their aggregates) or results JSON files (the json output, without
// coverage).
package trend
