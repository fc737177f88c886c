package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/evidence"
	"github.com/authgate/authgate/internal/atomicfile"
	"github.com/authgate/authgate/policies"
	"github.com/authgate/authgate/pseudonym"
	"github.com/authgate/authgate/reports"
	"github.com/authgate/authgate/scope"
	"github.com/authgate/authgate/snapshot"
	"github.com/authgate/authgate/waivers"
	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"
)

// auditOptions are the flags of issue 7 that check, run and evidence
// create share.
type auditOptions struct {
	baseline     string // an earlier snapshot for the trend controls
	pseudonymize bool
	keyFile      string // pseudonym key file (else AUTHGATE_PSEUDONYM_KEY)
	evidence     string // check/run: also write an evidence bundle here
	signKey      string // sign the bundle with this Ed25519 key
}

// addAuditFlags registers --baseline, --pseudonymize and
// --pseudonym-key-file, and, with bundle, --evidence and --sign-key.
func addAuditFlags(fs *pflag.FlagSet, a *auditOptions, bundle bool) {
	fs.StringVar(&a.baseline, "baseline", "", "earlier snapshot `FILE` of the tenant: adds the trend controls AM-TRD-01..03 and a coverage-over-time chart")
	fs.BoolVar(&a.pseudonymize, "pseudonymize", false, "replace user ids, UPNs and display names with keyed tokens in every output (key: $"+pseudonym.EnvKey+" or --pseudonym-key-file)")
	fs.StringVar(&a.keyFile, "pseudonym-key-file", "", "read the pseudonym key from `FILE` instead of $"+pseudonym.EnvKey)
	if bundle {
		fs.StringVar(&a.evidence, "evidence", "", "also write an evidence bundle (tar.gz) to `FILE`")
		fs.StringVar(&a.signKey, "sign-key", "", "sign the evidence bundle's manifest with this Ed25519 private key `FILE` (authgate evidence keygen)")
	}
}

// validate refuses flags that make no sense together.
func (a *auditOptions) validate() error {
	if a.signKey != "" && a.evidence == "" {
		return usagef("--sign-key signs an evidence bundle: add --evidence FILE")
	}
	return nil
}

// pseudonymizer loads the key when --pseudonymize is set; nil otherwise.
func (a *auditOptions) pseudonymizer() (*pseudonym.Pseudonymizer, error) {
	if !a.pseudonymize {
		if a.keyFile != "" {
			return nil, usagef("--pseudonym-key-file is used only with --pseudonymize")
		}
		return nil, nil
	}
	p, err := pseudonym.LoadKey(a.keyFile)
	return p, invalid(err)
}

// engineOptions are the evaluator options of the audit flags.
func (a *auditOptions) engineOptions() []evaluator.Option {
	if a.baseline == "" {
		return nil
	}
	return []evaluator.Option{evaluator.WithBaseline(a.baseline)}
}

// htmlOptions gives the html writer the baseline's coverage.
func htmlOptions(e *evaluator.Engine) reports.HTMLOptions {
	var h reports.HTMLOptions
	if b := e.Baseline(); b != nil {
		h.History = []reports.CoveragePoint{{Label: b.FetchedAt, Aggregates: b.Aggregates}}
	}
	return h
}

const evidenceSubcommands = "create, verify, keygen"

func evidenceUsage(w io.Writer) {
	fmt.Fprintf(w, `Usage:
  authgate evidence create --snapshot FILE -o BUNDLE.tar.gz [--sign-key KEY] [check flags]
  authgate evidence verify BUNDLE.tar.gz [--pub KEY]
  authgate evidence keygen -o PREFIX

Subcommands:
  create  evaluate a snapshot and write a bundle: snapshot, results in every format, policies, data, manifest
  verify  check every hash and the signature, then re-evaluate the bundle and compare with its results
  keygen  make an Ed25519 key pair: PREFIX.key (0600) and PREFIX.pub

%s`, exitCodesHelp)
}

