package main

import (
	"context"
	"fmt"
	"io"

	"github.com/authgate/authgate/evidence"
	"github.com/authgate/authgate/gate"
	"github.com/authgate/authgate/reports"
	"github.com/authgate/authgate/result"
)

// evidenceSubcommands are the subcommands of `authgate evidence`.
var evidenceSubcommands = []command{
	{"create", "evaluate a snapshot and write a bundle: snapshot, results in every format, policies, data, manifest", cmdEvidenceCreate},
	{"verify", "check every hash and the signature, then re-evaluate the bundle and compare with its results", cmdEvidenceVerify},
	{"keygen", "make an Ed25519 key pair: PREFIX.key (0600) and PREFIX.pub", cmdEvidenceKeygen},
}

const evidenceSynopsis = `authgate evidence create --snapshot FILE -o BUNDLE.tar.gz [--sign-key KEY] [check flags]
  authgate evidence verify BUNDLE.tar.gz [--pub KEY]
  authgate evidence keygen -o PREFIX`

func cmdEvidence(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatchSub(ctx, "evidence", evidenceSynopsis, evidenceSubcommands, args, stdout, stderr)
}

func cmdEvidenceKeygen(_ context.Context, args []string, stdout, _ io.Writer) error {
	fs := newFlagSet("evidence keygen", "evidence keygen -o PREFIX", stdout)
	var prefix string
	fs.StringVarP(&prefix, "output", "o", "", "write `PREFIX`.key (private, mode 0600) and PREFIX.pub")
	if err := parseFlags(fs, args); err != nil {
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
	fs.StringVarP(&o.Evidence, "output", "o", "", "bundle `FILE` to write (.tar.gz; required)")
	fs.StringVar(&o.SignKey, "sign-key", "", "sign the manifest with this Ed25519 private key `FILE` (authgate evidence keygen)")
	addPolicyFlags(fs, &o, true)
	addEvalFlags(fs, &o)
	if err := parseFlags(fs, args); err != nil {
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
	b, err := createBundle(ctx, plan, o.Evidence, stdout)
	if err != nil {
		return err
	}
	if b.Outcome.Result.Verdict == result.VerdictFail {
		return errGateFailed
	}
	return nil
}

// createBundle writes the plan's evidence bundle and says so on w.
func createBundle(ctx context.Context, plan *gate.Plan, out string, w io.Writer) (*gate.Bundle, error) {
	bi := readBuildInfo()
	b, err := gate.CreateBundle(ctx, plan, out, gate.BuildInfo{Commit: bi.Commit, OPA: bi.OPA})
	if err != nil {
		return nil, err
	}
	signed := "unsigned"
	if plan.Signed() {
		signed = "signed"
	}
	fmt.Fprintf(w, "evidence bundle %s: %d files, verdict %s, %s\n", out, len(b.Manifest.Files)+1, b.Outcome.Result.Verdict, signed)
	return b, nil
}

// cmdEvidenceVerify checks a bundle and re-evaluates it. Problems are
// printed one per line and return errGateFailed (exit 1); an unreadable or
// unsafe archive is invalid input (exit 2).
func cmdEvidenceVerify(ctx context.Context, args []string, stdout, _ io.Writer) error {
	fs := newFlagSet("evidence verify", "evidence verify BUNDLE.tar.gz [--pub KEY]", stdout)
	var pubPath string
	var vo gate.VerifyOptions
	fs.StringVar(&pubPath, "pub", "", "Ed25519 public key `FILE` that must have signed the manifest")
	fs.Int64Var(&vo.MaxEntry, "max-entry-bytes", evidence.DefaultMaxEntry, "refuse archive entries larger than `N` bytes")
	fs.DurationVar(&vo.Timeout, "timeout", gate.DefaultTimeout, "give up with exit 4 (inconclusive) when the re-evaluation takes longer than `DURATION`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("evidence verify: want one BUNDLE.tar.gz argument")
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
	if n := len(v.Problems); n > 0 {
		fmt.Fprintf(stdout, "FAIL %s: %d %s\n", bundle, n, reports.Plural(n, "problem", "problems"))
		for _, p := range v.Problems {
			fmt.Fprintf(stdout, "  - %s\n", p)
		}
		return errGateFailed
	}
	sig := map[string]string{"verified": "signature verified", "unchecked": "signed, signature NOT checked (give --pub KEY)", "unsigned": "unsigned"}[v.Signature]
	man := v.Manifest
	fmt.Fprintf(stdout, "OK %s: %d files match the manifest; %s; re-evaluation with the bundled policies gives the bundled verdict (%s) and findings\n",
		bundle, len(man.Files), sig, man.Verdict)
	fmt.Fprintf(stdout, "  made by %s %s (OPA %s, pack %s), evaluated at %s, tenant %s\n",
		man.Tool.Name, man.Tool.Version, man.OPAVersion, man.PackVersion, man.EvaluatedAt, man.TenantID)
	return nil
}
