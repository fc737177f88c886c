// Command authgate keeps a Microsoft Entra tenant honest about how its people
// sign in: it snapshots Microsoft Graph's authentication-methods reports and
// gates CI on Rego controls evaluated against the snapshot.
package main

import "os"

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }
