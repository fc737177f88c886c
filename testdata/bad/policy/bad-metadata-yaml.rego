# METADATA
# scope: package
# title: [unclosed
# custom:
#   id: BAD-YML-01
package authgate.bad.yml

violation contains v if {
	v := {"message": "x"}
}
