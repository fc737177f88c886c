package evaluator

// SandboxCapabilities lets the external tests inspect the sandbox.
var SandboxCapabilities = sandboxCapabilities
