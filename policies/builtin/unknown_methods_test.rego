package authgate.builtin.unknown_methods_test

import data.authgate.builtin.unknown_methods as ctl
import data.authgate.fixtures as f

test_known_names_pass if {
	every class, names in data.authgate.taxonomy.classes {
		count(ctl.violation) == 0 with input as f.scope("all", {"methods": {n: 1 | some n in names}})
		count(ctl.violation) == 0 with input as f.tenant({"usersRegisteredByMethod": [{
			"userTypes": "all", "userRoles": class,
			"userRegistrationMethodCounts": [{"authenticationMethod": n, "userCount": 1} | some n in names],
		}]})
	}
}

test_unknown_names_are_listed_once if {
	inp := f.tenant({
		"aggregates": {"scopes": {"all": f.counts({"methods": {"fido": 3, "email": 2}})}},
		"usersRegisteredByMethod": [
			{"userTypes": "all", "userRoles": "all", "userRegistrationMethodCounts": [
				{"authenticationMethod": "password", "userCount": 100},
				{"authenticationMethod": "windowsHellowForBusiness", "userCount": 0},
				{"authenticationMethod": "fido", "userCount": 3},
			]},
			{"userTypes": "member", "userRoles": "all", "userRegistrationMethodCounts": [
				{"authenticationMethod": "fido", "userCount": 3},
			]},
		],
	})
	vs := ctl.violation with input as inp
	vs == {
		{"message": "Method name \"fido\" is not in the method taxonomy (version 2026.11.0)."},
		{"message": "Method name \"windowsHellowForBusiness\" is not in the method taxonomy (version 2026.11.0)."},
	}
}

test_names_are_case_sensitive if {
	count(ctl.violation) == 1 with input as f.scope("all", {"methods": {"MobilePhone": 1}})
}

test_absent_method_summaries_pass if {
	count(ctl.violation) == 0 with input as object.remove(f.tenant({}), ["usersRegisteredByMethod"])
}