// cmdEvidence dispatches `authgate evidence create|verify|keygen`.
func cmdEvidence(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		evidenceUsage(stderr)
		return usagef("evidence: no subcommand given (valid: %s)", evidenceSubcommands)
	}
	switch args[0] {
	case "-h", "--help", "help":
		evidenceUsage(stdout)
		return nil
	case "create":
		return cmdEvidenceCreate(ctx, args[1:], stdout, stderr)
	case "verify":
		return cmdEvidenceVerify(ctx, args[1:], stdout, stderr)
	case "keygen":
		return cmdEvidenceKeygen(ctx, args[1:], stdout, stderr)
	}
	return usagef("evidence: unknown subcommand %q (valid: %s)", args[0], evidenceSubcommands)
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
		return invalid(err)
	}
	fmt.Fprintf(stdout, "private key: %s (keep it secret)\npublic key:  %s (give it to whoever verifies)\n", priv, pub)
	return nil
}

func cmdEvidenceCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	co := checkOptions{failOn: "high", evalMode: string(evaluator.ModeStream)}
	var a auditOptions
	var out string
	fs := newFlagSet("evidence create", "evidence create --snapshot FILE -o BUNDLE.tar.gz [--sign-key KEY] [flags]", stdout)
	fs.StringVar(&co.snapshot, "snapshot", "", "snapshot `FILE` to evaluate and bundle (required)")
	fs.StringVarP(&out, "output", "o", "", "bundle `FILE` to write (.tar.gz; required)")
	fs.StringVar(&a.signKey, "sign-key", "", "sign the manifest with this Ed25519 private key `FILE` (authgate evidence keygen)")
	addPolicyFlags(fs, &co, true)
	fs.StringVar(&co.waivers, "waivers", "", "waivers `FILE` (YAML); adds to authgate.yaml's waivers")
	fs.StringVar(&co.failOn, "fail-on", "high", "lowest severity that fails the gate: critical|high|medium|low|info|none")
	fs.StringVar(&co.now, "now", "", "evaluation time (RFC 3339); default: the snapshot's fetchedAt")
	fs.Int64Var(&co.maxBytes, "max-snapshot-bytes", snapshot.DefaultMaxBytes, "refuse snapshots larger than `N` bytes")
	addAuditFlags(fs, &a, false)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("evidence create: unexpected argument %q", fs.Arg(0))
	}
	if out == "" {
		return usagef("evidence create: -o BUNDLE.tar.gz is required")
	}
	res, err := createEvidence(ctx, &co, &a, out, stdout)
	if err != nil {
		return err
	}
	if res.Verdict == evaluator.VerdictFail {
		return errGateFailed
	}
	return nil
}

// bundleSettings is data/settings.json: what evaluation needs besides the
// snapshot, policies, params and waivers.
type bundleSettings struct {
	FailOn        string   `json:"failOn"`
	Now           string   `json:"now,omitempty"`
	NoBuiltin     bool     `json:"noBuiltin,omitempty"`
	AllowBuiltins []string `json:"allowBuiltins,omitempty"`
	MaxWaiverDays int      `json:"maxWaiverDays"`
	// Exclusions are authgate.yaml's (subjects tokenised in a
	// pseudonymised bundle), so that the bundle re-evaluates with them.
	Exclusions []scope.Exclusion `json:"exclusions,omitempty"`
}

// Paths inside a bundle.
const (
	bundleSnapshot     = "snapshot.json"
	bundleBaseline     = "baseline.json"
	bundleSettingsFile = "data/settings.json"
	bundleParams       = "data/params.json"
	bundleWaivers      = "data/waivers.yaml"
	bundleUser         = "policies/user"
	bundleResults      = "results/results"
)

// bundleFormats maps each format of the bundle to its file extension.
var bundleFormats = []struct{ format, ext string }{
	{"json", ".json"}, {"sarif", ".sarif"}, {"junit", ".junit.xml"}, {"markdown", ".md"}, {"html", ".html"},
}

