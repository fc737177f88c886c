package authgate.bad.utf8

x := "ÿ"
