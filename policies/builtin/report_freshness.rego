# METADATA
# scope: package
# title: The per-user report must be fresh
# description: >-
#   The oldest lastUpdatedDateTime of the per-user report must not be older
#   than the snapshot's fetchedAt minus max_report_lag_hours: Graph refreshes
#   the report in the background, and a stale report judges yesterday's
#   tenant. The value is the lag in hours. Skipped when the report has no users.
# custom:
#   id: AM-DQ-01
#   severity: high
#   scope: tenant
#   remediation: >-
#     Fetch a new snapshot. If Graph itself serves stale rows (it refreshes the
#     report every few hours; large tenants can lag longer), fetch again later,
#     and raise max_report_lag_hours only when the lag of your tenant is known
#     and accepted.
#   references:
#     - id: NIST-800-53-CA-7
#       description: NIST SP 800-53 Rev. 5 CA-7, continuous monitoring
#       url: https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final
#     - id: MS-GRAPH-USER-REGISTRATION-DETAILS
#       description: Microsoft Graph userRegistrationDetails resource type
#       url: https://learn.microsoft.com/graph/api/resources/userregistrationdetails
#   params:
#     max_report_lag_hours: 48
#   param_schema:
#     max_report_lag_hours: {minimum: 0}
package authgate.builtin.report_freshness

import data.authgate.lib

skip contains "the per-user report has no users" if input.aggregates.lastUpdatedDateTime == null

# ns_per_hour is the number of nanoseconds in an hour.
ns_per_hour := 3600000000000

violation contains v if {
	oldest := input.aggregates.lastUpdatedDateTime.min
	lag := (time.parse_rfc3339_ns(input.manifest.fetchedAt) - time.parse_rfc3339_ns(oldest)) / ns_per_hour
	threshold := data.authgate.params.max_report_lag_hours
	lag > threshold
	v := {
		"message": sprintf("The oldest per-user row was refreshed at %s, %s hours before the fetch at %s; the maximum lag is %v hours.", [oldest, lib.decimal1(lag), input.manifest.fetchedAt, threshold]),
		"value": lag,
		"threshold": threshold,
	}
}
