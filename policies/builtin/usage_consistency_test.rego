package authgate.builtin.usage_consistency_test

import data.authgate.builtin.usage_consistency as ctl
import data.authgate.fixtures as f

with_days(days) := f.tenant({"usage": {
	"period": "d7", "start": "2026-10-26T08:00:00Z", "end": "2026-11-02T08:00:00Z",
	"userRegistrationActivity": [], "activitySource": "derived",
	"userMfaSignInSummary": days, "userSignInsByAuthMethodSummary": null, "signInsSource": "omitted",
}})

test_no_usage_skips if {
	count(ctl.skip) == 1 with input as f.tenant({})
	count(ctl.violation) == 0 with input as f.tenant({})
}

test_consistent_days_pass if {
	count(ctl.violation) == 0 with input as with_days([
		{"createdDateTime": "2026-10-26T00:00:00Z", "multiFactorSignIns": 90, "singleFactorSignIns": 10, "totalSignIns": 100},
		{"createdDateTime": "2026-11-02T00:00:00Z", "multiFactorSignIns": 0, "singleFactorSignIns": 0, "totalSignIns": 0},
	])
}

test_each_contradictory_day_is_named if {
	vs := ctl.violation with input as with_days([
		{"createdDateTime": "2026-11-01T00:00:00Z", "multiFactorSignIns": 9900, "singleFactorSignIns": 0, "totalSignIns": 1000},
		{"createdDateTime": "2026-10-31T00:00:00Z", "multiFactorSignIns": -1, "singleFactorSignIns": 0, "totalSignIns": 0},
		{"createdDateTime": "2026-10-30T00:00:00Z", "singleFactorSignIns": 0, "totalSignIns": 0},
		{"createdDateTime": "2026-11-20T00:00:00Z", "multiFactorSignIns": 1, "singleFactorSignIns": 0, "totalSignIns": 1},
		{"createdDateTime": "yesterday", "multiFactorSignIns": 1, "singleFactorSignIns": 0, "totalSignIns": 1},
		{"createdDateTime": "2026-10-29T00:00:00Z", "multiFactorSignIns": 1, "singleFactorSignIns": 0, "totalSignIns": 1},
	])
	count(vs) == 5
	some v in vs
	startswith(v.message, "userMfaSignInSummary[0] (2026-11-01T00:00:00Z) contradicts itself")
}
