# METADATA
# scope: package
# title: Registered MFA methods must be ones the policy lets the user use
# description: >-
#   A user who is not MFA-capable although they registered MFA methods, none
#   of which the authentication methods policy lets them use (the method is
#   disabled, excludes them directly or through a group, includes only
#   others, or is Voice call to an office phone where office phones are not
#   allowed), is named with why each method is refused and which strong
#   method the policy would let them register. This is why isMfaCapable is
#   false for them. Skipped without a policy section, or when a target group
#   could not be resolved to its members.
# custom:
#   id: AM-POL-10
#   severity: high
#   scope: user
#   remediation: >-
#     For each listed user, either change the authentication methods policy so
#     that one of their registered methods is allowed to them (enable it,
#     include them, or take them out of the excluded group), or have them
#     register a strong method the policy allows them (Microsoft Authenticator
#     or a passkey) with a Temporary Access Pass.
#   references:
#     - id: MS-GRAPH-USER-REGISTRATION-DETAILS
#       description: >-
#         Microsoft Graph userRegistrationDetails: isMfaCapable is true when the
#         user registered a strong method that the authentication methods policy allows
#       url: https://learn.microsoft.com/graph/api/resources/userregistrationdetails
#     - id: MS-ENTRA-AUTH-METHODS-MANAGE
#       description: Microsoft Entra, manage authentication methods (targets and exclusions)
#       url: https://learn.microsoft.com/entra/identity/authentication/concept-authentication-methods-manage
package authgate.builtin.policy_registered_unusable

import data.authgate.lib

skip contains lib.policy_skip

skip contains sprintf("target groups could not be resolved to their users: %s", [concat("; ", sort({sprintf("%s: %s", [id, r]) | some id, r in lib.unresolved_groups}))]) if {
	not lib.policy_skip
	count(lib.unresolved_groups) > 0
}

mfa_methods := {m | some m in lib.taxonomy.classes.mfa}

strong := ["MicrosoftAuthenticator", "Fido2"]

violation contains v if {
	not lib.policy_skip
	count(lib.unresolved_groups) == 0
	some u in input.userRegistrationDetails
	u.isMfaCapable == false
	registered := {m | some m in u.methodsRegistered; mfa_methods[m]}
	count(registered) > 0
	not any_usable(registered, u)
	reasons := concat("; ", sort({sprintf("%s: %s", [m, lib.method_reasons(m, u)]) | some m in registered}))
	v := {
		"message": sprintf("%s registered %s but the authentication methods policy lets them use none of them (%s). %s", [lib.name(u), concat(", ", sort(registered)), reasons, advice(u)]),
		"subject": lib.subject(u),
	}
}

any_usable(ms, u) if {
	some m in ms
	lib.method_usable(m, u)
}

allowed_strong(u) := {lib.config_name(id) | some id in strong; lib.allows(lib.config(id), u)}

advice(u) := sprintf("Enable one of them for them, or have them register %s, which the policy allows them.", [concat(" or ", sort(allowed_strong(u)))]) if count(allowed_strong(u)) > 0

advice(u) := "Enable one of them for them: the policy allows them neither Microsoft Authenticator nor passkeys." if count(allowed_strong(u)) == 0
