# METADATA
# scope: package
# title: No method should fail registration or reset often
# description: >-
#   For each authentication method and feature (registration or reset) in the
#   snapshot's usage section, the share of failed attempts over the period
#   (failureActivityCount / (successfulActivityCount + failureActivityCount))
#   must not exceed method_failure_rate_max. Only a method and feature with at
#   least min_method_events attempts is judged, so that a handful of attempts
#   cannot fail the gate. One violation per method and feature. Skipped when
#   the snapshot has no usage section (fetch --include usage).
# custom:
#   id: AM-USE-01
#   severity: medium
#   scope: tenant
#   anchor: usage
#   remediation: >-
#     Read the failure reasons of the method in the Entra admin center
#     (Authentication methods, Activity) or in Graph's userEventsSummary:
#     codes that never arrive point at the telephony provider or at numbers
#     in the wrong format, registrations abandoned midway at a confusing
#     combined registration experience. Fix the cause, and steer users to a
#     method that works (Microsoft Authenticator, passkeys) with a
#     registration campaign.
#   references:
#     - id: MS-ENTRA-AUTH-METHODS-ACTIVITY
#       description: Microsoft Entra authentication methods activity (usage and insights)
#       url: https://learn.microsoft.com/entra/identity/authentication/howto-authentication-methods-activity
#     - id: MS-GRAPH-USER-REGISTRATION-ACTIVITY
#       description: Microsoft Graph (beta) authenticationMethodsRoot userRegistrationActivity
#       url: https://learn.microsoft.com/graph/api/authenticationmethodsroot-userregistrationactivity?view=graph-rest-beta
#     - id: NIST-800-53-IA-5
#       description: NIST SP 800-53 Rev. 5 IA-5, authenticator management
#       url: https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final
#   params:
#     method_failure_rate_max: 0.2
#     min_method_events: 20
#   param_schema:
#     method_failure_rate_max: {minimum: 0, maximum: 1}
#     min_method_events: {minimum: 0}
package authgate.builtin.usage_method_failure_rate

import data.authgate.lib

skip contains "the snapshot has no usage section (fetch --include usage)" if not is_object(object.get(input, "usage", null))

# rows are the userRegistrationActivity rows ([] when absent or null).
rows := r if {
	r := input.usage.userRegistrationActivity
	is_array(r)
} else := []

# keys are the (method, feature) pairs of the rows, the method by its usage
# reports' name whichever vocabulary the row used (lib.usage_method).
keys contains [lib.usage_method(r.authMethod), r.feature] if some r in rows

# failed[k] and attempts[k] add up the rows of method and feature k.
failed[k] := sum([r.failureActivityCount | some r in rows; [lib.usage_method(r.authMethod), r.feature] == k]) if some k in keys

attempts[k] := sum([(r.successfulActivityCount + r.failureActivityCount) | some r in rows; [lib.usage_method(r.authMethod), r.feature] == k]) if some k in keys

violation contains v if {
	some k in keys
	n := attempts[k]
	n >= data.authgate.params.min_method_events
	value := lib.share(failed[k], n)
	threshold := data.authgate.params.method_failure_rate_max
	value > threshold
	v := {
		"message": sprintf("%s %s failed %s of the time (%d of %d attempts over %s), above the maximum of %s.", [k[0], k[1], lib.pct(value), failed[k], n, input.usage.period, lib.pct(threshold)]),
		"value": value,
		"threshold": threshold,
	}
}
