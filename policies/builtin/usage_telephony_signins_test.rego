package authgate.builtin.usage_telephony_signins_test

import data.authgate.builtin.usage_telephony_signins as ctl
import data.authgate.fixtures as f

with_signins(rows, source) := f.tenant({"usage": {
	"period": "d30", "start": "2026-10-03T08:00:00Z", "end": "2026-11-02T08:00:00Z",
	"userRegistrationActivity": [], "activitySource": "graph",
	"userMfaSignInSummary": [], "userSignInsByAuthMethodSummary": rows, "signInsSource": source,
}})

m(name, n) := {"authenticationMethod": name, "successActivityCount": n}

test_no_usage_section_skips if {
	ctl.skip == {"the snapshot has no usage section (fetch --include usage)"} with input as f.tenant({})
	count(ctl.violation) == 0 with input as f.tenant({})
}

test_app_only_snapshot_skips if {
	inp := with_signins(null, "omitted")
	ctl.skip == {"the snapshot has no sign-ins per method: Graph gives them to delegated fetches only"} with input as inp
	count(ctl.violation) == 0 with input as inp
}

test_no_sign_ins_skips if {
	ctl.skip == {"the usage section has no successful sign-ins in its period"} with input as with_signins([m("sms", 0)], "graph")
}

test_exactly_at_threshold_passes if {
	inp := with_signins([m("microsoftAuthenticatorPush", 80), m("sms", 20)], "graph")
	count(ctl.violation) == 0 with input as inp
	count(ctl.skip) == 0 with input as inp
}

test_sms_and_voice_count_together if {
	vs := ctl.violation with input as with_signins(
		[
			m("password", 400), m("microsoftAuthenticatorPush", 390),
			m("sms", 100), m("mobilePhone", 50), m("officePhone", 30), m("alternateMobilePhone", 20), m("smsSignIn", 10),
		],
		"graph",
	)
	vs == {{
		"message": "21.0% of successful sign-ins used SMS or voice (210 of 1000 over d30), above the maximum of 20.0%.",
		"value": 0.21,
		"threshold": 0.2,
	}}
}

test_usage_auth_method_names_count if {
	count(ctl.violation) == 1 with input as with_signins([m("mobileSMS", 11), m("mobileCall", 5), m("alternateMobileCall", 5), m("appNotification", 79)], "graph")
}

test_other_methods_do_not_count if {
	count(ctl.violation) == 0 with input as with_signins([m("email", 50), m("oneTimePasscode", 50)], "graph")
}

test_both_vocabularies_classify_alike if {
	# mobilePhone (methodsRegistered) and mobileSMS (usageAuthMethod) are both
	# telephony; microsoftAuthenticatorPush and appNotification neither: 50 of 200.
	vs := ctl.violation with input as with_signins([m("mobilePhone", 25), m("mobileSMS", 25), m("microsoftAuthenticatorPush", 75), m("appNotification", 75)], "graph")
	count(vs) == 1
	some v in vs
	v.value == 0.25
}
