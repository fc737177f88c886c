# METADATA
# scope: package
# title: Usage data must not contradict itself
# description: >-
#   One violation per day of the usage section's userMfaSignInSummary that
#   contradicts itself: a negative or missing count, multi-factor and
#   single-factor sign-ins that exceed the day's total, or a date outside the
#   period. Graph has published such rows (an example with 9900
#   multi-factor sign-ins of 1000). Such days are left out of every share
#   (AM-USE-02 and the outputs' daily multi-factor share), so no share
#   exceeds 100%; this control says how many were left out. Skipped when the
#   snapshot has no usage section.
# custom:
#   id: AM-DQ-04
#   severity: medium
#   scope: tenant
#   anchor: usage
#   remediation: >-
#     Fetch the usage section again (authgate fetch --include usage); if
#     Graph keeps returning the same contradictory rows, report them to
#     Microsoft and judge the sign-in mix from the sign-in logs instead.
#   references:
#     - id: MS-GRAPH-USER-MFA-SIGNIN-SUMMARY
#       description: Microsoft Graph (beta) authenticationMethodsRoot userMfaSignInSummary
#       url: https://learn.microsoft.com/graph/api/authenticationmethodsroot-list-usermfasigninsummary?view=graph-rest-beta
#     - id: NIST-800-53-SI-10
#       description: NIST SP 800-53 Rev. 5 SI-10, information input validation
#       url: https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final
package authgate.builtin.usage_consistency

import data.authgate.lib

has_usage if is_object(object.get(input, "usage", null))

skip contains "the snapshot has no usage section (fetch --include usage)" if not has_usage

days := d if {
	d := input.usage.userMfaSignInSummary
	is_array(d)
} else := []

violation contains v if {
	some i, d in days
	not lib.usage_day_consistent(d)
	v := {"message": sprintf("userMfaSignInSummary[%d] (%v) contradicts itself (a negative or missing count, parts above the total, or a date outside %s to %s): it is left out of every share.", [i, object.get(d, "createdDateTime", "no date"), input.usage.start, input.usage.end])}
}
