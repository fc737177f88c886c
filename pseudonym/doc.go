// Package pseudonym replaces user ids, user principal names and display
// names with keyed tokens, so that results can go to shared CI logs and
// outside auditors, and maps the tokens back for whoever holds the key.
//
// A token is "pn_" followed by the lower-case, unpadded base32 of the first
// 10 bytes of HMAC-SHA256(key, value). Ids and UPNs are lower-cased first
// (Entra compares them case-insensitively), display names are taken as
// written. The same key always gives the same token, so fingerprints and
// JUnit names stay stable across runs; without the key a token reveals
// nothing, and reveal recomputes the tokens over a snapshot to map them back.
package pseudonym
