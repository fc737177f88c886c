# METADATA
# scope: package
# title: authgate helper library
# description: >-
#   Small helpers shared by the built-in controls: the violation subject of a
#   user, method-class tests against data.authgate.taxonomy, shares and
#   percentage formatting. Written for speed: set lookups, helper rules that
#   stop at the first match, no large values handed around.
package authgate.lib

# taxonomy is the method taxonomy (policies/data/taxonomy.json).
taxonomy := data.authgate.taxonomy

# phishing_resistant_methods is the phishingResistant class as a set.
phishing_resistant_methods := {m | some m in taxonomy.classes.phishingResistant}

# weak_methods is the weak class as a set.
weak_methods := {m | some m in taxonomy.classes.weak}

# known_methods is every method name the taxonomy classes.
known_methods := {m | some members in taxonomy.classes; some m in members}

# telephony_second_factors is the lower-cased set of SMS and voice values of
# systemPreferredAuthenticationMethods and
# userPreferredMethodForSecondaryAuthentication.
telephony_second_factors := {lower(m) | some m in taxonomy.telephonySecondFactors}

# admins are the administrators among the users under evaluation (a chunk of
# the per-user report, or all of it). It is computed once per evaluation and
# shared by the admin controls, which would otherwise each walk every user to
# find the one or two percent who are admins.
#
# An administrator is a user whose row says isAdmin, or, when the snapshot
# has a roles section, a user who holds or is eligible for a directory role,
# directly or through a role-assignable group: the evaluator then lists the
# roles in the row's directoryRoles (narrowed to privileged roles by the
# admin_roles_privileged_only parameter).
#
# Two walks with one plain test each cost less than one walk calling
# is_admin for every user: the users whose row says isAdmin, then the other
# role holders. Admins flagged in the row come first, each in input order.
admins := array.concat(
	[u | some u in input.userRegistrationDetails; u.isAdmin == true],
	[u | some u in input.userRegistrationDetails; _ = u.directoryRoles[0]; object.get(u, "isAdmin", null) != true],
)

# is_admin(u) is true when user u is in the administrator set.
is_admin(u) if u.isAdmin == true

is_admin(u) if count(object.get(u, "directoryRoles", [])) > 0

# roles_text(u) describes the directory roles user u holds or may activate
# ("Global Administrator (eligible, via group PIM-Admins)"), "" without.
roles_text(u) := concat("; ", sort([r.description | some r in object.get(u, "directoryRoles", [])]))

# admin_name(u) names administrator u in a message with the roles that make
# them one: "alice@contoso.com [Global Administrator (eligible)]".
admin_name(u) := sprintf("%s [%s]", [name(u), t]) if {
	t := roles_text(u)
	t != ""
} else := name(u)

# admin_subject(u) is the violation subject of administrator u: subject(u)
# plus, when the roles section makes them one, the roles' descriptions.
admin_subject(u) := object.union(subject(u), {"roles": sort([r.description | some r in u.directoryRoles])}) if {
	count(object.get(u, "directoryRoles", [])) > 0
} else := subject(u)

# is_member(u) is true when user u's userType is member, in any case (the
# service has varied the case of its enum values; the raw value is kept).
is_member(u) if lower(object.get(u, "userType", "")) == "member"

# subject(u) is the violation subject of user u.
subject(u) := {
	"id": object.get(u, "id", ""),
	"userPrincipalName": object.get(u, "userPrincipalName", ""),
	"displayName": object.get(u, "userDisplayName", ""),
}

# has_phishing_resistant(ms) is true when the method names ms include a
# phishing-resistant method.
has_phishing_resistant(ms) if {
	some m in ms
	phishing_resistant_methods[m]
}

# phishing_resistant(u) is true when user u registered a phishing-resistant method.
phishing_resistant(u) if has_phishing_resistant(u.methodsRegistered)

# has_not_weak(ms) is true when the method names ms include a method outside
# the weak class (a name the taxonomy does not know counts as not weak).
has_not_weak(ms) if {
	some m in ms
	not weak_methods[m]
}

# weak_only(u) is true when user u registered at least one method and every
# registered method is weak. A user with no methods is not weak-only.
weak_only(u) if {
	count(u.methodsRegistered) > 0
	not has_not_weak(u.methodsRegistered)
}

# is_telephony_second_factor(m) is true when the second-factor value m is SMS
# or voice, compared case-insensitively.
is_telephony_second_factor(m) if telephony_second_factors[lower(m)]

# share(n, d) is n / d. It is undefined when d is zero, so a control that
# compares a share over an empty scope produces no violation.
share(n, d) := n / d if d != 0

# unknown_note(c) says, inside the parentheses after a coverage share over
# the scope counts c of input.aggregates, how many users of the scope the
# share could not place or judge (a null isAdmin, userType or capability
# flag: AM-DQ-03 names them): ", 12 users unknown", or "" when none.
unknown_note(c) := sprintf(", %d users unknown", [n]) if {
	n := object.get(c, "unknown", 0)
	n > 1
}

unknown_note(c) := ", 1 user unknown" if object.get(c, "unknown", 0) == 1

unknown_note(c) := "" if object.get(c, "unknown", 0) == 0

# decimal1(x) formats the number x >= 0 with one decimal ("47.5"). sprintf's
# %f cannot be used: OPA hands integral numbers such as 1 to it as integers.
decimal1(x) := sprintf("%d.%d", [floor(t / 10), t % 10]) if t := round(x * 10)

# pct(x) formats the fraction x >= 0 as a percentage with one decimal ("95.0%").
pct(x) := sprintf("%s%%", [decimal1(x * 100)])

# name(u) names user u in a message: the UPN, or the id when the UPN is empty.
# Written with else, as admin_name and admin_subject are: OPA tries every
# body of a function that has none, and these run once per finding.
name(u) := upn if {
	upn := object.get(u, "userPrincipalName", "")
	upn != ""
} else := object.get(u, "id", "")

# count_of(c, k) is the count k of the COUNTS object c, 0 when absent.
count_of(c, k) := object.get(c, k, 0)

# usage_day_consistent(d) is true when the userMfaSignInSummary day d of
# input.usage holds its three counts, none negative, parts within the
# total, and a createdDateTime whose date lies in the usage period (dates
# compared as YYYY-MM-DD strings: no parse can fail on a hostile value). Other days contradict themselves: AM-DQ-04
# names them, and no share counts them.
usage_day_consistent(d) if {
	d.multiFactorSignIns >= 0
	d.singleFactorSignIns >= 0
	d.totalSignIns >= 0
	d.multiFactorSignIns + d.singleFactorSignIns <= d.totalSignIns
	is_string(d.createdDateTime)
	regex.match(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T`, d.createdDateTime)
	day := substring(d.createdDateTime, 0, 10)
	day >= substring(input.usage.start, 0, 10)
	day <= substring(input.usage.end, 0, 10)
}

# usage_method(m) is the usage reports' name (usageAuthMethod) of method m,
# given in either vocabulary: Graph's own userEventsSummary example names
# methodsRegistered's microsoftAuthenticatorPush where usageAuthMethod says
# appNotification. The taxonomy's usageMethodAliases is the one mapping.
usage_method(m) := object.get(object.get(taxonomy, "usageMethodAliases", {}), m, m)

# telephony_usage_methods are the SMS and voice usage method names.
telephony_usage_methods := {m | some m in object.get(taxonomy, "telephonyUsageMethods", [])}

# is_telephony_usage(m) is true when usage method m (either vocabulary) is
# SMS or voice.
is_telephony_usage(m) if telephony_usage_methods[usage_method(m)]
