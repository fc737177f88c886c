package gate

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

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
// atomically.
func CreateBundle(ctx context.Context, p *Plan, out string, bi BuildInfo) (*Bundle, error) {
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
	bp, err := planBundle(ctx, st, p.opts.Tool, p.opts.Timeout)
	if err != nil {
		return nil, err
	}
	o, err := Run(ctx, bp)
	if err != nil {
		return nil, err
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
	}
	var written *evidence.Manifest
	err = atomicfile.Write(out, 0o644, func(w io.Writer) error {
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
	return st.WriteJSON(evidence.SettingsPath, evidence.Settings{
		FailOn: p.opts.FailOn, Now: p.opts.Now, NoBuiltin: p.opts.NoBuiltin, AllowBuiltins: p.opts.AllowBuiltins, MaxWaiverDays: p.maxWaiverDays,
	})
}

// planBundle prepares the evaluation of the bundle staged or extracted in
// st: its policies (the bundled pack, never the binary's), params, waivers
// and settings on its snapshot. Its problems are the bundle's, so they are
// InputErrors naming the bundle's files.
func planBundle(ctx context.Context, st evidence.Staged, tool result.Tool, timeout time.Duration) (*Plan, error) {
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
		NoBuiltin: s.NoBuiltin, AllowBuiltins: s.AllowBuiltins, Params: params, FailOn: s.FailOn, Now: s.Now,
		MaxWaiverDays: s.MaxWaiverDays, Tool: tool, Timeout: timeout,
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

// VerifyOptions are how VerifyBundle checks a bundle.
type VerifyOptions struct {
	// Pub is the key that must have signed the manifest; nil checks no signature.
	Pub ed25519.PublicKey
	// MaxEntry bounds each archive entry (evidence.Extract).
	MaxEntry int64
	// Timeout bounds the re-evaluation; 0 is DefaultTimeout.
	Timeout time.Duration
}

// VerifyBundle checks every hash of the bundle at path and, with a key,
// its signature; then it runs the pipeline on the bundle's own contents and
// compares the result with the recorded one. An unreadable or unsafe
// archive is an InputError, a re-evaluation cut short a TimeoutError; a
// bundle that does not verify is not an error.
func VerifyBundle(ctx context.Context, path string, vo VerifyOptions) (*Verification, error) {
	pub := vo.Pub
	f, err := os.Open(path)
	if err != nil {
		return nil, AsInput(fmt.Errorf("open bundle: %w", err))
	}
	defer f.Close()
	dir, err := os.MkdirTemp("", "authgate-verify-*")
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := evidence.Extract(f, dir, vo.MaxEntry); err != nil {
		return nil, AsInput(fmt.Errorf("%s: %w", path, err))
	}
	man, problems, err := evidence.Check(dir, pub)
	if err != nil {
		return nil, AsInput(err)
	}
	v := &Verification{Manifest: man, Problems: problems, Signature: "verified"}
	switch {
	case pub == nil && evidence.Signed(dir):
		v.Signature = "unchecked"
	case pub == nil:
		v.Signature = "unsigned"
	}
	if len(problems) == 0 {
		if v.Problems, err = reevaluate(ctx, evidence.Staged{Dir: dir}, man, vo.Timeout); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// reevaluate runs the pipeline on the extracted bundle and compares its
// JSON results with the recorded ones byte for byte. A re-evaluation that
// fails is a problem of the bundle, unless it ran out of time.
func reevaluate(ctx context.Context, st evidence.Staged, man *evidence.Manifest, timeout time.Duration) ([]string, error) {
	p, err := planBundle(ctx, st, result.Tool{Name: man.Tool.Name, Version: man.Tool.Version}, timeout)
	var o *Outcome
	if err == nil {
		o, err = Run(ctx, p)
	}
	var te *TimeoutError
	if errors.As(err, &te) {
		return nil, err
	}
	if err != nil {
		return []string{"re-evaluation failed: " + strings.Join(strings.Fields(err.Error()), " ")}, nil
	}
	got, err := render("json", bundleReportOptions(o.Result), o.Result)
	if err != nil {
		return nil, err
	}
	want, err := os.ReadFile(st.Path(evidence.ResultsJSON))
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
