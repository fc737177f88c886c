package authgate.builtin.unknown_values_test

import data.authgate.builtin.unknown_values as ctl
import data.authgate.fixtures as f

test_complete_rows_pass if {
	count(ctl.violation) == 0 with input as f.users([f.user({}), f.user({"id": "g", "userType": "guest"})])
}

test_each_user_with_unknowns_is_named_once if {
	vs := ctl.violation with input as f.users([
		f.user({"id": "a", "isAdmin": null, "@authgate.unknown": ["isAdmin"]}),
		f.user({"id": "b", "isMfaCapable": false, "@authgate.unknown": ["isMfaCapable", "methodsRegistered"]}),
		f.user({"id": "c", "userType": "unknownFutureValue", "@authgate.unknown": ["userType"]}),
		f.user({"id": "d", "userType": "", "@authgate.unknown": ["userType"]}),
		f.user({"id": "e"}),
	])
	{v.subject.id: v.message | some v in vs} == {
		"a": "User ana.lima@contoso.example: the per-user report leaves isAdmin (null) unknown, so the other controls cannot vouch for this user.",
		"b": "User ana.lima@contoso.example: the per-user report leaves isMfaCapable (null), methodsRegistered (null) unknown, so the other controls cannot vouch for this user.",
		"c": "User ana.lima@contoso.example: the per-user report leaves userType \"unknownFutureValue\" unknown, so the other controls cannot vouch for this user.",
		"d": "User ana.lima@contoso.example: the per-user report leaves userType (null or empty) unknown, so the other controls cannot vouch for this user.",
	}
}

test_empty_marker_passes if {
	count(ctl.violation) == 0 with input as f.users([f.user({"@authgate.unknown": []})])
}