// createEvidence stages a bundle in a temporary folder (the snapshot,
// pseudonymised when asked; the built-in pack and user policies; params,
// waivers and settings), evaluates the staged files exactly as verify will,
// renders every format and writes the archive to out atomically.
func createEvidence(ctx context.Context, co *checkOptions, a *auditOptions, out string, stdout io.Writer) (*evaluator.Result, error) {
	if co.snapshot == "" {
		return nil, usagef("evidence: --snapshot FILE is required")
	}
	if co.failOn != evaluator.FailOnNone {
		if _, err := evaluator.ParseSeverity(co.failOn); err != nil {
			return nil, usagef("--fail-on: %v", err)
		}
	}
	if co.now != "" {
		if _, err := time.Parse(time.RFC3339, co.now); err != nil {
			return nil, usagef("--now %q: not an RFC 3339 time (e.g. 2026-11-27T08:00:00Z)", co.now)
		}
	}
	p, err := a.pseudonymizer()
	if err != nil {
		return nil, err
	}
	var key []byte
	if a.signKey != "" {
		k, err := evidence.LoadPrivateKey(a.signKey)
		if err != nil {
			return nil, invalid(err)
		}
		key = k
	}
	dir, err := os.MkdirTemp("", "authgate-evidence-*")
	if err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	defer os.RemoveAll(dir)

	m, err := snapshot.PeekManifest(co.snapshot)
	if err != nil {
		return nil, err
	}
	keep := map[string]bool{strings.ToLower(m.TenantID): true}
	stageSnap := func(src, name string) error {
		dst := filepath.Join(dir, name)
		if p != nil {
			return p.Snapshot(ctx, src, dst, snapshot.ScanOptions{MaxBytes: co.maxBytes})
		}
		return copyFile(src, dst)
	}
	if err := stageSnap(co.snapshot, bundleSnapshot); err != nil {
		return nil, err
	}
	if a.baseline != "" {
		if err := stageSnap(a.baseline, bundleBaseline); err != nil {
			return nil, err
		}
	}
	if err := stagePolicies(dir, co.policies); err != nil {
		return nil, err
	}
	params, err := co.params()
	if err != nil {
		return nil, err
	}
	cfg, err := co.loadConfig()
	if err != nil {
		return nil, err
	}
	if p != nil {
		for k, v := range params {
			params[k] = p.Value(v, keep)
		}
	}
	if err := writeJSONFile(filepath.Join(dir, bundleParams), params); err != nil {
		return nil, err
	}
	entries, err := co.loadWaivers()
	if err != nil {
		return nil, err
	}
	if len(entries) > 0 {
		list := make([]map[string]string, 0, len(entries))
		for _, e := range entries {
			w := e.Waiver
			if p != nil {
				w.Subject = p.Text(w.Subject, nil, keep)
			}
			item := map[string]string{"control": w.Control, "reason": w.Reason, "owner": w.Owner, "expires": w.Expires}
			if w.Subject != "" {
				item["subject"] = w.Subject
			}
			if w.Ticket != "" {
				item["ticket"] = w.Ticket
			}
			list = append(list, item)
		}
		b, err := yaml.Marshal(map[string]any{"waivers": list})
		if err != nil {
			return nil, fmt.Errorf("evidence: encode waivers: %w", err)
		}
		if err := writeFile(filepath.Join(dir, bundleWaivers), b); err != nil {
			return nil, err
		}
	}
	settings := bundleSettings{FailOn: co.failOn, Now: co.now, NoBuiltin: co.noBuiltin, AllowBuiltins: co.allow, MaxWaiverDays: cfg.maxWaiverDays()}
	settings.Exclusions = bundleExclusions(cfg, p)
	if err := writeJSONFile(filepath.Join(dir, bundleSettingsFile), settings); err != nil {
		return nil, err
	}

	bi := readBuildInfo()
	tool := evaluator.Tool{Name: "authgate", Version: bi.Version}
	res, engine, evalAt, err := evaluateBundle(ctx, dir, tool)
	if err != nil {
		return nil, err
	}
	inputs, err := evidence.Hash(dir)
	if err != nil {
		return nil, err
	}
	if err := renderBundleResults(dir, res, engine, inputs); err != nil {
		return nil, err
	}
	man := evidence.Manifest{
		Tool:       evidence.Tool{Name: "authgate", Version: bi.Version, Commit: bi.Commit},
		OPAVersion: bi.OPA, PackVersion: engine.TaxonomyVersion(),
		EvaluatedAt: evalAt.UTC().Format(time.RFC3339), Now: co.now, TenantID: res.Snapshot.TenantID,
		Verdict: string(res.Verdict), FailOn: res.FailOn, Pseudonymized: p != nil, Params: engine.Params(),
		Exclusions: res.Exclusions,
	}
	var written *evidence.Manifest
	err = atomicfile.Write(out, 0o644, func(w io.Writer) error {
		written, err = evidence.Create(w, dir, man, key)
		return err
	})
	if err != nil {
		return nil, err
	}
	signed := "unsigned"
	if key != nil {
		signed = "signed"
	}
	fmt.Fprintf(stdout, "evidence bundle %s: %d files, verdict %s, %s\n", out, len(written.Files)+1, res.Verdict, signed)
	return res, nil
}

