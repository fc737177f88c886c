// Package reports renders an result.Result in the output formats of
// authgate: text, json, sarif, junit, markdown and github (workflow-command
// annotations).
//
// Each format lives in its own file behind the one-method Writer interface;
// New picks a Writer by name and Formats lists the names. Every writer is
// byte-for-byte deterministic: controls are written sorted by id and
// violations sorted by subject id (tenant-level findings first, by message),
// whatever order the Result holds them in, and no writer reads the clock.
//
// The json writer lists every violation and streams them, so it stays linear
// for a 1,000,000-user tenant. The other writers list at most
// Options.MaxPerControl violations per control (text and markdown show 10,
// github 5 by default) and then say how many more there are and where the
// full list is (Options.FullList).
//
// SARIF output keeps to GitHub code scanning's ingestion rules: every result
// carries a physical location in the snapshot file, a region line, a logical
// location naming the user or the tenant, and a stable
// partialFingerprints.primaryLocationLineHash (see Fingerprint). A run never
// exceeds MaxSARIFResults results. JUnit output is valid against the Jenkins
// xUnit junit-10.xsd schema, with one testsuite per control family and one
// testcase per control.
package reports
