// Package e2e holds end-to-end tests that fetch from the Graph emulator and
// check the snapshot with the built-in pack, for behaviour that spans fetch,
// snapshot and evaluator (which never import each other). It has no
// non-test code.
package e2e
