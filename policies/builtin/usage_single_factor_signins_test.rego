package authgate.builtin.usage_single_factor_signins_test

import data.authgate.builtin.usage_single_factor_signins as ctl
import data.authgate.fixtures as f

with_days(days) := f.tenant({"usage": {
	"period": "d7", "start": "2026-10-26T08:00:00Z", "end": "2026-11-02T08:00:00Z",
	"userRegistrationActivity": [], "activitySource": "derived",
	"userMfaSignInSummary": days, "userSignInsByAuthMethodSummary": null, "signInsSource": "omitted",
}})

day(date, multi, single) := {"createdDateTime": date, "multiFactorSignIns": multi, "singleFactorSignIns": single, "totalSignIns": multi + single}

test_no_usage_section_skips if {
	ctl.skip == {"the snapshot has no usage section (fetch --include usage)"} with input as f.tenant({})
	count(ctl.violation) == 0 with input as f.tenant({})
}

test_no_sign_ins_skips if {
	inp := with_days([day("2026-11-01T00:00:00Z", 0, 0)])
	ctl.skip == {"the usage section has no sign-ins in its period"} with input as inp
	count(ctl.violation) == 0 with input as inp
}

test_exactly_at_threshold_passes if {
	# 5 + 5 single-factor of 200 = 5.0%.
	inp := with_days([day("2026-11-01T00:00:00Z", 95, 5), day("2026-11-02T00:00:00Z", 95, 5)])
	count(ctl.violation) == 0 with input as inp
	count(ctl.skip) == 0 with input as inp
}

test_above_threshold_over_the_period_fails if {
	# One bad day (20%) and one good day (2%): 22 of 200 = 11%.
	vs := ctl.violation with input as with_days([day("2026-11-01T00:00:00Z", 80, 20), day("2026-11-02T00:00:00Z", 98, 2)])
	vs == {{
		"message": "11.0% of sign-ins were single-factor (22 of 200 over d7), above the maximum of 5.0%.",
		"value": 0.11,
		"threshold": 0.05,
	}}
}

test_just_above_threshold_fails if {
	count(ctl.violation) == 1 with input as with_days([day("2026-11-01T00:00:00Z", 949, 51)])
}

test_total_sign_ins_is_the_denominator if {
	# totalSignIns (100) counts sign-ins neither column holds: 6 of 100 fails, 6 of 200 would pass.
	d := {"createdDateTime": "2026-11-01T00:00:00Z", "multiFactorSignIns": 94, "singleFactorSignIns": 6, "totalSignIns": 100}
	count(ctl.violation) == 1 with input as with_days([d])
	count(ctl.violation) == 0 with input as with_days([object.union(d, {"totalSignIns": 200})])
}

test_contradictory_days_are_left_out if {
	# Microsoft's own example: 9900 multi-factor of 1000 sign-ins; a negative
	# count; a day after the period. Only the last day counts: 2 of 100.
	vs := ctl.violation with input as with_days([
		{"createdDateTime": "2026-11-01T00:00:00Z", "multiFactorSignIns": 9900, "singleFactorSignIns": 900, "totalSignIns": 1000},
		{"createdDateTime": "2026-10-31T00:00:00Z", "multiFactorSignIns": -5, "singleFactorSignIns": 50, "totalSignIns": 45},
		day("2026-11-09T00:00:00Z", 0, 90),
		day("2026-11-02T00:00:00Z", 98, 2),
	])
	count(vs) == 0
}