// renderBundleResults writes the results in every bundle format.
func renderBundleResults(dir string, res *evaluator.Result, engine *evaluator.Engine, inputs []evidence.File) error {
	exit := exitOK
	if res.Verdict == evaluator.VerdictFail {
		exit = exitViolations
	}
	ro := reports.Options{SnapshotURI: bundleSnapshot, ExitCode: exit, FullList: bundleResults + ".json", HTML: htmlOptions(engine)}
	for _, f := range inputs {
		ro.HTML.Files = append(ro.HTML.Files, reports.ManifestFile{Path: f.Path, SHA256: f.SHA256, Size: f.Size})
	}
	offsets := []int64{res.Snapshot.ManifestOffset}
	for _, c := range res.Controls {
		for _, v := range c.Violations {
			offsets = append(offsets, v.Offset)
		}
	}
	lineOf, err := snapshot.Lines(filepath.Join(dir, bundleSnapshot), offsets)
	if err != nil {
		return err
	}
	ro.LineOf = lineOf
	for _, f := range bundleFormats {
		b, err := render(f.format, ro, res)
		if err != nil {
			return err
		}
		if err := writeFile(filepath.Join(dir, filepath.FromSlash(bundleResults+f.ext)), b); err != nil {
			return err
		}
	}
	return nil
}

func render(format string, ro reports.Options, res *evaluator.Result) ([]byte, error) {
	w, err := reports.New(format, ro)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := w.Write(&b, res); err != nil {
		return nil, fmt.Errorf("write %s output: %w", format, err)
	}
	return b.Bytes(), nil
}

// evaluateBundle evaluates the bundle staged or extracted in dir: its
// policies (the bundled pack, never the binary's), params, waivers and
// settings on its snapshot, with paths reported relative to the bundle. It
// returns the result, the engine and the evaluation time.
func evaluateBundle(ctx context.Context, dir string, tool evaluator.Tool) (*evaluator.Result, *evaluator.Engine, time.Time, error) {
	var s bundleSettings
	if err := readJSONFile(filepath.Join(dir, bundleSettingsFile), &s); err != nil {
		return nil, nil, time.Time{}, err
	}
	var params map[string]any
	if err := readJSONFile(filepath.Join(dir, bundleParams), &params); err != nil {
		return nil, nil, time.Time{}, err
	}
	opts := []evaluator.Option{
		evaluator.WithBuiltin(os.DirFS(filepath.Join(dir, "policies"))),
		evaluator.WithAllowedBuiltins(s.AllowBuiltins...),
		evaluator.WithParams(params),
	}
	if s.NoBuiltin {
		opts = append(opts, evaluator.WithoutBuiltinControls())
	}
	if exists(filepath.Join(dir, filepath.FromSlash(bundleUser))) {
		opts = append(opts, evaluator.WithPolicies(filepath.Join(dir, filepath.FromSlash(bundleUser))))
	}
	if exists(filepath.Join(dir, bundleBaseline)) {
		opts = append(opts, evaluator.WithBaseline(filepath.Join(dir, bundleBaseline)))
	}
	snap := filepath.Join(dir, bundleSnapshot)
	var now time.Time
	if s.Now != "" {
		t, err := time.Parse(time.RFC3339, s.Now)
		if err != nil {
			return nil, nil, time.Time{}, invalid(fmt.Errorf("%s: now: %w", bundleSettingsFile, err))
		}
		now = t
		opts = append(opts, evaluator.WithNow(t))
	} else {
		m, err := snapshot.PeekManifest(snap)
		if err != nil {
			return nil, nil, time.Time{}, err
		}
		if now, err = time.Parse(time.RFC3339, m.FetchedAt); err != nil {
			return nil, nil, time.Time{}, &snapshot.Error{File: snap, Path: "manifest.fetchedAt", Msg: fmt.Sprintf("%q is not an RFC 3339 time", m.FetchedAt)}
		}
	}
	if len(s.Exclusions) > 0 {
		set, err := scope.New(bundleSettingsFile, s.Exclusions, nil)
		if err != nil {
			return nil, nil, time.Time{}, invalid(err)
		}
		opts = append(opts, evaluator.WithExclusions(set))
	}
	engine, err := evaluator.New(ctx, opts...)
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	var entries []waivers.Entry
	if wf := filepath.Join(dir, filepath.FromSlash(bundleWaivers)); exists(wf) {
		if entries, err = waivers.Load(wf); err != nil {
			return nil, nil, time.Time{}, invalid(err)
		}
		if err := waivers.Validate(entries, engine.Controls(), now, s.MaxWaiverDays); err != nil {
			return nil, nil, time.Time{}, invalid(err)
		}
	}
	res, err := engine.Evaluate(ctx, snap, snapshot.ScanOptions{})
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	if len(entries) > 0 {
		waivers.Apply(res, entries, now)
	}
	res.Tool = tool
	if err := res.Decide(s.FailOn); err != nil {
		return nil, nil, time.Time{}, invalid(fmt.Errorf("%s: failOn: %w", bundleSettingsFile, err))
	}
	res.Snapshot.Path = bundleSnapshot
	for i := range res.Controls {
		c := &res.Controls[i]
		if filepath.IsAbs(c.Source) {
			if rel, err := filepath.Rel(dir, c.Source); err == nil {
				c.Source = filepath.ToSlash(rel)
			}
		}
	}
	return res, engine, now, nil
}

