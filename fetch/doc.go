// Package fetch snapshots Microsoft Graph's authentication-methods reports
// (usersRegisteredByFeature, usersRegisteredByMethod and the paged
// userRegistrationDetails list) into an authgate snapshot document.
//
// Credentials are azidentity credentials chosen explicitly by an AuthMode
// (NewCredential). Requests go through an azcore pipeline: a bearer-token
// policy, azcore's retry policy (429, 408 and 5xx, connection errors,
// Retry-After honoured, bounded attempts) and a client-side pacer shared by
// every report call (Rate, by default the reports service's documented 5
// requests per 10 s). Paging follows @odata.nextLink verbatim with a loop
// guard and an origin check: the token is never sent to a host other than
// the Graph endpoint. Pages are streamed to disk (snapshot.Writer), so memory
// does not depend on the size of the tenant, and the output appears
// atomically, mode 0600, only when the fetch completed. An interrupted fetch
// leaves a checkpoint next to the output that Options.Resume continues from.
//
// Every answer is bounded, because the endpoint is untrusted: its body may
// not pass Options.MaxPageBytes once decompressed (checked while it is
// read), its headers and each byte of its body must come within
// Options.HeaderTimeout and Options.IdleTimeout (a stalled request is
// retried), a row and its strings may not pass Entra's documented sizes
// (with a margin), nextLinks are kept as hashes and capped in length, and
// the token requests are bounded the same way and never follow a redirect.
// A user listed twice with the same row is kept once and counted
// (Manifest.DuplicateRows); with another row, the fetch ends (ErrChanged).
//
// Package fetch imports snapshot only; it knows nothing of policies.
package fetch
