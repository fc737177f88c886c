// Command floor is the floor of bench/run.sh: it reads a snapshot and
// decodes it into the typed Go structs of package snapshot, the least any
// checker must do with the file.
//
//	go run ./bench/floor [-json v1|v2] FILE
//
// -json v1 (the default) is os.ReadFile plus encoding/json's Unmarshal.
// -json v2 is the JSON v2 implementation (github.com/go-json-experiment/json,
// what encoding/json/v2 is built from) decoding the file as it is read
// (UnmarshalRead) on one core: GOMAXPROCS is 1, so the garbage collector
// shares that core too. It is the faster typed decode, the bar a check on
// every core should not need more wall time than.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/authgate/authgate/snapshot"
)

func main() {
	impl := flag.String("json", "v1", "decoder: v1 (encoding/json) or v2 (JSON v2 on one core)")
	flag.Parse()
	if flag.NArg() != 1 || (*impl != "v1" && *impl != "v2") {
		fmt.Fprintln(os.Stderr, "usage: floor [-json v1|v2] SNAPSHOT")
		os.Exit(2)
	}
	var doc snapshot.Document
	var err error
	if *impl == "v2" {
		err = decodeV2(flag.Arg(0), &doc)
	} else {
		err = decodeV1(flag.Arg(0), &doc)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(2)
	}
	fmt.Println(len(doc.UserRegistrationDetails), "users")
}

func decodeV1(path string, doc *snapshot.Document) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, doc)
}

func decodeV2(path string, doc *snapshot.Document) error {
	runtime.GOMAXPROCS(1)
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return jsonv2.UnmarshalRead(f, doc)
}
