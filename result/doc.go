// Package result is the outcome of one evaluation, the contract every
// output renders: controls with their findings, waiver states, the gate's
// verdict, and the tenant and usage figures computed from a snapshot.
//
// It does not link the policy engine, so the packages that only render,
// compare, waive or pseudonymise results stay small: the evaluator produces
// a Result, everything downstream reads it.
package result
