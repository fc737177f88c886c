# METADATA
# scope: package
# title: Graph's summary must agree with the per-user report
# description: >-
#   The usersRegisteredByFeature summary Graph returned for all users
#   (userTypes all, userRoles all) must agree with the counts of the per-user
#   report for mfaCapable, passwordlessCapable and ssprRegistered within
#   consistency_tolerance, a relative difference |graph - perUser| / max(graph,
#   perUser). One violation per feature; the value is the relative difference.
#   Skipped when the snapshot has no such summary or the manifest records it as
#   derived from the per-user report rather than fetched from Graph.
# custom:
#   id: AM-DQ-02
#   severity: medium
#   scope: tenant
#   remediation: >-
#     Fetch a new snapshot so the summaries and the per-user report describe the
#     same moment. If the difference persists, look for an incomplete
#     userRegistrationDetails fetch (paging stopped early) and for users
#     disabled or deleted during the fetch, and raise consistency_tolerance only
#     when the difference is explained.
#   references:
#     - id: NIST-800-53-CA-7
#       description: NIST SP 800-53 Rev. 5 CA-7, continuous monitoring
#       url: https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final
#     - id: MS-GRAPH-USERS-REGISTERED-BY-FEATURE
#       description: Microsoft Graph authenticationMethodsRoot usersRegisteredByFeature
#       url: https://learn.microsoft.com/graph/api/authenticationmethodsroot-usersregisteredbyfeature
#   params:
#     consistency_tolerance: 0.02
#   param_schema:
#     consistency_tolerance: {minimum: 0, maximum: 1}
package authgate.builtin.summary_consistency

import data.authgate.lib

# features are the feature names compared, identical in Graph's summary and
# in the aggregates' COUNTS.
features := ["mfaCapable", "passwordlessCapable", "ssprRegistered"]

# summaries are the usersRegisteredByFeature summaries for all users.
summaries := [s |
	some s in object.get(input, "usersRegisteredByFeature", [])
	s.userTypes == "all"
	s.userRoles == "all"
]

# derived is true when the manifest records the all/all feature summary as
# not fetched from Graph.
derived if {
	some r in object.get(input.manifest, "summaries", [])
	r.report == "usersRegisteredByFeature"
	r.userTypes == "all"
	r.userRoles == "all"
	r.source != "graph"
}

skip contains "the snapshot has no usersRegisteredByFeature summary for all users" if count(summaries) == 0

skip contains "the usersRegisteredByFeature summary for all users was derived from the per-user report" if derived

violation contains v if {
	not derived
	s := summaries[0]
	some fc in s.userRegistrationFeatureCounts
	fc.feature in features
	graph := fc.userCount
	per_user := input.aggregates.scopes.all[fc.feature]
	value := relative_difference(graph, per_user)
	threshold := data.authgate.params.consistency_tolerance
	value > threshold
	v := {
		"message": sprintf("Graph's summary counts %d users %s, the per-user report %d: a relative difference of %s, above the tolerance of %s.", [graph, fc.feature, per_user, lib.pct(value), lib.pct(threshold)]),
		"value": value,
		"threshold": threshold,
	}
}

# relative_difference(a, b) is |a - b| / max(a, b), 0 when a == b.
relative_difference(a, b) := 0 if a == b

relative_difference(a, b) := abs(a - b) / max([a, b]) if a != b
