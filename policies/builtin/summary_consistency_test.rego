package authgate.builtin.summary_consistency_test

import data.authgate.builtin.summary_consistency as ctl
import data.authgate.fixtures as f

summary(types, roles, mfa, pwl, sspr) := {
	"totalUserCount": 100,
	"userTypes": types,
	"userRoles": roles,
	"userRegistrationFeatureCounts": [
		{"feature": "ssprRegistered", "userCount": sspr},
		{"feature": "ssprEnabled", "userCount": 0},
		{"feature": "ssprCapable", "userCount": 0},
		{"feature": "passwordlessCapable", "userCount": pwl},
		{"feature": "mfaCapable", "userCount": mfa},
	],
}

source(s) := {"report": "usersRegisteredByFeature", "userTypes": "all", "userRoles": "all", "source": s}

# per-user counts of the fixture: 100 users, every feature 100
with_summary(s, sources) := f.tenant({
	"manifest": {"summaries": sources},
	"usersRegisteredByFeature": [summary("member", "all", 0, 0, 0), s],
})

test_agreeing_summary_passes if {
	inp := with_summary(summary("all", "all", 100, 100, 100), [source("graph")])
	count(ctl.violation) == 0 with input as inp
	count(ctl.skip) == 0 with input as inp
}

test_exactly_at_tolerance_passes if {
	count(ctl.violation) == 0 with input as with_summary(summary("all", "all", 98, 100, 100), [source("graph")])
}

test_above_tolerance_fails if {
	vs := ctl.violation with input as with_summary(summary("all", "all", 97, 100, 100), [source("graph")])
	vs == {{
		"message": "Graph's summary counts 97 users mfaCapable, the per-user report 100: a relative difference of 3.0%, above the tolerance of 2.0%.",
		"value": 0.03,
		"threshold": 0.02,
	}}
}

test_each_feature_is_compared if {
	vs := ctl.violation with input as with_summary(summary("all", "all", 110, 0, 50), [source("graph")])
	{v.value | some v in vs} == {10 / 110, 1, 0.5}
}

test_other_features_are_ignored if {
	# ssprEnabled and ssprCapable are 0 in the summary, 100 per user
	count(ctl.violation) == 0 with input as with_summary(summary("all", "all", 100, 100, 100), [source("graph")])
}

test_missing_manifest_record_is_compared if {
	count(ctl.violation) == 1 with input as with_summary(summary("all", "all", 50, 100, 100), [])
}

test_derived_skips if {
	inp := with_summary(summary("all", "all", 50, 100, 100), [source("derived")])
	ctl.skip == {"the usersRegisteredByFeature summary for all users was derived from the per-user report"} with input as inp
	count(ctl.violation) == 0 with input as inp
}

test_absent_summaries_skip if {
	inp := f.tenant({})
	ctl.skip == {"the snapshot has no usersRegisteredByFeature summary for all users"} with input as inp
	count(ctl.violation) == 0 with input as inp
	ctl.skip == {"the snapshot has no usersRegisteredByFeature summary for all users"} with input as object.remove(inp, ["usersRegisteredByFeature"])
}

test_other_scopes_only_skip if {
	inp := f.tenant({"usersRegisteredByFeature": [summary("all", "admin", 0, 0, 0)]})
	count(ctl.skip) == 1 with input as inp
	count(ctl.violation) == 0 with input as inp
}

test_both_zero_agree if {
	inp := object.union(
		with_summary(summary("all", "all", 0, 0, 0), [source("graph")]),
		{"aggregates": {"scopes": {"all": f.counts({"mfaCapable": 0, "passwordlessCapable": 0, "ssprRegistered": 0})}}},
	)
	count(ctl.violation) == 0 with input as inp
}

test_tolerance_param if {
	inp := with_summary(summary("all", "all", 90, 100, 100), [source("graph")])
	count(ctl.violation) == 0 with input as inp with data.authgate.params.consistency_tolerance as 0.1
	count(ctl.violation) == 1 with input as inp with data.authgate.params.consistency_tolerance as 0.09
}
