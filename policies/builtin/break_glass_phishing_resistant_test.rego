package authgate.builtin.break_glass_phishing_resistant_test

import data.authgate.builtin.break_glass_phishing_resistant as ctl
import data.authgate.fixtures as f

bg1 := {
	"id": "aaaaaaaa-0000-0000-0000-000000000001",
	"userPrincipalName": "bg1@contoso.example",
	"userDisplayName": "Break Glass 1",
	"methodsRegistered": ["fido2SecurityKey"],
}

bg2 := {
	"id": "aaaaaaaa-0000-0000-0000-000000000002",
	"userPrincipalName": "bg2@contoso.example",
	"userDisplayName": "Break Glass 2",
	"methodsRegistered": ["microsoftAuthenticatorPush", "mobilePhone"],
}

accounts(a) := f.tenant({"aggregates": {"accounts": a}})

test_none_configured_skips if {
	ctl.skip == {"no break-glass accounts are configured (parameter break_glass_accounts)"} with input as accounts({})
	count(ctl.violation) == 0 with input as accounts({})
}

test_present_with_phishing_resistant_passes if {
	inp := accounts({"bg1@contoso.example": bg1})
	count(ctl.skip) == 0 with input as inp with data.authgate.params.break_glass_accounts as ["bg1@contoso.example"]
	count(ctl.violation) == 0 with input as inp with data.authgate.params.break_glass_accounts as ["bg1@contoso.example"]
}

test_matched_by_id_or_any_case_upn if {
	# the evaluator matches case-insensitively and keys accounts by the entry as given
	params := ["AAAAAAAA-0000-0000-0000-000000000001", "BG1@Contoso.Example"]
	inp := accounts({"AAAAAAAA-0000-0000-0000-000000000001": bg1, "BG1@Contoso.Example": bg1})
	count(ctl.violation) == 0 with input as inp with data.authgate.params.break_glass_accounts as params
}

test_present_without_phishing_resistant_fails if {
	vs := ctl.violation with input as accounts({"bg1@contoso.example": bg1, "aaaaaaaa-0000-0000-0000-000000000002": bg2})
		with data.authgate.params.break_glass_accounts as ["bg1@contoso.example", "aaaaaaaa-0000-0000-0000-000000000002"]
	vs == {{
		"message": "Break-glass account bg2@contoso.example has no phishing-resistant method registered.",
		"subject": {"id": "aaaaaaaa-0000-0000-0000-000000000002", "userPrincipalName": "bg2@contoso.example", "displayName": "Break Glass 2"},
	}}
}

test_present_without_methods_fails if {
	vs := ctl.violation with input as accounts({"bg1@contoso.example": object.union(bg1, {"methodsRegistered": []})})
		with data.authgate.params.break_glass_accounts as ["bg1@contoso.example"]
	count(vs) == 1
}

test_missing_upn_fails if {
	vs := ctl.violation with input as accounts({"bg9@contoso.example": null})
		with data.authgate.params.break_glass_accounts as ["bg9@contoso.example"]
	vs == {{
		"message": "Break-glass account bg9@contoso.example is missing from the per-user registration report (disabled, deleted or mistyped).",
		"subject": {"id": "", "userPrincipalName": "bg9@contoso.example", "displayName": ""},
	}}
}

test_missing_id_fails if {
	vs := ctl.violation with input as accounts({"aaaaaaaa-0000-0000-0000-000000000009": null})
		with data.authgate.params.break_glass_accounts as ["aaaaaaaa-0000-0000-0000-000000000009"]
	{v.subject | some v in vs} == {{"id": "aaaaaaaa-0000-0000-0000-000000000009", "userPrincipalName": "", "displayName": ""}}
}

test_entry_absent_from_accounts_counts_as_missing if {
	vs := ctl.violation with input as accounts({})
		with data.authgate.params.break_glass_accounts as ["bg9@contoso.example"]
	count(vs) == 1
}

test_missing_and_weak_together if {
	vs := ctl.violation with input as accounts({"bg1@contoso.example": bg1, "bg2@contoso.example": bg2, "bg3@contoso.example": null})
		with data.authgate.params.break_glass_accounts as ["bg1@contoso.example", "bg2@contoso.example", "bg3@contoso.example"]
	{v.subject.userPrincipalName | some v in vs} == {"bg2@contoso.example", "bg3@contoso.example"}
}

test_no_accounts_aggregate_skips if {
	inp := object.remove(f.tenant({}), ["aggregates"])
	ctl.skip == {"the evaluator provided no aggregates.accounts to match break-glass accounts against"} with input as inp
		with data.authgate.params.break_glass_accounts as ["bg1@contoso.example"]
}
