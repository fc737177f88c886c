package gate

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/authgate/authgate/internal/atomicfile"
	"github.com/authgate/authgate/reports"
	"github.com/authgate/authgate/result"
	"github.com/authgate/authgate/snapshot"
	"gopkg.in/yaml.v3"
)

// Output is one requested rendering.
type Output struct {
	Format string
	Path   string // "" for stdout
}

// Exit codes the reports record (JUnit properties, SARIF invocations): the
// command line's contract for a verdict.
const (
	exitPass = 0
	exitFail = 1
)

// planOutputs validates the output options before any work is done.
func planOutputs(o Options) ([]Output, error) {
	format := o.Format
	if format == "" {
		format = "text"
	}
	if _, err := reports.New(format, reports.Options{}); err != nil {
		return nil, Inputf("--format: %v", err)
	}
	if o.MaxPerControl < 0 {
		return nil, Inputf("--max-per-control %d: want 0 (the format's default) or more", o.MaxPerControl)
	}
	outs := []Output{{Format: format, Path: o.OutputFile}}
	if o.OutputFile == "-" {
		outs[0].Path = ""
	}
	for _, spec := range o.ExtraOutputs {
		format, path, ok := strings.Cut(spec, "=")
		if !ok || format == "" || path == "" {
			return nil, Inputf("--output %q: want FORMAT=PATH", spec)
		}
		if _, err := reports.New(format, reports.Options{}); err != nil {
			return nil, Inputf("--output %q: %v", spec, err)
		}
		outs = append(outs, Output{Format: format, Path: path})
	}
	return outs, nil
}

// checkPaths refuses outputs that are devices, folders, links, inputs or
// each other, before any work is done (CheckPaths).
func checkPaths(o Options, outs []Output, cfg *config) error {
	var outputs []PathArg
	for i, out := range outs {
		flag := "-o"
		if i > 0 {
			flag = "--output " + out.Format + "="
		}
		outputs = append(outputs, PathArg{Flag: flag, Path: out.Path})
	}
	evFlag := o.EvidenceFlag
	if evFlag == "" {
		evFlag = "--evidence"
	}
	outputs = append(outputs, PathArg{Flag: evFlag, Path: o.Evidence}, PathArg{Flag: "--snapshot-out", Path: o.SnapshotOut})
	inputs := []PathArg{{"--snapshot", o.Snapshot}, {"--baseline", o.Baseline}, {"--config", o.Config}, {"--waivers", o.Waivers},
		{"--sign-key", o.SignKey}, {"--pseudonym-key-file", o.PseudonymKeyFile}}
	if cfg != nil && cfg.Waivers.Kind == yaml.ScalarNode && cfg.Waivers.Tag == "!!str" {
		inputs = append(inputs, PathArg{"--config's waivers", cfg.waiversPath()})
	}
	for _, p := range o.Policies {
		inputs = append(inputs, PathArg{"--policy", p})
	}
	inputs = append(inputs, o.Inputs...)
	return CheckPaths(outputs, inputs)
}

// OutputPerm is the mode of every file a check writes: reports name the
// accounts that lack strong authentication, snapshots and bundles hold the
// whole tenant, so none of them is for other users of the machine.
const OutputPerm os.FileMode = 0o600

