# Fixtures of the methods policy controls' tests: a hardened policy (every
# AM-POL control passes) and ways to bend one configuration of it.
package authgate.fixtures

all_users := {"targetType": "group", "id": "all_users", "isRegistrationRequired": false}

feature_on := {"state": "enabled", "includeTarget": {"targetType": "group", "id": "all_users"}, "excludeTarget": {"targetType": "group", "id": "00000000-0000-0000-0000-000000000000"}}

hardened_policy := {
	"id": "authenticationMethodsPolicy",
	"policyMigrationState": "migrationComplete",
	"registrationEnforcement": {"authenticationMethodsRegistrationCampaign": {"state": "enabled", "snoozeDurationInDays": 1, "excludeTargets": [], "includeTargets": [{"id": "all_users", "targetType": "group", "targetedAuthenticationMethod": "microsoftAuthenticator"}]}},
	"systemCredentialPreferences": {"state": "enabled", "excludeTargets": [], "includeTargets": [{"id": "all_users", "targetType": "group"}]},
	"reportSuspiciousActivitySettings": {"state": "enabled", "voiceReportingCode": 0, "includeTarget": {"id": "all_users", "targetType": "group"}},
	"authenticationMethodConfigurations": [
		{"id": "Fido2", "state": "enabled", "isAttestationEnforced": true, "includeTargets": [all_users], "excludeTargets": [], "keyRestrictions": {"isEnforced": true, "enforcementType": "allow", "aaGuids": ["aaguid-1"]}},
		{"id": "MicrosoftAuthenticator", "state": "enabled", "includeTargets": [object.union(all_users, {"authenticationMode": "any"})], "excludeTargets": [], "featureSettings": {"displayAppInformationRequiredState": feature_on, "displayLocationInformationRequiredState": feature_on}},
		{"id": "Sms", "state": "disabled", "includeTargets": [object.union(all_users, {"isUsableForSignIn": false})], "excludeTargets": []},
		{"id": "Voice", "state": "disabled", "includeTargets": [all_users], "excludeTargets": [], "isOfficePhoneAllowed": false},
		{"id": "Email", "state": "disabled", "includeTargets": [all_users], "excludeTargets": []},
		{"id": "TemporaryAccessPass", "state": "enabled", "isUsableOnce": true, "includeTargets": [all_users], "excludeTargets": []},
		{"id": "SoftwareOath", "state": "disabled", "includeTargets": [all_users], "excludeTargets": []},
		{"id": "X509Certificate", "state": "disabled", "includeTargets": [all_users], "excludeTargets": []},
	],
}

# section(p, groups, api) is a fetched policy section holding p.
section(p, groups, api) := {"apiVersion": api, "source": "graph", "reason": "", "policy": p, "groups": groups, "retirement": {"count": 0, "users": []}}

# with_policy(p) is a tenant input with policy p fetched from v1.0.
with_policy(p) := tenant({"authenticationMethodsPolicy": section(p, {}, "v1.0")})

# with_beta_policy(p) is the same, fetched from beta.
with_beta_policy(p) := tenant({"authenticationMethodsPolicy": section(p, {}, "beta")})

# bend(id, patch) is the hardened policy with configuration id patched.
bend(id, patch) := object.union(hardened_policy, {"authenticationMethodConfigurations": [x |
	some c in hardened_policy.authenticationMethodConfigurations
	x := patched(c, id, patch)
]})

patched(c, id, patch) := object.union(c, patch) if c.id == id

patched(c, id, _) := c if c.id != id

# without(id) is the hardened policy without configuration id.
without(id) := object.union(hardened_policy, {"authenticationMethodConfigurations": [c | some c in hardened_policy.authenticationMethodConfigurations; c.id != id]})

no_section := tenant({"authenticationMethodsPolicy": null})

forbidden := tenant({"authenticationMethodsPolicy": {"apiVersion": "v1.0", "source": "omitted", "reason": "Graph answered 403 Authorization_RequestDenied", "policy": null, "groups": {}, "retirement": {"count": 0, "users": []}}})
