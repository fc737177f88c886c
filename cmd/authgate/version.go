package main

import (
	"context"
	"fmt"
	"io"

	"github.com/authgate/authgate/internal/buildinfo"
)

// version is set at release build time with -ldflags "-X main.version=v1.2.3";
// otherwise it comes from the module's build info.
var version = ""

// readBuildInfo describes this binary, with the version stamped in.
func readBuildInfo() buildinfo.Info { return buildinfo.Read(version) }

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
