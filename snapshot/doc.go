// Package snapshot defines authgate's snapshot document: Microsoft Graph's
// three authentication-methods registration reports, kept verbatim with
// Graph's property names, plus a manifest that says what was fetched, from
// where and how.
//
// The document is a JSON object, schema version 1 (schema/snapshot.schema.json
// at the repository root describes it):
//
//	{"schemaVersion": 1,
//	 "usersRegisteredByFeature": [userRegistrationFeatureSummary...],   // optional
//	 "usersRegisteredByMethod":  [userRegistrationMethodSummary...],    // optional
//	 "userRegistrationDetails":  [userRegistrationDetails...],
//	 "manifest": {"tenantId", "cloud", "graphEndpoint", "apiVersion", "fetchedAt", ...}}
//
// Keys may come in any order. Scan reads a document in one streaming pass,
// validating every field's type and handing the users over in chunks, so a
// 1,000,000-user snapshot (about 570 MB) never sits in memory whole. Bad
// input is reported as one *Error naming the file, the JSON path and the
// problem. Unknown properties, unknown enum values and @odata annotations
// are ignored; a null in a user property is kept (UserRegistrationDetails.Nulls)
// for the controls to judge. The same pass checks the manifest's userCount
// and usersSha256 against the users array, and that no id repeats.
//
// This package imports nothing else of authgate's.
package snapshot