// Write renders the outcome in every requested output and, when the plan
// names one (Options.Evidence), writes the evidence bundle (bi describes
// the binary for its manifest). The files are one set: each is written to a
// temporary file beside it, and they are renamed into place only when all
// of them were written, so a failure leaves none of them (and the files
// they would have replaced as they were). Outputs to stdout follow once the
// files are in place. It returns the bundle, or nil.
func (p *Plan) Write(ctx context.Context, o *Outcome, stdout io.Writer, bi BuildInfo) (*Bundle, error) {
	res := o.Result
	ro := reports.Options{SnapshotURI: relPath(p.opts.Snapshot), MaxPerControl: p.opts.MaxPerControl, ExitCode: exitCodeOf(res), HTML: p.htmlOptions()}
	for _, out := range p.outs {
		if out.Format == "json" && out.Path != "" {
			ro.FullList = out.Path
			break
		}
	}
	if slices.ContainsFunc(p.outs, func(out Output) bool { return out.Format == "sarif" || out.Format == "github" }) {
		lineOf, err := linesOf(p.opts.Snapshot, res)
		if err != nil {
			return nil, err
		}
		ro.LineOf = lineOf
	}
	var set atomicfile.Set
	defer set.Discard()
	for _, out := range p.outs {
		if out.Path == "" {
			continue
		}
		w, err := reports.New(out.Format, ro)
		if err != nil {
			return nil, Inputf("%v", err)
		}
		err = set.Stage(out.Path, OutputPerm, func(f io.Writer) error {
			bw := bufio.NewWriterSize(f, 256<<10)
			if err := w.Write(bw, res); err != nil {
				return fmt.Errorf("write %s output %s: %w", out.Format, out.Path, err)
			}
			if err := bw.Flush(); err != nil {
				return fmt.Errorf("write %s output %s: %w", out.Format, out.Path, err)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	b, err := p.stageBundle(ctx, &set, bi, o)
	if err != nil {
		return nil, err
	}
	if err := set.Commit(); err != nil {
		return nil, err
	}
	for _, out := range p.outs {
		if out.Path != "" {
			continue
		}
		w, err := reports.New(out.Format, ro)
		if err != nil {
			return nil, Inputf("%v", err)
		}
		bw := bufio.NewWriterSize(stdout, 64<<10)
		if err := w.Write(bw, res); err != nil {
			return nil, fmt.Errorf("write %s output: %w", out.Format, err)
		}
		if err := bw.Flush(); err != nil {
			return nil, fmt.Errorf("write %s output: %w", out.Format, err)
		}
	}
	return b, nil
}

// WriteBundle writes only the plan's evidence bundle (evidence create),
// under the same rules as Write.
func (p *Plan) WriteBundle(ctx context.Context, bi BuildInfo) (*Bundle, error) {
	if p.opts.Evidence == "" {
		return nil, Inputf("evidence: -o BUNDLE.tar.gz is required")
	}
	var set atomicfile.Set
	defer set.Discard()
	b, err := p.stageBundle(ctx, &set, bi, nil)
	if err != nil {
		return nil, err
	}
	return b, set.Commit()
}

// stageBundle writes the evidence bundle, when the plan has one, to a
// file of set; nil without one. want is the command's own outcome, which
// the bundle's must equal (CreateBundleMatching); nil for evidence create.
func (p *Plan) stageBundle(ctx context.Context, set *atomicfile.Set, bi BuildInfo, want *Outcome) (*Bundle, error) {
	if p.opts.Evidence == "" {
		return nil, nil
	}
	tmp, err := set.Reserve(p.opts.Evidence, OutputPerm)
	if err != nil {
		return nil, err
	}
	b, err := CreateBundleMatching(ctx, p, tmp, bi, want)
	if err != nil {
		return nil, err
	}
	b.Path = p.opts.Evidence
	return b, nil
}

func exitCodeOf(res *result.Result) int {
	if res.Verdict == result.VerdictFail {
		return exitFail
	}
	return exitPass
}

// htmlOptions gives the html writer the baseline's coverage.
func (p *Plan) htmlOptions() reports.HTMLOptions {
	var h reports.HTMLOptions
	if b := p.engine.Baseline(); b != nil {
		h.History = []reports.CoveragePoint{{Label: b.FetchedAt, Aggregates: b.Aggregates}}
	}
	return h
}

// linesOf resolves the line of the manifest and of every finding.
func linesOf(snap string, res *result.Result) (func(int64) int, error) {
	offsets := []int64{res.Snapshot.ManifestOffset}
	for _, c := range res.Controls {
		for _, v := range c.Violations {
			offsets = append(offsets, v.Offset)
		}
	}
	return snapshot.Lines(snap, offsets)
}

// render renders res in one format into memory.
func render(format string, ro reports.Options, res *result.Result) ([]byte, error) {
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

// relPath returns path relative to the working directory with forward
// slashes, or path itself when that is not possible.
func relPath(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.ToSlash(path)
	}
	wd, err := os.Getwd()
	if err != nil {
		return filepath.ToSlash(path)
	}
	rel, err := filepath.Rel(wd, abs)
	if err != nil {
		return filepath.ToSlash(path)
	}
	return filepath.ToSlash(rel)
}
