# Test fixtures shared by the control tests. The file ends in _test.rego, so
# the evaluator never compiles it into a run.
package authgate.fixtures

# user(o) is a compliant member with the properties of o merged over it.
user(o) := object.union(
	{
		"id": "00000000-0000-0000-0000-000000000001",
		"userPrincipalName": "ana.lima@contoso.example",
		"userDisplayName": "Ana Lima",
		"userType": "member",
		"isAdmin": false,
		"isMfaCapable": true,
		"isMfaRegistered": true,
		"isPasswordlessCapable": true,
		"isSsprCapable": true,
		"isSsprEnabled": true,
		"isSsprRegistered": true,
		"isSystemPreferredAuthenticationMethodEnabled": true,
		"systemPreferredAuthenticationMethods": ["push"],
		"userPreferredMethodForSecondaryAuthentication": "push",
		"methodsRegistered": ["microsoftAuthenticatorPush", "passKeyDeviceBoundAuthenticator"],
		"lastUpdatedDateTime": "2026-11-02T06:00:00Z",
	},
	o,
)

# users(us) is the input of a user-scoped control.
users(us) := {"userRegistrationDetails": us}

# counts(o) is a COUNTS object of 100 fully capable users with o merged over it.
counts(o) := object.union(
	{
		"users": 100, "mfaCapable": 100, "mfaRegistered": 100, "passwordlessCapable": 100,
		"ssprCapable": 100, "ssprEnabled": 100, "ssprRegistered": 100, "systemPreferredEnabled": 100,
		"methods": {"microsoftAuthenticatorPush": 100}, "classes": {"mfa": 100}, "noMethods": 0,
	},
	o,
)

# tenant(o) is the input of a tenant-scoped control: a compliant tenant of
# 100 members (one of them admin) with o merged over it (recursively).
tenant(o) := object.union(
	{
		"manifest": {
			"tenantId": "11111111-1111-1111-1111-111111111111",
			"cloud": "global",
			"graphEndpoint": "https://graph.microsoft.com",
			"apiVersion": "v1.0",
			"fetchedAt": "2026-11-02T08:00:00Z",
		},
		"usersRegisteredByFeature": [],
		"usersRegisteredByMethod": [],
		"aggregates": {
			"users": 100,
			"scopes": {
				"all": counts({}),
				"member": counts({}),
				"guest": counts({"users": 0, "mfaCapable": 0, "mfaRegistered": 0, "passwordlessCapable": 0, "ssprCapable": 0, "ssprEnabled": 0, "ssprRegistered": 0, "systemPreferredEnabled": 0, "methods": {}, "classes": {}}),
				"admin": counts({"users": 1, "mfaCapable": 1, "mfaRegistered": 1, "passwordlessCapable": 1, "ssprCapable": 1, "ssprEnabled": 1, "ssprRegistered": 1, "systemPreferredEnabled": 1, "methods": {"microsoftAuthenticatorPush": 1}, "classes": {"mfa": 1}}),
			},
			"lastUpdatedDateTime": {"min": "2026-11-02T06:00:00Z", "max": "2026-11-02T06:00:00Z"},
			"accounts": {},
		},
	},
	o,
)

# scope(name, o) is a tenant input whose scope name has counts(o).
scope(name, o) := tenant({"aggregates": {"scopes": {name: counts(o)}}})
