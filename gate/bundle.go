package gate

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/evidence"
	"github.com/authgate/authgate/internal/atomicfile"
	"github.com/authgate/authgate/policies"
	"github.com/authgate/authgate/reports"
	"github.com/authgate/authgate/result"
	"github.com/authgate/authgate/snapshot"
)

// BuildInfo describes the binary that makes a bundle, for its manifest.
type BuildInfo struct {
	Commit string
	OPA    string
}

// Bundle is a bundle written by CreateBundle.
type Bundle struct {
	Path     string
	Manifest *evidence.Manifest
	// Outcome is the evaluation of the bundle's own contents, as recorded.
	Outcome *Outcome
}

// CreateBundle stages the plan's inputs in a temporary folder (the
// snapshot, pseudonymised when asked; the pack and user policies; params,
// waivers and settings), runs the pipeline on the staged files exactly as
// VerifyBundle will, renders every format and writes the archive to out
// atomically, readable by its owner only.
func CreateBundle(ctx context.Context, p *Plan, out string, bi BuildInfo) (*Bundle, error) {
	return CreateBundleMatching(ctx, p, out, bi, nil)
}

// CreateBundleMatching is CreateBundle for a command that evaluated the
// plan itself (check --evidence, run --evidence): want is its outcome, and
// a bundle whose verdict or findings differ from it is not written, so the
// evidence says what the command said, whatever the options.
func CreateBundleMatching(ctx context.Context, p *Plan, out string, bi BuildInfo, want *Outcome) (*Bundle, error) {
	if p.opts.Snapshot == "" {
		return nil, Inputf("evidence: --snapshot FILE is required")
	}
	dir, err := os.MkdirTemp("", "authgate-evidence-*")
	if err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	defer os.RemoveAll(dir)
	st := evidence.Staged{Dir: dir}
	if err := p.stage(ctx, st); err != nil {
		return nil, err
	}
	bp, err := planBundle(ctx, st, p.opts.Tool, p.opts.AllowBuiltins, p.opts.Timeout, p.opts.MaxMemory)
	if err != nil {
		return nil, err
	}
	o, err := Run(ctx, bp)
	if err != nil {
		return nil, err
	}
	if want != nil {
		if d := Disagreements(o.Result, want.Result); d != nil {
			return nil, fmt.Errorf("evidence %s not written: the bundle's evaluation disagrees with the check's: %s", out, strings.Join(d, "; "))
		}
	}
	inputs, err := evidence.Hash(dir)
	if err != nil {
		return nil, err
	}
	if err := renderBundle(st, bp, o, inputs); err != nil {
		return nil, err
	}
	res := o.Result
	man := evidence.Manifest{
		Tool:       evidence.Tool{Name: p.opts.Tool.Name, Version: p.opts.Tool.Version, Commit: bi.Commit},
		OPAVersion: bi.OPA, PackVersion: bp.engine.TaxonomyVersion(),
		EvaluatedAt: o.EvaluatedAt.UTC().Format(time.RFC3339), Now: p.opts.Now, TenantID: res.Snapshot.TenantID,
		Verdict: string(res.Verdict), FailOn: res.FailOn, Pseudonymized: p.pseudo != nil, Params: bp.engine.Params(),
		Exclusions: res.Exclusions,
	}
	var written *evidence.Manifest
	// The bundle holds the whole snapshot, every UPN and method: like a
	// snapshot, it is readable by its owner only.
	err = atomicfile.Write(out, 0o600, func(w io.Writer) error {
		written, err = evidence.Create(w, dir, man, p.signKey)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &Bundle{Path: out, Manifest: written, Outcome: o}, nil
}

// Signed reports whether the plan signs the bundles it writes.
func (p *Plan) Signed() bool { return p.signKey != nil }

// stage writes the plan's inputs into the bundle folder. Identifiers in
// the snapshot, baseline, params and waiver subjects become tokens when
// the plan pseudonymises.
func (p *Plan) stage(ctx context.Context, st evidence.Staged) error {
	m, err := snapshot.PeekManifest(p.opts.Snapshot)
	if err != nil {
		return err
	}
	keep := map[string]bool{strings.ToLower(m.TenantID): true}
	stageSnap := func(src, rel string) error {
		if p.pseudo != nil {
			return p.pseudo.Snapshot(ctx, src, st.Path(rel), snapshot.ScanOptions{MaxBytes: p.opts.MaxSnapshotBytes})
		}
		return st.CopyFile(src, rel)
	}
	if err := stageSnap(p.opts.Snapshot, evidence.SnapshotPath); err != nil {
		return err
	}
	if p.opts.Baseline != "" {
		if err := stageSnap(p.opts.Baseline, evidence.BaselinePath); err != nil {
			return err
		}
	}
	pack := p.opts.Pack
	if pack == nil {
		pack = policies.FS
	}
	if err := st.StagePolicies(pack, p.opts.Policies); err != nil {
		return err
	}
	params := map[string]any{}
	for k, v := range p.params {
		if p.pseudo != nil {
			v = p.pseudo.Value(v, keep)
		}
		params[k] = v
	}
	if err := st.WriteJSON(evidence.ParamsPath, params); err != nil {
		return err
	}
	var entries []evidence.WaiverEntry
	for _, e := range p.waivers {
		w := e.Waiver
		if p.pseudo != nil {
			w.Subject = p.pseudo.Text(w.Subject, nil, keep)
		}
		entries = append(entries, evidence.WaiverEntry{Control: w.Control, Subject: w.Subject, Reason: w.Reason, Owner: w.Owner, Expires: w.Expires, Ticket: w.Ticket})
	}
	if err := st.WriteWaivers(entries); err != nil {
		return err
	}
	excl, err := p.bundleExclusions(ctx)
	if err != nil {
		return err
	}
	return st.WriteJSON(evidence.SettingsPath, evidence.Settings{
		FailOn: p.opts.FailOn, Now: p.opts.Now, NoBuiltin: p.opts.NoBuiltin, AllowBuiltins: p.opts.AllowBuiltins, MaxWaiverDays: p.maxWaiverDays,
		Exclusions: excl,
	})
}

// planBundle prepares the evaluation of the bundle staged or extracted in
// st: its policies (the bundled pack, never the binary's), params, waivers
// and settings on its snapshot, in the sandbox allow: the caller's, never
// data/settings.json's. Its problems are the bundle's, so they are
// InputErrors naming the bundle's files.
func planBundle(ctx context.Context, st evidence.Staged, tool result.Tool, allow []string, timeout time.Duration, maxMemory int64) (*Plan, error) {
	var s evidence.Settings
	if err := st.ReadJSON(evidence.SettingsPath, &s); err != nil {
		return nil, AsInput(err)
	}
	var params map[string]any
	if err := st.ReadJSON(evidence.ParamsPath, &params); err != nil {
		return nil, AsInput(err)
	}
	o := Options{
		Snapshot: st.Path(evidence.SnapshotPath), Pack: os.DirFS(st.Path(evidence.PackDir)),
		NoBuiltin: s.NoBuiltin, AllowBuiltins: allow, Params: params, FailOn: s.FailOn, Now: s.Now,
		MaxWaiverDays: s.MaxWaiverDays, Tool: tool, Timeout: timeout, MaxMemory: maxMemory,
		Exclusions: s.Exclusions, ExclusionsSource: evidence.SettingsPath,
	}
	if s.FailOn == "" {
		return nil, Inputf("%s: failOn is missing", evidence.SettingsPath)
	}
	if st.Has(evidence.UserDir) {
		o.Policies = []string{st.Path(evidence.UserDir)}
	}
	if st.Has(evidence.BaselinePath) {
		o.Baseline = st.Path(evidence.BaselinePath)
	}
	if st.Has(evidence.WaiversPath) {
		o.Waivers = st.Path(evidence.WaiversPath)
	}
	p, err := Prepare(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	p.bundle = st.Dir
	return p, nil
}

// bundleResult makes the paths of a bundle's result relative to the bundle.
func (p *Plan) bundleResult(res *result.Result) {
	res.Snapshot.Path = evidence.SnapshotPath
	for i := range res.Controls {
		c := &res.Controls[i]
		if filepath.IsAbs(c.Source) {
			if rel, err := filepath.Rel(p.bundle, c.Source); err == nil {
				c.Source = filepath.ToSlash(rel)
			}
		}
	}
}

// bundleReportOptions are the report options of a bundle's results.
func bundleReportOptions(res *result.Result) reports.Options {
	return reports.Options{SnapshotURI: evidence.SnapshotPath, ExitCode: exitCodeOf(res), FullList: evidence.ResultsJSON}
}

// renderBundle writes the results in every bundle format.
func renderBundle(st evidence.Staged, p *Plan, o *Outcome, inputs []evidence.File) error {
	res := o.Result
	ro := bundleReportOptions(res)
	ro.HTML = p.htmlOptions()
	for _, f := range inputs {
		ro.HTML.Files = append(ro.HTML.Files, reports.ManifestFile{Path: f.Path, SHA256: f.SHA256, Size: f.Size})
	}
	lineOf, err := linesOf(st.Path(evidence.SnapshotPath), res)
	if err != nil {
		return err
	}
	ro.LineOf = lineOf
	for _, f := range evidence.Formats {
		b, err := render(f.Format, ro, res)
		if err != nil {
			return err
		}
		if err := st.WriteFile(evidence.ResultsStem+f.Ext, b); err != nil {
			return err
		}
	}
	return nil
}

// Verification is what VerifyBundle found.
type Verification struct {
	Manifest *evidence.Manifest
	// Problems are the differences found, one sentence each; none when the
	// bundle verifies.
	Problems []string
	// Signature is "verified", "unchecked" (signed, no key given) or "unsigned".
	Signature string
}

// VerifyOptions are how VerifyBundle checks a bundle. They come from the
// verifier's command line, never from the bundle.
type VerifyOptions struct {
	// Pub is the key that must have signed the manifest; nil checks no signature.
	Pub ed25519.PublicKey
	// AllowBuiltins are the sandboxed builtins the verifier lets the
	// bundle's policies use. A bundle recording others is refused: its
	// settings never widen the verifier's sandbox.
	AllowBuiltins []string
	// Limits bound what is read and extracted; zero fields are the defaults.
	Limits evidence.Limits
	// Timeout bounds the re-evaluation; 0 is DefaultTimeout.
	Timeout time.Duration
	// MaxMemory bounds the re-evaluation's heap, as Options.MaxMemory.
	MaxMemory int64
}

// VerifyBundle checks the bundle at path, trusting nothing in it until it
// is checked. A first pass reads manifest.json and manifest.sig from the
// archive without writing anything, refusing unsafe entries and anything
// over vo.Limits; the signature (with a key) is checked next, and a bad
// one stops there. Only then are the files the manifest lists extracted,
// into a private temporary folder removed on every return, each hashed as
// it is written; any difference stops there too, before a policy is
// compiled. Last, the bundle's policies run on its snapshot in the
// verifier's sandbox, and the result is compared with the recorded one.
//
// An unreadable, unsafe or oversized archive, and a bundle whose recorded
// --allow-builtin the verifier did not give, are InputErrors; a
// re-evaluation cut short is a TimeoutError, an interrupt ctx's error; a
// bundle that does not verify is not an error.
func VerifyBundle(ctx context.Context, path string, vo VerifyOptions) (*Verification, error) {
	for _, name := range vo.AllowBuiltins {
		if !evaluator.IsSandboxed(name) {
			return nil, Inputf("--allow-builtin %q: not one of the builtins the sandbox refuses (%s)", name, strings.Join(evaluator.DeniedBuiltins, ", "))
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, AsInput(fmt.Errorf("open bundle: %w", err))
	}
	defer f.Close()
	mb, sig, err := evidence.ReadManifest(ctx, f, vo.Limits)
	if err != nil {
		return nil, bundleError(ctx, path, err)
	}
	man, problems := evidence.CheckManifest(mb, sig, vo.Pub)
	v := &Verification{Manifest: man, Problems: problems, Signature: "verified"}
	switch {
	case vo.Pub == nil && sig != nil:
		v.Signature = "unchecked"
	case vo.Pub == nil:
		v.Signature = "unsigned"
	}
	if man == nil || len(problems) > 0 {
		return v, nil
	}
	if err := man.CheckLimits(vo.Limits); err != nil {
		return nil, bundleError(ctx, path, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	dir, err := os.MkdirTemp("", "authgate-verify-*")
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	defer os.RemoveAll(dir)
	if v.Problems, err = evidence.ExtractListed(ctx, f, dir, man, vo.Limits); err != nil {
		return nil, bundleError(ctx, path, err)
	}
	if len(v.Problems) > 0 {
		return v, nil
	}
	st := evidence.Staged{Dir: dir}
	allow, err := bundleSandbox(st, vo.AllowBuiltins)
	if err != nil {
		return nil, err
	}
	if v.Problems, err = reevaluate(ctx, st, man, allow, vo.Timeout, vo.MaxMemory); err != nil {
		return nil, err
	}
	return v, nil
}

// bundleError makes an archive's error an InputError naming the bundle,
// unless ctx ended (an interrupt is no verdict on the bundle).
func bundleError(ctx context.Context, path string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("verify %s: interrupted before the bundle was checked: %w", path, ctx.Err())
	}
	var le *evidence.LimitError
	if errors.As(err, &le) && le.Total {
		return Inputf("%s: %v (--max-bundle-bytes raises the limit)", path, err)
	}
	return AsInput(fmt.Errorf("%s: %w", path, err))
}

// bundleSandbox returns the builtins the re-evaluation may use: those the
// bundle records in data/settings.json, each of which the verifier must
// have allowed itself; else an InputError naming the ones it did not.
func bundleSandbox(st evidence.Staged, verifier []string) ([]string, error) {
	var s evidence.Settings
	if err := st.ReadJSON(evidence.SettingsPath, &s); err != nil {
		return nil, AsInput(err)
	}
	var missing []string
	for _, name := range s.AllowBuiltins {
		if !slices.ContainsFunc(verifier, func(v string) bool {
			return v == name || (strings.HasSuffix(v, ".*") && strings.HasPrefix(name, strings.TrimSuffix(v, "*")))
		}) {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		flags := "--allow-builtin " + strings.Join(missing, " --allow-builtin ")
		return nil, Inputf("bundle: %s records %s: its policies were let out of the sandbox; verify re-evaluates them only if you pass %s yourself",
			evidence.SettingsPath, flags, flags)
	}
	return s.AllowBuiltins, nil
}

// reevaluate runs the pipeline on the extracted bundle and compares its
// JSON results with the recorded ones byte for byte. A re-evaluation that
// fails is a problem of the bundle, unless it ran out of time.
func reevaluate(ctx context.Context, st evidence.Staged, man *evidence.Manifest, allow []string, timeout time.Duration, maxMemory int64) ([]string, error) {
	p, err := planBundle(ctx, st, result.Tool{Name: man.Tool.Name, Version: man.Tool.Version}, allow, timeout, maxMemory)
	var o *Outcome
	if err == nil {
		o, err = Run(ctx, p)
	}
	var te *TimeoutError
	var me *evaluator.MemoryError
	if errors.As(err, &te) || errors.As(err, &me) {
		return nil, err // no verdict on the bundle either way
	}
	if err != nil && ctx.Err() != nil {
		// Interrupted: no verdict on the bundle. The evaluator's cancel
		// error does not wrap the context's, so name it here.
		return nil, fmt.Errorf("verify interrupted during re-evaluation: %w", ctx.Err())
	}
	if err != nil {
		return []string{"re-evaluation failed: " + strings.Join(strings.Fields(err.Error()), " ")}, nil
	}
	got, err := render("json", bundleReportOptions(o.Result), o.Result)
	if err != nil {
		return nil, err
	}
	want, err := readAtMost(st.Path(evidence.ResultsJSON), int64(len(got))+1)
	if err != nil {
		return []string{evidence.ResultsJSON + " is missing"}, nil
	}
	if problems := evidence.CompareResults(got, want); problems != nil {
		return problems, nil
	}
	if string(o.Result.Verdict) != man.Verdict {
		return []string{fmt.Sprintf("manifest.json says verdict %s, the results say %s", man.Verdict, o.Result.Verdict)}, nil
	}
	return nil, nil
}

// readAtMost reads up to n bytes of the file p: recorded results longer
// than the re-evaluated ones differ from them, however long they are.
func readAtMost(p string, n int64) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, n))
}

// Disagreements compares the verdict and findings of two results: each
// control's status and, per violation, its subject, message and whether it
// is waived. It describes each difference (the first few); nil when they
// agree.
func Disagreements(got, want *result.Result) []string {
	var out []string
	if got.Verdict != want.Verdict {
		out = append(out, fmt.Sprintf("verdict %s, not %s", got.Verdict, want.Verdict))
	}
	findings := func(c result.Control) string {
		fs := make([]string, 0, len(c.Violations))
		for _, v := range c.Violations {
			id := ""
			if v.Subject != nil {
				id = v.Subject.ID
			}
			fs = append(fs, fmt.Sprintf("%s|%s|%t", id, v.Message, v.Waiver != nil))
		}
		slices.Sort(fs)
		return string(c.Status) + "\n" + strings.Join(fs, "\n")
	}
	byID := map[string]string{}
	for _, c := range want.Controls {
		byID[c.ID] = findings(c)
	}
	for _, c := range got.Controls {
		w, ok := byID[c.ID]
		switch {
		case !ok:
			out = append(out, c.ID+" is not in the check's results")
		case w != findings(c):
			out = append(out, fmt.Sprintf("%s: %s with %d violations, the check has other findings", c.ID, c.Status, len(c.Violations)))
		}
		delete(byID, c.ID)
	}
	for _, c := range want.Controls {
		if _, ok := byID[c.ID]; ok {
			out = append(out, c.ID+" is missing from the bundle's results")
		}
	}
	if len(out) > 5 {
		out = append(out[:5], fmt.Sprintf("and %d more", len(out)-5))
	}
	return out
}
