// Package policies holds authgate's built-in control pack: one Rego v1
// package per control under authgate.builtin (builtin/*.rego), shared helpers
// in package authgate.lib (lib/*.rego), and the method taxonomy
// (data/taxonomy.json) that the controls read as data.authgate.taxonomy.
//
// Every control declares its id, title, description, severity, scope,
// remediation, references and parameters (with defaults) in package-scoped
// METADATA, following the convention the evaluator implements.
//
// The taxonomy classes mean:
//   - phishingResistant: device-bound, origin-bound credentials (FIDO2 security
//     keys, device-bound passkeys, Windows Hello for Business, the macOS
//     platform credential).
//   - passwordless: methods that sign a user in without a password.
//   - mfa: methods Entra accepts as a second factor for multifactor
//     authentication, including SMS and voice (weak, but MFA).
//   - telephony: phone numbers that receive SMS or voice calls.
//   - weak: the phone and knowledge methods authgate treats as weak.
//   - other: names authgate knows that are none of the above (password,
//     Temporary Access Pass).
//
// A method may belong to several classes; the names the taxonomy knows are
// the union of every class.
package policies
