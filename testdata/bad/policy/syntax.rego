package authgate.bad.syntax

violation contains v if {
