package authgate.builtin.trend_passwordless_drop_test

import data.authgate.builtin.trend_passwordless_drop as ctl
import data.authgate.fixtures as f

# baseline(members) is a baseline of the fixture tenant whose member counts
# are members merged over f.counts.
baseline(members) := {
	"manifest": {"tenantId": "11111111-1111-1111-1111-111111111111", "fetchedAt": "2026-10-02T08:00:00Z"},
	"users": 100,
	"aggregates": {"users": 100, "scopes": {"member": f.counts(members)}},
	"admins": {},
}

test_no_baseline_skips if {
	ctl.skip == {"no baseline snapshot was given (check --baseline FILE)"} with input as f.tenant({})
}

test_steady_passes if {
	count(ctl.skip) == 0 with input as f.scope("member", {"users": 100, "passwordlessCapable": 40})
		with data.authgate.baseline as baseline({"users": 100, "passwordlessCapable": 40})
	count(ctl.violation) == 0 with input as f.scope("member", {"users": 100, "passwordlessCapable": 40})
		with data.authgate.baseline as baseline({"users": 100, "passwordlessCapable": 40})
}

test_rise_passes if {
	count(ctl.violation) == 0 with input as f.scope("member", {"users": 100, "passwordlessCapable": 90})
		with data.authgate.baseline as baseline({"users": 100, "passwordlessCapable": 40})
}

test_drop_of_exactly_one_point_passes if {
	count(ctl.violation) == 0 with input as f.scope("member", {"users": 1000, "passwordlessCapable": 390})
		with data.authgate.baseline as baseline({"users": 1000, "passwordlessCapable": 400})
}

test_drop_beyond_one_point_fails if {
	vs := ctl.violation with input as f.scope("member", {"users": 1000, "passwordlessCapable": 389})
		with data.authgate.baseline as baseline({"users": 1000, "passwordlessCapable": 400})
	count(vs) == 1
	some v in vs
	v.message == "Passwordless-capable members fell from 40.0% to 38.9% (389 of 1000) since the baseline of 2026-10-02T08:00:00Z: 1.1 points, more than the 1.0 allowed."
	v.threshold == 0.01
	abs(v.value - 0.011) < 0.000001
}

test_share_not_count_matters if {
	# more members, same share: no drop
	count(ctl.violation) == 0 with input as f.scope("member", {"users": 2000, "passwordlessCapable": 800})
		with data.authgate.baseline as baseline({"users": 1000, "passwordlessCapable": 400})
}

test_param_raises_allowance if {
	count(ctl.violation) == 0 with input as f.scope("member", {"users": 100, "passwordlessCapable": 35})
		with data.authgate.baseline as baseline({"users": 100, "passwordlessCapable": 40})
		with data.authgate.params.max_passwordless_drop as 0.05
}

test_other_tenant_skips if {
	b := object.union(baseline({}), {"manifest": {"tenantId": "22222222-2222-2222-2222-222222222222"}})
	ctl.skip == {"the baseline is a snapshot of tenant 22222222-2222-2222-2222-222222222222, not 11111111-1111-1111-1111-111111111111"} with input as f.tenant({})
		with data.authgate.baseline as b
}

test_empty_scopes_skip if {
	ctl.skip == {"the baseline's per-user report has no member users"} with input as f.tenant({})
		with data.authgate.baseline as baseline({"users": 0, "passwordlessCapable": 0})
	ctl.skip == {"the per-user report has no member users"} with input as f.scope("member", {"users": 0, "passwordlessCapable": 0})
		with data.authgate.baseline as baseline({})
}
