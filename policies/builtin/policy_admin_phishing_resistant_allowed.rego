# METADATA
# scope: package
# title: Administrators must be allowed a phishing-resistant method
# description: >-
#   No administrator may be left out of every phishing-resistant method
#   configuration of the authentication methods policy (Passkey (FIDO2) and
#   certificate-based authentication): excluded directly or through a group,
#   or not included. Such an administrator cannot register or use a
#   phishing-resistant method, whatever the Conditional Access policies
#   require, and a passkey they registered does not protect them. Judged when
#   at least one such configuration is enabled (AM-POL-05 judges a tenant
#   where none is). Skipped without a policy section, or when a target group
#   could not be resolved.
# custom:
#   id: AM-POL-12
#   severity: high
#   scope: user
#   remediation: >-
#     Take each listed administrator out of the exclusion (or add them to an
#     include target) of Passkey (FIDO2) or certificate-based authentication,
#     then have them register a passkey.
#   references:
#     - id: MS.AAD.3.6v1
#       description: >-
#         CISA SCuBA Microsoft Entra ID baseline MS.AAD.3.6v1: phishing-resistant
#         MFA SHALL be required for highly privileged roles
#       url: https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md
#     - id: EIDSCA.AF01
#       description: Maester EIDSCA.AF01, Authentication Method - FIDO2 security key - State
#       url: https://maester.dev/docs/tests/EIDSCA.AF01
package authgate.builtin.policy_admin_phishing_resistant_allowed

import data.authgate.lib

skip contains lib.policy_skip

skip contains sprintf("target groups could not be resolved to their users: %s", [concat("; ", sort({sprintf("%s: %s", [id, r]) | some id, r in lib.unresolved_groups}))]) if {
	not lib.policy_skip
	count(lib.unresolved_groups) > 0
}

resistant := [id | some id in ["Fido2", "X509Certificate"]; lib.config(id)]

some_enabled if {
	some id in resistant
	lib.config_enabled(lib.config(id))
}

violation contains v if {
	not lib.policy_skip
	count(lib.unresolved_groups) == 0
	some_enabled
	some u in lib.admins
	not allowed_any(u)
	reasons := concat("; ", sort({lib.config_reason(id, lib.config(id), u, "") | some id in resistant}))
	v := {
		"message": sprintf("Administrator %s cannot use any phishing-resistant method: %s.%s", [lib.name(u), reasons, registered(u)]),
		"subject": lib.subject(u),
	}
}

allowed_any(u) if {
	some id in resistant
	lib.allows(lib.config(id), u)
}

registered(u) := sprintf(" They registered %s, which the policy does not let them use.", [concat(", ", sort(ms))]) if {
	ms := {m | some m in u.methodsRegistered; lib.phishing_resistant_methods[m]; m in {"fido2SecurityKey", "passKeyDeviceBound", "passKeyDeviceBoundAuthenticator", "passKeyDeviceBoundWindowsHello"}}
	count(ms) > 0
} else := ""