// stagePolicies copies the built-in pack (builtin/, lib/, data/) to
// policies/ and each user policy path to policies/user/<n>/.
func stagePolicies(dir string, paths []string) error {
	err := fs.WalkDir(policies.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(policies.FS, p)
		if err != nil {
			return err
		}
		return writeFile(filepath.Join(dir, "policies", filepath.FromSlash(p)), b)
	})
	if err != nil {
		return fmt.Errorf("evidence: copy the built-in pack: %w", err)
	}
	for i, src := range paths {
		base := filepath.Join(dir, filepath.FromSlash(bundleUser), fmt.Sprint(i))
		st, err := os.Stat(src)
		if err != nil {
			return invalid(fmt.Errorf("--policy %s: %w", src, err))
		}
		if !st.IsDir() {
			if err := copyFile(src, filepath.Join(base, filepath.Base(src))); err != nil {
				return err
			}
			continue
		}
		err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".rego") {
				return err
			}
			rel, err := filepath.Rel(src, p)
			if err != nil {
				return err
			}
			return copyFile(p, filepath.Join(base, rel))
		})
		if err != nil {
			return fmt.Errorf("evidence: copy --policy %s: %w", src, err)
		}
	}
	return nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func writeFile(p string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return invalid(fmt.Errorf("evidence: %w", err))
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("evidence: copy %s: %w", src, err)
	}
	return out.Close()
}

func writeJSONFile(p string, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("evidence: encode %s: %w", filepath.Base(p), err)
	}
	return writeFile(p, b.Bytes())
}

func readJSONFile(p string, v any) error {
	b, err := os.ReadFile(p)
	if err != nil {
		return invalid(fmt.Errorf("bundle: %w", err))
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return invalid(fmt.Errorf("bundle: %s: %w", filepath.Base(p), err))
	}
	return nil
}

func cmdEvidenceVerify(ctx context.Context, args []string, stdout, _ io.Writer) error {
	fs := newFlagSet("evidence verify", "evidence verify BUNDLE.tar.gz [--pub KEY]", stdout)
	var pubPath string
	var maxEntry int64
	fs.StringVar(&pubPath, "pub", "", "Ed25519 public key `FILE` that must have signed the manifest")
	fs.Int64Var(&maxEntry, "max-entry-bytes", evidence.DefaultMaxEntry, "refuse archive entries larger than `N` bytes")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("evidence verify: want one BUNDLE.tar.gz argument")
	}
	return verifyEvidence(ctx, fs.Arg(0), pubPath, maxEntry, stdout)
}

