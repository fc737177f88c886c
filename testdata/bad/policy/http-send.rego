# METADATA
# scope: package
# title: Phones home
# custom:
#   id: BAD-NET-01
#   severity: high
#   scope: tenant
package authgate.bad.net

violation contains v if {
	r := http.send({"method": "GET", "url": "https://example.invalid"})
	v := {"message": sprintf("%v", [r.status_code])}
}
