package authgate.builtin.usage_method_failure_rate_test

import data.authgate.builtin.usage_method_failure_rate as ctl
import data.authgate.fixtures as f

# with_activity(rows) is a tenant input whose usage section has the rows.
with_activity(rows) := f.tenant({"usage": {
	"period": "d30", "start": "2026-10-03T08:00:00Z", "end": "2026-11-02T08:00:00Z",
	"userRegistrationActivity": rows, "activitySource": "graph",
	"userMfaSignInSummary": [], "userSignInsByAuthMethodSummary": null, "signInsSource": "omitted",
}})

row(m, feature, ok, failed) := {"authMethod": m, "feature": feature, "successfulActivityCount": ok, "failureActivityCount": failed}

test_no_usage_section_skips if {
	ctl.skip == {"the snapshot has no usage section (fetch --include usage)"} with input as f.tenant({})
	count(ctl.violation) == 0 with input as f.tenant({})
}

test_null_usage_section_skips if {
	inp := object.union(f.tenant({}), {"usage": null})
	ctl.skip == {"the snapshot has no usage section (fetch --include usage)"} with input as inp
}

test_exactly_at_threshold_passes if {
	# 4 of 20 = 20.0%, not above 20%.
	inp := with_activity([row("mobileSMS", "registration", 16, 4)])
	count(ctl.violation) == 0 with input as inp
	count(ctl.skip) == 0 with input as inp
}

test_just_above_threshold_fails if {
	vs := ctl.violation with input as with_activity([row("mobileSMS", "registration", 79, 21)])
	vs == {{
		"message": "mobileSMS registration failed 21.0% of the time (21 of 100 attempts over d30), above the maximum of 20.0%.",
		"value": 0.21,
		"threshold": 0.2,
	}}
}

test_fewer_than_min_events_is_not_judged if {
	# 19 attempts, all failed: below min_method_events.
	count(ctl.violation) == 0 with input as with_activity([row("appPassword", "registration", 0, 19)])
}

test_exactly_min_events_is_judged if {
	vs := ctl.violation with input as with_activity([row("appPassword", "registration", 0, 20)])
	count(vs) == 1
}

test_one_violation_per_method_and_feature if {
	vs := ctl.violation with input as with_activity([
		row("mobileSMS", "registration", 10, 10),
		row("mobileSMS", "reset", 10, 10),
		row("securityQuestion", "reset", 30, 10),
		row("appNotification", "registration", 95, 5),
	])
	msgs := {v.message | some v in vs}
	msgs == {
		"mobileSMS registration failed 50.0% of the time (10 of 20 attempts over d30), above the maximum of 20.0%.",
		"mobileSMS reset failed 50.0% of the time (10 of 20 attempts over d30), above the maximum of 20.0%.",
		"securityQuestion reset failed 25.0% of the time (10 of 40 attempts over d30), above the maximum of 20.0%.",
	}
}

test_repeated_rows_are_added_up if {
	# 10 + 12 attempts reach min_method_events together: one violation.
	vs := ctl.violation with input as with_activity([row("email", "reset", 5, 5), row("email", "reset", 6, 6)])
	count(vs) == 1
	some v in vs
	v.value == 0.5
}

test_params_apply if {
	inp := with_activity([row("mobileSMS", "registration", 9, 1)])
	count(ctl.violation) == 0 with input as inp
	count(ctl.violation) == 1 with input as inp
		with data.authgate.params.min_method_events as 10
		with data.authgate.params.method_failure_rate_max as 0.05
}

test_null_activity_passes if {
	count(ctl.violation) == 0 with input as with_activity(null)
}

test_both_method_vocabularies_count_as_one_method if {
	# userEventsSummary names microsoftAuthenticatorPush (the methodsRegistered
	# vocabulary); userRegistrationActivity names appNotification.
	inp := f.tenant({"usage": {
		"period": "d7", "start": "2026-10-26T08:00:00Z", "end": "2026-11-02T08:00:00Z", "activitySource": "derived",
		"userRegistrationActivity": [
			{"authMethod": "appNotification", "feature": "registration", "successfulActivityCount": 50, "failureActivityCount": 50},
			{"authMethod": "microsoftAuthenticatorPush", "feature": "registration", "successfulActivityCount": 50, "failureActivityCount": 50},
		],
		"userMfaSignInSummary": [], "userSignInsByAuthMethodSummary": null, "signInsSource": "omitted",
	}})
	vs := ctl.violation with input as inp
	count(vs) == 1
	some v in vs
	contains(v.message, "appNotification registration failed 50.0% of the time (100 of 200 attempts")
}