// verifyEvidence checks a bundle and re-evaluates it. Problems are printed
// one per line and return errGateFailed (exit 1); an unreadable or unsafe
// archive is invalid input (exit 2).
func verifyEvidence(ctx context.Context, bundle, pubPath string, maxEntry int64, stdout io.Writer) error {
	var pub []byte
	if pubPath != "" {
		k, err := evidence.LoadPublicKey(pubPath)
		if err != nil {
			return invalid(err)
		}
		pub = k
	}
	f, err := os.Open(bundle)
	if err != nil {
		return invalid(fmt.Errorf("open bundle: %w", err))
	}
	defer f.Close()
	dir, err := os.MkdirTemp("", "authgate-verify-*")
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := evidence.Extract(f, dir, maxEntry); err != nil {
		return invalid(fmt.Errorf("%s: %w", bundle, err))
	}
	man, problems, err := evidence.Check(dir, pub)
	if err != nil {
		return invalid(err)
	}
	if len(problems) == 0 {
		problems = reevaluate(ctx, dir, man)
	}
	if len(problems) > 0 {
		fmt.Fprintf(stdout, "FAIL %s: %d %s\n", bundle, len(problems), plural(len(problems), "problem", "problems"))
		for _, p := range problems {
			fmt.Fprintf(stdout, "  - %s\n", p)
		}
		return errGateFailed
	}
	sig := "signature verified"
	switch {
	case pub == nil && evidence.Signed(dir):
		sig = "signed, signature NOT checked (give --pub KEY)"
	case pub == nil:
		sig = "unsigned"
	}
	fmt.Fprintf(stdout, "OK %s: %d files match the manifest; %s; re-evaluation with the bundled policies gives the bundled verdict (%s) and findings\n",
		bundle, len(man.Files), sig, man.Verdict)
	fmt.Fprintf(stdout, "  made by %s %s (OPA %s, pack %s), evaluated at %s, tenant %s\n",
		man.Tool.Name, man.Tool.Version, man.OPAVersion, man.PackVersion, man.EvaluatedAt, man.TenantID)
	return nil
}

// reevaluate evaluates the extracted bundle and compares the json output
// with results/results.json byte for byte, describing any difference.
func reevaluate(ctx context.Context, dir string, man *evidence.Manifest) []string {
	res, _, _, err := evaluateBundle(ctx, dir, evaluator.Tool{Name: man.Tool.Name, Version: man.Tool.Version})
	if err != nil {
		return []string{"re-evaluation failed: " + oneLine(err.Error())}
	}
	exit := exitOK
	if res.Verdict == evaluator.VerdictFail {
		exit = exitViolations
	}
	got, err := render("json", reports.Options{SnapshotURI: bundleSnapshot, ExitCode: exit, FullList: bundleResults + ".json"}, res)
	if err != nil {
		return []string{err.Error()}
	}
	want, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(bundleResults+".json")))
	if err != nil {
		return []string{"results/results.json is missing"}
	}
	if bytes.Equal(got, want) {
		if string(res.Verdict) != man.Verdict {
			return []string{fmt.Sprintf("manifest.json says verdict %s, the results say %s", man.Verdict, res.Verdict)}
		}
		return nil
	}
	var problems []string
	var bundled struct {
		Verdict  string `json:"verdict"`
		Controls []struct {
			ID         string            `json:"id"`
			Status     string            `json:"status"`
			Violations []json.RawMessage `json:"violations"`
		} `json:"controls"`
	}
	if err := json.Unmarshal(want, &bundled); err != nil {
		return []string{"results/results.json is not valid JSON: " + err.Error()}
	}
	if bundled.Verdict != string(res.Verdict) {
		problems = append(problems, fmt.Sprintf("re-evaluation gives verdict %s, results/results.json says %s", res.Verdict, bundled.Verdict))
	}
	byID := map[string]int{}
	for i, c := range res.Controls {
		byID[c.ID] = i
	}
	for _, c := range bundled.Controls {
		i, ok := byID[c.ID]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s is in results/results.json but the bundled policies do not define it", c.ID))
			continue
		}
		rc := res.Controls[i]
		if string(rc.Status) != c.Status || len(rc.Violations) != len(c.Violations) {
			problems = append(problems, fmt.Sprintf("%s: re-evaluation gives %s with %d violations, results/results.json says %s with %d", c.ID, rc.Status, len(rc.Violations), c.Status, len(c.Violations)))
		}
		delete(byID, c.ID)
	}
	for id := range byID {
		problems = append(problems, fmt.Sprintf("%s is defined by the bundled policies but missing from results/results.json", id))
	}
	line := 1
	for i := 0; i < min(len(got), len(want)); i++ {
		if got[i] != want[i] {
			break
		}
		if got[i] == '\n' {
			line++
		}
	}
	problems = append(problems, fmt.Sprintf("re-evaluation differs from results/results.json from line %d", line))
	return problems
}
