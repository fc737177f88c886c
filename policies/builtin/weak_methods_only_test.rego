package authgate.builtin.weak_methods_only_test

import data.authgate.builtin.weak_methods_only as ctl
import data.authgate.fixtures as f

test_strong_method_passes if {
	count(ctl.violation) == 0 with input as f.users([f.user({"methodsRegistered": ["mobilePhone", "email", "microsoftAuthenticatorPush"]})])
}

test_no_methods_is_not_a_violation if {
	count(ctl.violation) == 0 with input as f.users([f.user({"methodsRegistered": [], "isMfaCapable": false})])
}

test_weak_only_fails if {
	vs := ctl.violation with input as f.users([
		f.user({"id": "w1", "methodsRegistered": ["mobilePhone", "email"]}),
		f.user({"id": "w2", "methodsRegistered": ["securityQuestion"], "userType": "guest"}),
		f.user({"id": "w3", "methodsRegistered": ["officePhone", "alternateMobilePhone"], "isAdmin": true}),
		f.user({"id": "ok", "methodsRegistered": ["email", "fido2SecurityKey"]}),
	])
	{v.subject.id | some v in vs} == {"w1", "w2", "w3"}
}

test_every_weak_method_alone_fails if {
	every m in data.authgate.taxonomy.classes.weak {
		count(ctl.violation) == 1 with input as f.users([f.user({"methodsRegistered": [m]})])
	}
}

test_unknown_method_is_not_weak if {
	count(ctl.violation) == 0 with input as f.users([f.user({"methodsRegistered": ["email", "someFutureMethod"]})])
}

test_message_lists_methods if {
	vs := ctl.violation with input as f.users([f.user({"methodsRegistered": ["mobilePhone", "email"]})])
	vs == {{
		"message": "User ana.lima@contoso.example has only weak methods registered: mobilePhone, email.",
		"subject": {"id": "00000000-0000-0000-0000-000000000001", "userPrincipalName": "ana.lima@contoso.example", "displayName": "Ana Lima"},
	}}
}
