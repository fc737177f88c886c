// Package gate is the one pipeline every command that reaches a verdict
// runs: Prepare validates the options, files and parameters and compiles
// the controls; Run evaluates a snapshot, applies waivers and
// pseudonymisation and decides; Plan.Write renders the outputs.
//
// Evidence bundles go through the same two steps: CreateBundle stages the
// plan's inputs with package evidence and runs the pipeline on the staged
// files, VerifyBundle runs it on an extracted bundle's own contents and
// compares the result with the recorded one.
package gate
