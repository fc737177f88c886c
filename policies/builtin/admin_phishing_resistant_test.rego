package authgate.builtin.admin_phishing_resistant_test

import data.authgate.builtin.admin_phishing_resistant as ctl
import data.authgate.fixtures as f

test_each_phishing_resistant_method_passes if {
	every m in data.authgate.taxonomy.classes.phishingResistant {
		count(ctl.violation) == 0 with input as f.users([f.user({"isAdmin": true, "methodsRegistered": ["mobilePhone", m]})])
	}
}

test_admin_without_phishing_resistant_fails if {
	vs := ctl.violation with input as f.users([
		f.user({"id": "a1", "isAdmin": true, "methodsRegistered": ["microsoftAuthenticatorPush", "passKeySynced", "mobilePhone"]}),
		f.user({"id": "a2", "isAdmin": true, "methodsRegistered": []}),
		f.user({"id": "u3", "isAdmin": false, "methodsRegistered": []}),
	])
	{v.subject.id | some v in vs} == {"a1", "a2"}
}

test_method_names_are_case_sensitive if {
	# Graph spells method names in camelCase; another spelling is unknown
	# (AM-TAX-01 reports it), not phishing-resistant.
	vs := ctl.violation with input as f.users([f.user({"isAdmin": true, "methodsRegistered": ["FIDO2SecurityKey"]})])
	count(vs) == 1
}

test_non_admin_without_phishing_resistant_passes if {
	count(ctl.violation) == 0 with input as f.users([f.user({"methodsRegistered": ["email"]})])
}

test_message_names_upn if {
	vs := ctl.violation with input as f.users([f.user({"isAdmin": true, "methodsRegistered": []})])
	vs == {{
		"message": "Administrator ana.lima@contoso.example has no phishing-resistant method registered.",
		"subject": {"id": "00000000-0000-0000-0000-000000000001", "userPrincipalName": "ana.lima@contoso.example", "displayName": "Ana Lima"},
	}}
}

test_group_held_role_is_judged if {
	u := f.user({"methodsRegistered": ["microsoftAuthenticatorPush"], "directoryRoles": [{"description": "Helpdesk Administrator (active, via group Helpdesk-Operators)"}]})
	vs := ctl.violation with input as f.users([u])
	count(vs) == 1
	some v in vs
	contains(v.message, "[Helpdesk Administrator (active, via group Helpdesk-Operators)]")
}
