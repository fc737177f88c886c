package authgate.builtin.admin_telephony_second_factor_test

import data.authgate.builtin.admin_telephony_second_factor as ctl
import data.authgate.fixtures as f

admin(o) := f.user(object.union({"isAdmin": true}, o))

test_system_preferred_push_passes if {
	# the user-preferred method is ignored while system-preferred MFA is on
	count(ctl.violation) == 0 with input as f.users([admin({
		"systemPreferredAuthenticationMethods": ["push"],
		"userPreferredMethodForSecondaryAuthentication": "sms",
	})])
}

test_system_preferred_sms_fails if {
	vs := ctl.violation with input as f.users([admin({
		"systemPreferredAuthenticationMethods": ["sms"],
		"userPreferredMethodForSecondaryAuthentication": "push",
	})])
	vs == {{
		"message": "Administrator ana.lima@contoso.example uses sms (system-preferred) as second factor.",
		"subject": {"id": "00000000-0000-0000-0000-000000000001", "userPrincipalName": "ana.lima@contoso.example", "displayName": "Ana Lima"},
	}}
}

test_every_telephony_value_fails if {
	every m in ["sms", "voiceMobile", "voiceAlternateMobile", "voiceOffice"] {
		count(ctl.violation) == 1 with input as f.users([admin({"systemPreferredAuthenticationMethods": [m]})])
		count(ctl.violation) == 1 with input as f.users([admin({
			"isSystemPreferredAuthenticationMethodEnabled": false,
			"userPreferredMethodForSecondaryAuthentication": m,
		})])
	}
}

test_system_preferred_is_case_insensitive if {
	count(ctl.violation) == 1 with input as f.users([admin({"systemPreferredAuthenticationMethods": ["SMS"]})])
	count(ctl.violation) == 1 with input as f.users([admin({"systemPreferredAuthenticationMethods": ["VoiceMobile"]})])
	count(ctl.violation) == 0 with input as f.users([admin({"systemPreferredAuthenticationMethods": ["PhoneAppNotification"]})])
}

test_any_system_preferred_telephony_value_fails if {
	vs := ctl.violation with input as f.users([admin({"systemPreferredAuthenticationMethods": ["push", "voiceOffice"]})])
	some v in vs
	contains(v.message, "voiceOffice (system-preferred)")
}

test_system_preferred_empty_passes if {
	count(ctl.violation) == 0 with input as f.users([admin({
		"systemPreferredAuthenticationMethods": [],
		"userPreferredMethodForSecondaryAuthentication": "sms",
	})])
}

test_user_preferred_when_system_preferred_disabled if {
	# system-preferred values are ignored while it is off
	vs := ctl.violation with input as f.users([admin({
		"isSystemPreferredAuthenticationMethodEnabled": false,
		"systemPreferredAuthenticationMethods": ["push"],
		"userPreferredMethodForSecondaryAuthentication": "Sms",
	})])
	some v in vs
	v.message == "Administrator ana.lima@contoso.example uses Sms (user-preferred) as second factor."
	count(ctl.violation) == 0 with input as f.users([admin({
		"isSystemPreferredAuthenticationMethodEnabled": false,
		"systemPreferredAuthenticationMethods": ["sms"],
		"userPreferredMethodForSecondaryAuthentication": "oath",
	})])
}

test_unset_user_preferred_passes if {
	count(ctl.violation) == 0 with input as f.users([admin({
		"isSystemPreferredAuthenticationMethodEnabled": false,
		"userPreferredMethodForSecondaryAuthentication": "",
	})])
}

test_non_admin_passes if {
	count(ctl.violation) == 0 with input as f.users([f.user({"systemPreferredAuthenticationMethods": ["sms"]})])
}
