package main

import (
	"context"
	"fmt"
	"github.com/authgate/authgate/fetch"
	"io"
	"strconv"
	"strings"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/gate"
	"github.com/authgate/authgate/internal/progress"
	"github.com/authgate/authgate/pseudonym"
	"github.com/authgate/authgate/reports"
	"github.com/authgate/authgate/result"
	"github.com/authgate/authgate/snapshot"
	"github.com/spf13/pflag"
)

// addPolicyFlags registers the flags that shape the set of controls:
// --policy (unless positional paths are used), --no-builtin, --config,
// --set and --allow-builtin.
func addPolicyFlags(fs *pflag.FlagSet, o *gate.Options, withPolicy bool) {
	if withPolicy {
		fs.StringArrayVar(&o.Policies, "policy", nil, "user policy `PATH` (file or folder; repeatable)")
	}
	fs.BoolVar(&o.NoBuiltin, "no-builtin", false, "leave the built-in controls out (their library and taxonomy stay available)")
	fs.StringVar(&o.Config, "config", "", "configuration `FILE` (authgate.yaml with params:)")
	fs.StringArrayVar(&o.Sets, "set", nil, "set a parameter, `name=value` (repeatable; the value is YAML: 0.9, [a, b])")
	fs.StringArrayVar(&o.AllowBuiltins, "allow-builtin", nil, "let policies use a sandboxed Rego builtin (`NAME`: http.send, net.*, opa.runtime, ...)")
	enumFlag(fs, "allow-builtin", evaluator.DeniedBuiltins...)
}

// addEvalFlags registers the flags of an evaluation: waivers, gate,
// clock, limits, baseline and pseudonymisation.
func addEvalFlags(fs *pflag.FlagSet, o *gate.Options) {
	fs.StringVar(&o.Waivers, "waivers", "", "waivers `FILE` (YAML): accepted risks with owner, reason and expiry; adds to authgate.yaml's waivers")
	fs.StringVar(&o.FailOn, "fail-on", "high", "lowest `SEVERITY` that fails the gate: "+strings.Join(gate.FailOnValues, "|"))
	enumFlag(fs, "fail-on", gate.FailOnValues...)
	fs.StringVar(&o.EvalMode, "eval-mode", "stream", "evaluation `MODE`: stream (chunked, parallel) or document (whole document at once)")
	enumFlag(fs, "eval-mode", string(evaluator.ModeStream), string(evaluator.ModeDocument))
	fs.StringVar(&o.Now, "now", "", "evaluation `TIME` (RFC 3339) that time.now_ns returns; default: the snapshot's fetchedAt")
	fs.Int64Var(&o.MaxSnapshotBytes, "max-snapshot-bytes", snapshot.DefaultMaxBytes, "refuse snapshots larger than `N` bytes")
	fs.DurationVar(&o.Timeout, "timeout", gate.DefaultTimeout, "give up with exit 4 (inconclusive) when the evaluation takes longer than `DURATION`")
	addMaxMemoryFlag(fs, &o.MaxMemory)
	fs.StringVar(&o.Baseline, "baseline", "", "earlier snapshot `FILE` of the tenant: adds the trend controls AM-TRD-01..03 and a coverage-over-time chart")
	fs.BoolVar(&o.Pseudonymize, "pseudonymize", false, "evaluate a view of the snapshot whose user ids, UPNs and display names are keyed tokens, so no output names a user (key: $"+pseudonym.EnvKey+" or --pseudonym-key-file)")
	fs.StringVar(&o.PseudonymKeyFile, "pseudonym-key-file", "", "read the pseudonym key from `FILE` instead of $"+pseudonym.EnvKey)
}

