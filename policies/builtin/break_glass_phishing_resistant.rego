# METADATA
# scope: package
# title: Break-glass accounts must be present with a phishing-resistant method
# description: >-
#   Every emergency access (break-glass) account configured in
#   break_glass_accounts (object ids or UPNs, matched case-insensitively) must
#   appear in the per-user report and have a phishing-resistant method
#   registered. One violation per account that is missing (disabled and deleted
#   users are absent from the report) or has no phishing-resistant method.
#   Certificate-based authentication does not appear in methodsRegistered, so
#   an account protected only by it is reported too. Skipped when no account is
#   configured.
# custom:
#   id: AM-BG-01
#   severity: high
#   scope: tenant
#   remediation: >-
#     Check that each configured id or UPN names an enabled emergency access
#     account. Register at least one FIDO2 security key (better two, stored in
#     separate secure places) for each account, keep the accounts cloud-only and
#     excluded only from the Conditional Access policies Microsoft's emergency
#     access guidance names, and monitor their sign-ins.
#   references:
#     - id: CIS-M365-1.1.2
#       description: >-
#         CIS Microsoft 365 Foundations v4.0.0, 1.1.2: Ensure two emergency access
#         accounts have been defined
#       url: https://www.cisecurity.org/benchmark/microsoft_365
#     - id: CISA-SCuBA-MS.AAD.3.6v1
#       description: >-
#         CISA SCuBA Microsoft Entra ID baseline MS.AAD.3.6v1: phishing-resistant
#         MFA SHALL be required for highly privileged roles
#       url: https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md
#     - id: NIST-800-53-IA-2(1)
#       description: >-
#         NIST SP 800-53 Rev. 5 IA-2(1): multi-factor authentication to
#         privileged accounts
#       url: https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final
#     - id: MS-ENTRA-EMERGENCY-ACCESS
#       description: Manage emergency access admin accounts in Microsoft Entra ID
#       url: https://learn.microsoft.com/entra/identity/role-based-access-control/security-emergency-access
#   params:
#     break_glass_accounts: []
package authgate.builtin.break_glass_phishing_resistant

import data.authgate.lib

skip contains "no break-glass accounts are configured (parameter break_glass_accounts)" if {
	count(data.authgate.params.break_glass_accounts) == 0
}

skip contains "the evaluator provided no aggregates.accounts to match break-glass accounts against" if {
	count(data.authgate.params.break_glass_accounts) > 0
	not has_accounts
}

# has_accounts is true when the evaluator provided aggregates.accounts.
has_accounts if is_object(input.aggregates.accounts)

violation contains v if {
	some entry in data.authgate.params.break_glass_accounts
	object.get(input.aggregates.accounts, entry, null) == null
	v := {
		"message": sprintf("Break-glass account %s is missing from the per-user registration report (disabled, deleted or mistyped).", [entry]),
		"subject": missing_subject(entry),
	}
}

violation contains v if {
	some entry in data.authgate.params.break_glass_accounts
	u := input.aggregates.accounts[entry]
	u != null
	not lib.phishing_resistant(u)
	v := {
		"message": sprintf("Break-glass account %s has no phishing-resistant method registered.", [lib.name(u)]),
		"subject": lib.subject(u),
	}
}

# missing_subject(entry) is the subject of an account absent from the report:
# a UPN when entry contains "@", else an object id.
missing_subject(entry) := {"id": "", "userPrincipalName": entry, "displayName": ""} if contains(entry, "@")

missing_subject(entry) := {"id": entry, "userPrincipalName": "", "displayName": ""} if not contains(entry, "@")
