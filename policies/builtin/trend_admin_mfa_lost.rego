# METADATA
# scope: package
# title: Administrators must stay MFA-capable
# description: >-
#   Compared with the baseline snapshot (check --baseline), every user who was
#   an administrator and MFA-capable (isMfaCapable) in the baseline, and is an
#   administrator now, must still be MFA-capable. One violation per admin who
#   lost it. Skipped without a baseline or when the baseline is of another
#   tenant.
# custom:
#   id: AM-TRD-02
#   severity: high
#   scope: user
#   remediation: >-
#     Find out how each listed administrator lost their strong method since the
#     baseline: check the Audit logs for deleted authentication methods (a
#     deleted method can be an attacker removing the owner's factor), and the
#     Authentication methods policy for a method disabled for them. Have them
#     re-register a phishing-resistant method, using a Temporary Access Pass,
#     and review their recent sign-ins.
#   references:
#     - id: CIS-M365-5.2.2.1
#       description: >-
#         CIS Microsoft 365 Foundations v4.0.0, 5.2.2.1: Ensure multifactor
#         authentication is enabled for all users in administrative roles
#       url: https://www.cisecurity.org/benchmark/microsoft_365
#     - id: NIST-800-53-IA-2(1)
#       description: >-
#         NIST SP 800-53 Rev. 5 IA-2(1): multi-factor authentication to
#         privileged accounts
#       url: https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final
#     - id: NIST-800-53-CA-7
#       description: >-
#         NIST SP 800-53 Rev. 5 CA-7: continuous monitoring, including trend
#         analyses of security controls
#       url: https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final
package authgate.builtin.trend_admin_mfa_lost

import data.authgate.lib

skip contains "no baseline snapshot was given (check --baseline FILE)" if not data.authgate.baseline

skip contains sprintf("the baseline is a snapshot of tenant %s, not %s", [b.manifest.tenantId, input.manifest.tenantId]) if {
	b := data.authgate.baseline
	b.manifest.tenantId != input.manifest.tenantId
}

violation contains v if {
	b := data.authgate.baseline
	some u in lib.admins
	not u.isMfaCapable
	b.admins[u.id].isMfaCapable == true
	v := {
		"message": sprintf("Administrator %s was MFA-capable in the baseline of %s and is not any more.", [lib.name(u), b.manifest.fetchedAt]),
		"subject": lib.subject(u),
	}
}
