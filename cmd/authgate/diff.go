package main

import (
	"bufio"
	"context"
	"io"
	"slices"
	"strings"

	"github.com/authgate/authgate/gate"
	"github.com/authgate/authgate/internal/atomicfile"
	"github.com/authgate/authgate/trend"
)

// cmdDiff compares two snapshots (or two results JSON files): coverage,
// violations per control and, when both carry a usage section, the failure
// rate of each method and the sign-in shares (trend.CompareUsage). Each
// snapshot goes through the same pipeline as check.
func cmdDiff(ctx context.Context, args []string, stdout, _ io.Writer) error {
	var o gate.Options
	fs := newFlagSet("diff", "diff OLD NEW [--format text|json|markdown] [-o FILE] [policy flags]", stdout)
	var format, out string
	var limit int
	fs.StringVar(&format, "format", "text", "output `FORMAT`: "+strings.Join(trend.Formats, "|"))
	enumFlag(fs, "format", trend.Formats...)
	fs.StringVarP(&out, "output-file", "o", "", "write to `FILE` instead of stdout")
	fs.IntVar(&limit, "max-per-control", 0, "findings listed per control and kind in text and markdown (0: 20)")
	addPolicyFlags(fs, &o, true)
	addEvalFlags(fs, &o)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usagef("diff: want OLD and NEW (two snapshots, or two results JSON files)")
	}
	if !slices.Contains(trend.Formats, format) {
		return usagef("diff: --format: unknown format %q (valid: %s)", format, strings.Join(trend.Formats, ", "))
	}
	if out != "" && out != "-" {
		inputs := []gate.PathArg{{Flag: "OLD", Path: fs.Arg(0)}, {Flag: "NEW", Path: fs.Arg(1)}, {Flag: "--config", Path: o.Config},
			{Flag: "--waivers", Path: o.Waivers}, {Flag: "--baseline", Path: o.Baseline}, {Flag: "--pseudonym-key-file", Path: o.PseudonymKeyFile}}
		for _, p := range o.Policies {
			inputs = append(inputs, gate.PathArg{Flag: "--policy", Path: p})
		}
		if err := gate.CheckPaths([]gate.PathArg{{Flag: "-o", Path: out}}, inputs); err != nil {
			return err
		}
	}
	o.Tool = tool()
	rep, err := gate.Diff(ctx, o, fs.Arg(0), fs.Arg(1))
	if err != nil {
		return err
	}
	if out == "" || out == "-" {
		b := bufio.NewWriter(stdout)
		if err := trend.Write(b, rep, format, limit); err != nil {
			return err
		}
		return b.Flush()
	}
	return atomicfile.Write(out, gate.OutputPerm, func(w io.Writer) error { return trend.Write(w, rep, format, limit) })
}
