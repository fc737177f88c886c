# Helpers of the controls on the authentication methods policy section
# (fetch --include policy): where a method configuration is, whom it allows,
# and why it does not allow someone. Unknown values count against
# compliance: a configuration whose state is not "enabled" does not allow
# anyone, and one whose state is not "disabled" is not disabled.
package authgate.lib

# get(o, k, d) is o[k], or d when o is not an object or has no k: Graph's
# nullable complex properties may be null where an object is expected.
get(o, k, d) := v if {
	is_object(o)
	v := object.get(o, k, d)
} else := d

# lc(x) is the lower-cased string x, or "" when x is not a string.
lc(x) := lower(x) if is_string(x)

else := ""

# policy_section is the snapshot's policy section, or null without one.
policy_section := object.get(input, "authenticationMethodsPolicy", null)

# policy_skip is why the controls on the policy cannot judge it, if they cannot.
policy_skip := "the snapshot has no authentication methods policy (fetch --include policy)" if not is_object(policy_section)

policy_skip := sprintf("the authentication methods policy was not fetched: %s", [get(policy_section, "reason", "")]) if {
	is_object(policy_section)
	get(policy_section, "source", "") != "graph"
}

# methods_policy is Graph's authenticationMethodsPolicy object ({} when absent).
methods_policy := p if {
	p := policy_section.policy
	is_object(p)
} else := {}

# configurations are the method configurations of the policy.
configurations := cs if {
	cs := methods_policy.authenticationMethodConfigurations
	is_array(cs)
} else := []

# config(id) is the configuration with that id (Graph's ids, compared
# case-insensitively: Fido2, MicrosoftAuthenticator, Sms, Voice, Email,
# TemporaryAccessPass, SoftwareOath, HardwareOath, X509Certificate); undefined
# when the policy has none.
config(id) := cs[0] if {
	cs := [c | some c in configurations; is_object(c); is_string(c.id); lower(c.id) == lower(id)]
	count(cs) > 0
}

# config_names are the names the Entra admin center gives the configurations.
config_names := {
	"sms": "SMS", "voice": "Voice call", "email": "Email OTP",
	"microsoftauthenticator": "Microsoft Authenticator", "fido2": "Passkey (FIDO2)",
	"temporaryaccesspass": "Temporary Access Pass", "softwareoath": "Third-party software OATH tokens",
	"hardwareoath": "Hardware OATH tokens", "x509certificate": "Certificate-based authentication",
}

config_name(id) := object.get(config_names, lower(id), id)

# config_state(c) is the lower-cased state of configuration c, "unknown"
# when it is missing or not a string.
config_state(c) := lower(s) if {
	s := get(c, "state", null)
	is_string(s)
} else := "unknown"

config_enabled(c) if config_state(c) == "enabled"

config_disabled(c) if config_state(c) == "disabled"

# targets(c, key) is the array c[key], or [] when it is missing or null.
targets(c, key) := ts if {
	ts := get(c, key, [])
	is_array(ts)
} else := []

all_users_id := "all_users"

no_group_id := "00000000-0000-0000-0000-000000000000"

target_type(t) := lower(tt) if {
	tt := get(t, "targetType", null)
	is_string(tt)
} else := "unknown"

is_all_users(t) if get(t, "id", "") == all_users_id

# in_target(t, u) is true when user u is in target t: all users, the user,
# or a group Graph listed them in (transitively). A group whose members
# were not fetched holds nobody known.
in_target(t, _) if is_all_users(t)

in_target(t, u) if {
	target_type(t) == "user"
	t.id == u.id
}

in_target(t, u) if {
	target_type(t) == "group"
	policy_section.groups[t.id].members[u.id]
}

# excluded_by(c, u) names the exclude targets of c user u is in.
excluded_by(c, u) := {describe_target(t) | some t in targets(c, "excludeTargets"); in_target(t, u)}

included(c, u) if {
	some t in targets(c, "includeTargets")
	in_target(t, u)
}

# allows(c, u) is true when configuration c lets user u use its method.
allows(c, u) if {
	config_enabled(c)
	included(c, u)
	count(excluded_by(c, u)) == 0
}

describe_target(t) := "all users" if is_all_users(t)

describe_target(t) := sprintf("%s %s", [target_type(t), get(t, "id", "")]) if not is_all_users(t)

# describe_targets(ts) lists targets for a message.
describe_targets(ts) := "nobody" if count(ts) == 0

describe_targets(ts) := concat(", ", sort({describe_target(t) | some t in ts})) if count(ts) > 0

# unresolved_groups are the target groups whose members were not fetched,
# with the reason.
unresolved_groups := {id: get(g, "reason", "") | some id, g in policy_section.groups; get(g, "source", "") != "graph"}

# method_configs maps the registered-method names of userRegistrationDetails
# to the configurations that may allow them. A method none of whose
# configurations the policy has (Windows Hello for Business, platform
# credentials, external methods, hardware OATH tokens in v1.0) is governed
# elsewhere and counts as usable.
method_configs := {
	"mobilePhone": ["Sms", "Voice"], "alternateMobilePhone": ["Voice"], "officePhone": ["Voice"],
	"microsoftAuthenticatorPush": ["MicrosoftAuthenticator"],
	"microsoftAuthenticatorPasswordless": ["MicrosoftAuthenticator"],
	"softwareOneTimePasscode": ["SoftwareOath", "MicrosoftAuthenticator"],
	"hardwareOneTimePasscode": ["HardwareOath"],
	"fido2SecurityKey": ["Fido2"], "passKeyDeviceBound": ["Fido2"], "passKeyDeviceBoundAuthenticator": ["Fido2"],
	"passKeyDeviceBoundWindowsHello": ["Fido2"], "passKeySynced": ["Fido2"],
	"email": ["Email"], "temporaryAccessPass": ["TemporaryAccessPass"],
}

governed(m) if {
	some id in method_configs[m]
	config(id)
}

# method_usable(m, u) is true when the policy lets user u use registered method m.
method_usable(m, _) if not governed(m)

method_usable(m, u) if {
	some id in method_configs[m]
	c := config(id)
	allows(c, u)
	office_ok(m, c)
}

office_ok(m, _) if m != "officePhone"

office_ok("officePhone", c) if get(c, "isOfficePhoneAllowed", false) == true

# config_reason(id, c, u, m) says why configuration c (id) does not let user
# u use method m.
config_reason(id, c, _, _) := sprintf("%s is %s", [config_name(id), config_state(c)]) if not config_enabled(c)

config_reason(id, c, u, _) := sprintf("%s excludes them (%s)", [config_name(id), concat(", ", sort(excluded_by(c, u)))]) if {
	config_enabled(c)
	count(excluded_by(c, u)) > 0
}

config_reason(id, c, u, _) := sprintf("%s includes only %s", [config_name(id), describe_targets(targets(c, "includeTargets"))]) if {
	config_enabled(c)
	count(excluded_by(c, u)) == 0
	not included(c, u)
}

config_reason(id, c, u, "officePhone") := sprintf("%s does not allow office phones", [config_name(id)]) if {
	allows(c, u)
	not office_ok("officePhone", c)
}

# method_reasons(m, u) says why user u cannot use registered method m.
method_reasons(m, u) := concat("; ", sort({r | some id in method_configs[m]; c := config(id); r := config_reason(id, c, u, m)}))