// addCheckFlags registers check's flags on fs (run adds fetch's, whose
// --quiet it shares).
func addCheckFlags(fs *pflag.FlagSet, o *gate.Options, quiet *bool) {
	fs.StringVar(&o.Snapshot, "snapshot", "", "snapshot `FILE` to check (required)")
	addPolicyFlags(fs, o, true)
	fs.StringVar(&o.Format, "format", "text", "output `FORMAT` for stdout or -o: "+strings.Join(reports.Formats(), "|"))
	fs.StringVarP(&o.OutputFile, "output-file", "o", "", "write the --format output to `FILE` instead of stdout")
	fs.StringArrayVar(&o.ExtraOutputs, "output", nil, "also write another format, `FORMAT=PATH` (repeatable)")
	enumFlag(fs, "format", reports.Formats()...)
	enumFlag(fs, "output", reports.Formats()...)
	fs.IntVar(&o.MaxPerControl, "max-per-control", 0, "violations listed per control (0: the format's default, 1000 in sarif and junit)")
	addEvalFlags(fs, o)
	fs.StringVar(&o.Evidence, "evidence", "", "also write an evidence bundle (tar.gz) to `FILE`")
	fs.StringVar(&o.SignKey, "sign-key", "", "sign the evidence bundle's manifest with this Ed25519 private key `FILE` (authgate evidence keygen)")
	if fs.Lookup("quiet") == nil {
		fs.BoolVarP(quiet, "quiet", "q", false, "no progress display or progress lines on stderr (shown when an evaluation takes over 5 s)")
	}
}

// prepare validates o through the pipeline, naming this binary in results.
func prepare(ctx context.Context, o gate.Options) (*gate.Plan, error) {
	o.Tool = tool()
	return gate.Prepare(ctx, o)
}

// tool names this binary in results.
func tool() result.Tool { return result.Tool{Name: "authgate", Version: readBuildInfo().Version} }

func cmdCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o gate.Options
	var quiet bool
	fs := newFlagSet("check", "check --snapshot FILE [flags]", stdout)
	addCheckFlags(fs, &o, &quiet)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("check: unexpected argument %q", fs.Arg(0))
	}
	if o.Snapshot == "" {
		return usagef("check: --snapshot FILE is required")
	}
	prog := newEvalProgress(stderr, quiet)
	o.OnUsers = prog.OnUsers()
	plan, err := prepare(ctx, o)
	if err != nil {
		return err
	}
	_, err = check(ctx, plan, prog, stdout, stderr)
	return err
}

// check runs a prepared plan and writes its outputs and, when asked, an
// evidence bundle, all of them or none. It returns errGateFailed, after
// writing everything, when the verdict is fail. prog, when not nil, shows
// the evaluation's progress (its OnUsers must be the plan's).
func check(ctx context.Context, plan *gate.Plan, prog *progress.Eval, stdout, stderr io.Writer) (*result.Result, error) {
	prog.Begin(len(plan.Controls()))
	out, err := gate.Run(ctx, plan)
	prog.End(err)
	if err != nil {
		return nil, err
	}
	res := out.Result
	for _, w := range plan.Warnings(res) {
		fmt.Fprintf(stderr, "authgate: warning: %s\n", w)
	}
	bi := readBuildInfo()
	b, err := plan.Write(ctx, out, stdout, gate.BuildInfo{Commit: bi.Commit, OPA: bi.OPA})
	if err != nil {
		return nil, err
	}
	if b != nil {
		reportBundle(stderr, plan, b)
	}
	if res.Verdict == result.VerdictFail {
		return res, errGateFailed
	}
	return res, nil
}

// addMaxMemoryFlag registers --max-memory, a size such as 4GiB.
func addMaxMemoryFlag(fs *pflag.FlagSet, n *int64) {
	fs.Var(byteSizeFlag{n}, "max-memory", "give up with exit 4 (inconclusive) when the evaluation's heap passes `SIZE` (e.g. 8GiB; default 4GiB, or 16 times the snapshot when that is more)")
}

// byteSizeFlag is a flag holding a size in bytes, written as 64MiB, 4GiB
// or a plain number.
type byteSizeFlag struct{ n *int64 }

func (f byteSizeFlag) String() string {
	if f.n == nil || *f.n == 0 {
		return ""
	}
	return strconv.FormatInt(*f.n, 10)
}

func (f byteSizeFlag) Set(s string) error {
	n, err := fetch.ParseByteSize(s)
	if err != nil {
		return err
	}
	*f.n = n
	return nil
}

func (byteSizeFlag) Type() string { return "size" }
