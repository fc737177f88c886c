package authgate.bad.nometa

violation contains v if {
	some u in input.userRegistrationDetails
	v := {"message": u.id}
}
