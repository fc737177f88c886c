// Command floor is the floor of bench/run.sh: it reads a snapshot and
// decodes it into the typed Go structs of package snapshot with
// encoding/json, the least any checker must do with the file.
//
//	go run ./bench/floor FILE
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/authgate/authgate/snapshot"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: floor SNAPSHOT")
		os.Exit(2)
	}
	b, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(2)
	}
	var doc snapshot.Document
	if err := json.Unmarshal(b, &doc); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(2)
	}
	fmt.Println(len(doc.UserRegistrationDetails), "users")
}
