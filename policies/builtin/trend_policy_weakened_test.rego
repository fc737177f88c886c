package authgate.builtin.trend_policy_weakened_test

import data.authgate.builtin.trend_policy_weakened as ctl
import data.authgate.fixtures as f

base(p) := {"manifest": {"tenantId": "11111111-1111-1111-1111-111111111111", "fetchedAt": "2026-10-01T08:00:00Z"}, "authenticationMethodsPolicy": {"apiVersion": "v1.0", "source": "graph", "reason": "", "policy": p}}

test_unchanged_passes if {
	count(ctl.violation) == 0 with input as f.with_policy(f.hardened_policy) with data.authgate.baseline as base(f.hardened_policy)
	count(ctl.skip) == 0 with input as f.with_policy(f.hardened_policy) with data.authgate.baseline as base(f.hardened_policy)
}

test_passkeys_disabled_since_baseline_fails if {
	vs := ctl.violation with input as f.with_policy(f.bend("Fido2", {"state": "disabled"})) with data.authgate.baseline as base(f.hardened_policy)
	vs == {{"message": "Passkey (FIDO2) was enabled at the baseline of 2026-10-01T08:00:00Z and is disabled now: a phishing-resistant method was taken away."}}
}

test_passkeys_gone_fails if {
	count(ctl.violation) == 1 with input as f.with_policy(f.without("Fido2")) with data.authgate.baseline as base(f.hardened_policy)
}

test_sms_reenabled_fails if {
	vs := ctl.violation with input as f.with_policy(f.bend("Sms", {"state": "enabled"})) with data.authgate.baseline as base(f.hardened_policy)
	vs == {{"message": "SMS was disabled at the baseline of 2026-10-01T08:00:00Z and is enabled now: a retired weak method came back."}}
}

test_sms_enabled_on_both_sides_is_not_a_trend if {
	p := f.bend("Sms", {"state": "enabled"})
	count(ctl.violation) == 0 with input as f.with_policy(p) with data.authgate.baseline as base(p)
}

test_skips if {
	ctl.skip == {"no baseline snapshot was given (check --baseline FILE)"} with input as f.with_policy(f.hardened_policy)
	no_policy := {"manifest": {"tenantId": "11111111-1111-1111-1111-111111111111", "fetchedAt": "x"}}
	ctl.skip == {"the baseline snapshot has no authentication methods policy (fetch --include policy)"} with input as f.with_policy(f.hardened_policy) with data.authgate.baseline as no_policy
	ctl.skip == {"the snapshot has no authentication methods policy (fetch --include policy)"} with input as f.no_section with data.authgate.baseline as base(f.hardened_policy)
	other := object.union(base(f.hardened_policy), {"manifest": {"tenantId": "other"}})
	count(ctl.skip) == 1 with input as f.with_policy(f.hardened_policy) with data.authgate.baseline as other
}
