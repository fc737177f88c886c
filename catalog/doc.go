// Package catalog renders the controls' metadata for people: the table and
// JSON of authgate policy list and the Markdown catalogue of policy doc (the
// README's control reference). It reads results only, so it links no OPA.
package catalog
