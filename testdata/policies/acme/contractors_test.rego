package authgate.acme.contractors_test

import data.authgate.acme.contractors as ctl
import data.authgate.fixtures as f

contractor := {"userPrincipalName": "kim@Contractors.Acme.Example", "methodsRegistered": ["mobilePhone"]}

test_contractor_without_phishing_resistant_fails if {
	vs := ctl.violation with input as f.users([f.user(contractor)])
	vs == {{
		"message": "Contractor kim@Contractors.Acme.Example has no phishing-resistant method registered.",
		"subject": {"id": "00000000-0000-0000-0000-000000000001", "userPrincipalName": "kim@Contractors.Acme.Example", "displayName": "Ana Lima"},
	}}
}

test_contractor_with_security_key_passes if {
	u := f.user(object.union(contractor, {"methodsRegistered": ["fido2SecurityKey"]}))
	count(ctl.violation) == 0 with input as f.users([u])
}

test_employee_is_not_judged if {
	u := f.user({"methodsRegistered": ["mobilePhone"]})
	count(ctl.violation) == 0 with input as f.users([u])
}

test_suffix_is_a_parameter if {
	u := f.user({"userPrincipalName": "lee@partners.example", "methodsRegistered": []})
	count(ctl.violation) == 1 with input as f.users([u])
		with data.authgate.params.contractor_upn_suffix as "@partners.example"
}
