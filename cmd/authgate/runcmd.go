package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/authgate/authgate/gate"
	"github.com/spf13/pflag"
)

// addRunFlags registers run's flags: fetch's, check's (whose -o is the
// report's output) and --snapshot-out.
func addRunFlags(fs *pflag.FlagSet, fo *fetchOptions, o *gate.Options) {
	addFetchFlags(fs, fo)
	addCheckFlags(fs, o, &fo.quiet)
	fs.StringVar(&fo.out, "snapshot-out", "", "keep the fetched snapshot in `FILE` (default: a temporary file, removed at the end)")
	_ = fs.MarkHidden("snapshot") // the snapshot comes from the fetch
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var fo fetchOptions
	var o gate.Options
	fs := newFlagSet("run", "run [fetch flags] [check flags] [--snapshot-out FILE]", stdout)
	addRunFlags(fs, &fo, &o)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("run: unexpected argument %q", fs.Arg(0))
	}
	return fetchThenCheck(ctx, &fo, fetchEnv{}, o, stdout, stderr)
}

// fetchThenCheck fetches, then checks the snapshot it fetched. It returns
// errGateFailed from check as is.
func fetchThenCheck(ctx context.Context, fo *fetchOptions, env fetchEnv, o gate.Options, stdout, stderr io.Writer) error {
	if o.Snapshot != "" {
		return usagef("run: --snapshot is not used: run checks the snapshot it fetches (use --snapshot-out to keep it, or authgate check --snapshot)")
	}
	// Check's flags, files and policies are validated before a fetch that
	// may take minutes, and the snapshot it keeps is one of the outputs no
	// other may overwrite.
	o.SnapshotOut, fo.runOut = fo.out, true
	o.Inputs = append(o.Inputs, gate.PathArg{Flag: "--client-certificate", Path: fo.clientCert})
	prog := newEvalProgress(stderr, fo.quiet)
	o.OnUsers = prog.OnUsers()
	plan, err := prepare(ctx, o)
	if err != nil {
		return err
	}
	fo.groups = plan.ExclusionGroups() // the exclusions' groups are fetched with the snapshot
	if fo.out == "" {
		dir, err := os.MkdirTemp("", "authgate-run-*")
		if err != nil {
			return fmt.Errorf("run: %w", err)
		}
		defer os.RemoveAll(dir)
		fo.out = filepath.Join(dir, "snapshot.json")
	}
	path, err := runFetch(ctx, fo, env, stderr)
	if err != nil {
		return err
	}
	_, err = check(ctx, plan.WithSnapshot(path), prog, stdout, stderr)
	return err
}
