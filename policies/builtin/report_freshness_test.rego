package authgate.builtin.report_freshness_test

import data.authgate.builtin.report_freshness as ctl
import data.authgate.fixtures as f

at(oldest, fetched) := f.tenant({
	"manifest": {"fetchedAt": fetched},
	"aggregates": {"lastUpdatedDateTime": {"min": oldest, "max": fetched}},
})

test_fresh_passes if {
	count(ctl.violation) == 0 with input as f.tenant({})
	count(ctl.skip) == 0 with input as f.tenant({})
}

test_exactly_at_threshold_passes if {
	count(ctl.violation) == 0 with input as at("2026-10-31T08:00:00Z", "2026-11-02T08:00:00Z")
}

test_one_second_over_fails if {
	vs := ctl.violation with input as at("2026-10-31T07:59:59Z", "2026-11-02T08:00:00Z")
	some v in vs
	v.threshold == 48
	v.value == 48 + (1 / 3600)
	v.message == "The oldest per-user row was refreshed at 2026-10-31T07:59:59Z, 48.0 hours before the fetch at 2026-11-02T08:00:00Z; the maximum lag is 48 hours."
}

test_stale_fails_with_lag_in_hours if {
	vs := ctl.violation with input as at("2026-10-30T20:00:00.1234567Z", "2026-11-02T08:00:00Z")
	some v in vs
	v.message == "The oldest per-user row was refreshed at 2026-10-30T20:00:00.1234567Z, 60.0 hours before the fetch at 2026-11-02T08:00:00Z; the maximum lag is 48 hours."
}

test_offsets_compare_as_instants if {
	# 2026-11-01T10:00:00+02:00 is 08:00Z: exactly 24 hours
	inp := at("2026-11-01T10:00:00+02:00", "2026-11-02T08:00:00Z")
	count(ctl.violation) == 0 with input as inp with data.authgate.params.max_report_lag_hours as 24
	count(ctl.violation) == 1 with input as inp with data.authgate.params.max_report_lag_hours as 23.5
}

test_no_users_skips if {
	inp := f.tenant({"aggregates": {"lastUpdatedDateTime": null}})
	ctl.skip == {"the per-user report has no users"} with input as inp
	count(ctl.violation) == 0 with input as inp
}
