# METADATA
# scope: package
# title: Member passwordless coverage must not fall
# description: >-
#   Compared with the baseline snapshot (check --baseline), the share of member
#   users (userType member) who are passwordless-capable must not fall by more
#   than max_passwordless_drop, in absolute share points: 0.01 allows a fall
#   from 40.0% to 39.0% but not to 38.9%. Skipped without a baseline, when the
#   baseline is of another tenant, or when either report has no members.
# custom:
#   id: AM-TRD-01
#   severity: medium
#   scope: tenant
#   remediation: >-
#     Find out why members lost their passwordless methods since the baseline:
#     compare the two snapshots with `authgate diff OLD NEW`, check the Audit
#     logs for deleted passkeys, Windows Hello for Business or Microsoft
#     Authenticator registrations, and for changes to the Authentication methods
#     policy that disabled a passwordless method for a group. Re-enable the
#     methods and run a registration campaign for the users concerned.
#   references:
#     - id: CISA-SCuBA-MS.AAD.3.1v1
#       description: >-
#         CISA SCuBA Microsoft Entra ID baseline MS.AAD.3.1v1: phishing-resistant
#         MFA SHALL be enforced for all users
#       url: https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md
#     - id: NIST-800-53-CA-7
#       description: >-
#         NIST SP 800-53 Rev. 5 CA-7: continuous monitoring, including trend
#         analyses of security controls
#       url: https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final
#     - id: MS-ENTRA-AUTH-METHODS-ACTIVITY
#       description: Authentication methods activity report
#       url: https://learn.microsoft.com/entra/identity/authentication/howto-authentication-methods-activity
#   params:
#     max_passwordless_drop: 0.01
#   param_schema:
#     max_passwordless_drop: {minimum: 0, maximum: 1}
package authgate.builtin.trend_passwordless_drop

import data.authgate.lib

skip contains "no baseline snapshot was given (check --baseline FILE)" if not data.authgate.baseline

skip contains sprintf("the baseline is a snapshot of tenant %s, not %s", [b.manifest.tenantId, input.manifest.tenantId]) if {
	b := data.authgate.baseline
	b.manifest.tenantId != input.manifest.tenantId
}

skip contains "the baseline's per-user report has no member users" if data.authgate.baseline.aggregates.scopes.member.users == 0

skip contains "the per-user report has no member users" if input.aggregates.scopes.member.users == 0

# epsilon absorbs floating-point rounding, so that a fall of exactly the
# allowed points (0.40 - 0.39) passes.
epsilon := 0.000000001

violation contains v if {
	b := data.authgate.baseline
	before := lib.share(b.aggregates.scopes.member.passwordlessCapable, b.aggregates.scopes.member.users)
	c := input.aggregates.scopes.member
	now := lib.share(c.passwordlessCapable, c.users)
	drop := before - now
	threshold := data.authgate.params.max_passwordless_drop
	drop - threshold > epsilon
	v := {
		"message": sprintf("Passwordless-capable members fell from %s to %s (%d of %d%s) since the baseline of %s: %s points, more than the %s allowed.", [lib.pct(before), lib.pct(now), c.passwordlessCapable, c.users, lib.unknown_note(c), b.manifest.fetchedAt, lib.decimal1(drop * 100), lib.decimal1(threshold * 100)]),
		"value": drop,
		"threshold": threshold,
	}
}
