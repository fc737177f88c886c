package main

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
)

// version is set at release build time with -ldflags "-X main.version=v1.2.3";
// otherwise it comes from the module's build info.
var version = ""

// buildInfo describes this binary.
type buildInfo struct {
	Version string
	Commit  string
	OPA     string
	Go      string
}

func readBuildInfo() buildInfo {
	b := buildInfo{Version: version, Commit: "unknown", OPA: "unknown", Go: "unknown"}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		if b.Version == "" {
			b.Version = "devel"
		}
		return b
	}
	b.Go = bi.GoVersion
	if b.Version == "" {
		b.Version = bi.Main.Version
	}
	if b.Version == "" || b.Version == "(devel)" {
		b.Version = "devel"
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				b.Commit += "-dirty"
			}
		}
	}
	for _, d := range bi.Deps {
		if d.Path == "github.com/open-policy-agent/opa" {
			b.OPA = d.Version
		}
	}
	return b
}

func cmdVersion(_ context.Context, args []string, stdout, _ io.Writer) error {
	fs := newFlagSet("version", "version", stdout)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("version: unexpected argument %q", fs.Arg(0))
	}
	b := readBuildInfo()
	fmt.Fprintf(stdout, "authgate %s\ncommit: %s\nopa: %s\ngo: %s\n", b.Version, b.Commit, b.OPA, b.Go)
	return nil
}
