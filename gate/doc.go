// Package gate is the one pipeline every command that reaches a verdict
// runs: Prepare validates the options, files, output paths and parameters
// and compiles the controls; Run evaluates a snapshot (through its
// pseudonymised view when asked), applies waivers and decides; Plan.Write
// renders the outputs and the evidence bundle as one all-or-nothing set.
//
// Evidence bundles go through the same two steps: CreateBundle stages the
// plan's inputs with package evidence and runs the pipeline on the staged
// files, VerifyBundle runs it on an extracted bundle's own contents and
// compares the result with the recorded one.
package gate
