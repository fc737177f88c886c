// Package pseudonym replaces user ids, user principal names and display
// names with keyed tokens, so that results can go to shared CI logs and
// outside auditors, and maps the tokens back for whoever holds the key.
//
// A token is "pn_" followed by the lower-case, unpadded base32 of the first
// 10 bytes of HMAC-SHA256(key, value). Ids and UPNs are lower-cased first
// (Entra compares them case-insensitively), display names are taken as
// written. A UPN keeps its domain after the token of its local part
// (pn_...@contoso.example), so controls that judge by domain judge the same.
// The same key always gives the same token, so fingerprints and JUnit names
// stay stable across runs; without the key a token reveals nothing, and
// reveal recomputes the tokens over a snapshot to map them back.
//
// Pseudonymisation applies to the input: the Pseudonymizer is a
// snapshot.Rewriter, so the evaluator reads a pseudonymised view of the
// snapshot (and of the baseline) row by row, and no control can see, derive
// or quote a real identifier.
package pseudonym
