package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/authgate/authgate/evidence"
	"github.com/authgate/authgate/gate"
	"github.com/authgate/authgate/reports"
	"github.com/authgate/authgate/result"
)

// evidenceSubcommands are the subcommands of `authgate evidence`.
var evidenceSubcommands = []command{
	{"create", "evaluate a snapshot and write a bundle: snapshot, results in every format, policies, data, manifest", cmdEvidenceCreate, nil},
	{"verify", "check every hash and the signature, then re-evaluate the bundle and compare with its results", cmdEvidenceVerify, nil},
	{"keygen", "make an Ed25519 key pair: PREFIX.key (0600) and PREFIX.pub", cmdEvidenceKeygen, nil},
}

const evidenceSynopsis = `authgate evidence create --snapshot FILE -o BUNDLE.tar.gz [--sign-key KEY] [check flags]
  authgate evidence verify BUNDLE.tar.gz [--pub KEY] [--allow-builtin NAME]
  authgate evidence keygen -o PREFIX`

func cmdEvidence(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatchSub(ctx, "evidence", evidenceSynopsis, evidenceSubcommands, args, stdout, stderr)
}

func cmdEvidenceKeygen(_ context.Context, args []string, stdout, _ io.Writer) error {
	fs := newFlagSet("evidence keygen", "evidence keygen -o PREFIX", stdout)
	var prefix string
	fs.StringVarP(&prefix, "output-file", "o", "", "write `PREFIX`.key (private, mode 0600) and PREFIX.pub")
	legacyOutput(fs, &prefix)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := checkLegacyOutput(fs, "evidence keygen"); err != nil {
		return err
	}
	if prefix == "" || fs.NArg() > 0 {
		return usagef("evidence keygen: want -o PREFIX and no arguments")
	}
	priv, pub, err := evidence.Keygen(prefix)
	if err != nil {
		return asUsage(err)
	}
	fmt.Fprintf(stdout, "private key: %s (keep it secret)\npublic key:  %s (give it to whoever verifies)\n", priv, pub)
	return nil
}

func cmdEvidenceCreate(ctx context.Context, args []string, stdout, _ io.Writer) error {
	var o gate.Options
	fs := newFlagSet("evidence create", "evidence create --snapshot FILE -o BUNDLE.tar.gz [--sign-key KEY] [flags]", stdout)
	fs.StringVar(&o.Snapshot, "snapshot", "", "snapshot `FILE` to evaluate and bundle (required)")
	fs.StringVarP(&o.Evidence, "output-file", "o", "", "bundle `FILE` to write (.tar.gz, mode 0600; required); the bundle holds the results in every format")
	legacyOutput(fs, &o.Evidence)
	o.EvidenceFlag = "-o"
	fs.StringVar(&o.SignKey, "sign-key", "", "sign the manifest with this Ed25519 private key `FILE` (authgate evidence keygen)")
	addPolicyFlags(fs, &o, true)
	addEvalFlags(fs, &o)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := checkLegacyOutput(fs, "evidence create"); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("evidence create: unexpected argument %q", fs.Arg(0))
	}
	if o.Evidence == "" {
		return usagef("evidence create: -o BUNDLE.tar.gz is required")
	}
	if o.Snapshot == "" {
		return usagef("evidence: --snapshot FILE is required")
	}
	plan, err := prepare(ctx, o)
	if err != nil {
		return err
	}
	bi := readBuildInfo()
	b, err := plan.WriteBundle(ctx, gate.BuildInfo{Commit: bi.Commit, OPA: bi.OPA})
	if err != nil {
		return err
	}
	reportBundle(stdout, plan, b)
	if b.Outcome.Result.Verdict == result.VerdictFail {
		return errGateFailed
	}
	return nil
}

// reportBundle says on w which bundle was written.
func reportBundle(w io.Writer, plan *gate.Plan, b *gate.Bundle) {
	signed := "unsigned"
	if plan.Signed() {
		signed = "signed"
	}
	fmt.Fprintf(w, "evidence bundle %s: %d files, verdict %s, %s\n", b.Path, len(b.Manifest.Files)+1, b.Outcome.Result.Verdict, signed)
}

// cmdEvidenceVerify checks a bundle and re-evaluates it. Problems are
// printed one per line and return errGateFailed (exit 1); an unreadable,
// unsafe or oversized archive, or one that asks for a builtin the verifier
// did not allow, is invalid input (exit 2).
func cmdEvidenceVerify(ctx context.Context, args []string, stdout, _ io.Writer) error {
	fs := newFlagSet("evidence verify", "evidence verify BUNDLE.tar.gz [--pub KEY] [--allow-builtin NAME]", stdout)
	var pubPath string
	var vo gate.VerifyOptions
	fs.StringVar(&pubPath, "pub", "", "Ed25519 public key `FILE` that must have signed the manifest")
	fs.StringArrayVar(&vo.AllowBuiltins, "allow-builtin", nil, "let the bundle's policies use a sandboxed Rego builtin `NAME` (repeatable); a bundle created with --allow-builtin is refused unless you pass the same")
	fs.Int64Var(&vo.Limits.MaxTotal, "max-bundle-bytes", evidence.DefaultMaxTotal, "refuse a bundle whose files add up to more than `N` bytes")
	fs.DurationVar(&vo.Timeout, "timeout", gate.DefaultTimeout, "give up with exit 4 (inconclusive) when the re-evaluation takes longer than `DURATION`")
	addMaxMemoryFlag(fs, &vo.MaxMemory)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("evidence verify: want one BUNDLE.tar.gz argument")
	}
	if vo.Limits.MaxTotal <= 0 {
		return usagef("--max-bundle-bytes %d: want a positive number of bytes", vo.Limits.MaxTotal)
	}
	bundle := fs.Arg(0)
	if pubPath != "" {
		k, err := evidence.LoadPublicKey(pubPath)
		if err != nil {
			return asUsage(err)
		}
		vo.Pub = k
	}
	v, err := gate.VerifyBundle(ctx, bundle, vo)
	if err != nil {
		return err
	}
	v.WriteReport(stdout, bundle)
	if len(v.Problems) > 0 {
		return errGateFailed
	}
	return nil
}

// legacyOutput keeps --output, the name evidence's -o had before -o meant
// --output-file in every command, working as a hidden alias: scripts
// written for it still run, while --help shows one scheme.
func legacyOutput(fs *pflag.FlagSet, p *string) {
	fs.StringVar(p, "output", "", "")
	_ = fs.MarkHidden("output")
}

// checkLegacyOutput refuses --output FORMAT=PATH, check's meaning of
// --output, where the alias would otherwise take it as a file name.
func checkLegacyOutput(fs *pflag.FlagSet, cmd string) error {
	f := fs.Lookup("output")
	if f == nil || !f.Changed {
		return nil
	}
	if format, _, ok := strings.Cut(f.Value.String(), "="); ok && slices.Contains(reports.Formats(), format) {
		return usagef("%s: --output %s: FORMAT=PATH is check's --output; a bundle holds every format: give the bundle with -o FILE", cmd, f.Value)
	}
	return nil
}
