package main

import (
	"bufio"
	"context"
	"io"
	"strings"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/internal/atomicfile"
	"github.com/authgate/authgate/snapshot"
	"github.com/authgate/authgate/trend"
)

// cmdDiff compares two snapshots (or two results JSON files): coverage,
// violations per control and, when both carry a usage section, the failure
// rate of each method and the sign-in shares (trend.CompareUsage).
func cmdDiff(ctx context.Context, args []string, stdout, _ io.Writer) error {
	co := checkOptions{evalMode: string(evaluator.ModeStream)}
	fs := newFlagSet("diff", "diff OLD NEW [--format text|json|markdown] [-o FILE] [policy flags]", stdout)
	var format, out string
	var limit int
	fs.StringVar(&format, "format", "text", "output `FORMAT`: "+strings.Join(trend.Formats, "|"))
	fs.StringVarP(&out, "output-file", "o", "", "write to `FILE` instead of stdout")
	fs.IntVar(&limit, "max-per-control", 0, "findings listed per control and kind in text and markdown (0: 20)")
	addPolicyFlags(fs, &co, true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usagef("diff: want OLD and NEW (two snapshots, or two results JSON files)")
	}
	if !strings.Contains(" "+strings.Join(trend.Formats, " ")+" ", " "+format+" ") {
		return usagef("diff: --format %q: valid: %s", format, strings.Join(trend.Formats, ", "))
	}
	var engine *evaluator.Engine
	load := func(path string) (*trend.Input, error) {
		if _, err := snapshot.PeekManifest(path); err != nil {
			in, rerr := trend.ReadResults(path)
			if rerr != nil {
				return nil, invalid(rerr)
			}
			return in, nil
		}
		if engine == nil {
			opts, err := co.engineOptions()
			if err != nil {
				return nil, err
			}
			if engine, err = evaluator.New(ctx, opts...); err != nil {
				return nil, err
			}
		}
		res, err := engine.Evaluate(ctx, path, snapshot.ScanOptions{})
		if err != nil {
			return nil, err
		}
		if err := res.Decide("high"); err != nil {
			return nil, err
		}
		in := trend.FromResult(path, res)
		if in.Policy, err = snapshot.PeekMethodsPolicy(path); err != nil {
			return nil, err
		}
		return in, nil
	}
	oldIn, err := load(fs.Arg(0))
	if err != nil {
		return err
	}
	newIn, err := load(fs.Arg(1))
	if err != nil {
		return err
	}
	if (oldIn.Aggregates == nil) != (newIn.Aggregates == nil) {
		return usagef("diff: compare two snapshots or two results JSON files, not one of each")
	}
	rep := trend.Compare(oldIn, newIn)
	if out == "" || out == "-" {
		b := bufio.NewWriter(stdout)
		if err := trend.Write(b, rep, format, limit); err != nil {
			return err
		}
		return b.Flush()
	}
	return atomicfile.Write(out, 0o644, func(w io.Writer) error { return trend.Write(w, rep, format, limit) })
}
