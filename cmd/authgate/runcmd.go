package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/pflag"
)

// addRunFlags registers run's flags: fetch's, check's (whose -o is the
// report's output) and --snapshot-out.
func addRunFlags(fs *pflag.FlagSet, fo *fetchOptions, co *checkOptions) {
	addFetchFlags(fs, fo)
	addCheckFlags(fs, co)
	fs.StringVar(&fo.out, "snapshot-out", "", "keep the fetched snapshot in `FILE` (default: a temporary file, removed at the end)")
	_ = fs.MarkHidden("snapshot") // the snapshot comes from the fetch
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var fo fetchOptions
	var co checkOptions
	fs := newFlagSet("run", "run [fetch flags] [check flags] [--snapshot-out FILE]", stdout)
	addRunFlags(fs, &fo, &co)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("run: unexpected argument %q", fs.Arg(0))
	}
	return runRun(ctx, &fo, &co, stdout, stderr)
}

// runRun fetches, then checks the snapshot it fetched. It returns
// errGateFailed from check as is.
func runRun(ctx context.Context, fo *fetchOptions, co *checkOptions, stdout, stderr io.Writer) error {
	if co.snapshot != "" {
		return usagef("run: --snapshot is not used: run checks the snapshot it fetches (use --snapshot-out to keep it, or authgate check --snapshot)")
	}
	// Check's flags, files and policies are validated before a fetch that
	// may take minutes.
	plan, err := co.prepare(ctx)
	if err != nil {
		return err
	}
	fo.groups = plan.exclusions.Groups() // the exclusions' groups are fetched with the snapshot
	if fo.out == "" {
		dir, err := os.MkdirTemp("", "authgate-run-*")
		if err != nil {
			return fmt.Errorf("run: %w", err)
		}
		defer os.RemoveAll(dir)
		fo.out = filepath.Join(dir, "snapshot.json")
	}
	path, err := runFetch(ctx, fo, stdout, stderr)
	if err != nil {
		return err
	}
	co.snapshot = path
	_, err = co.execute(ctx, plan, stdout, stderr)
	return err
}
