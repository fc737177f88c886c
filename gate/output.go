package gate

import (
	"bufio"
	"bytes"
	"errors"
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
	seen := map[string]bool{}
	if outs[0].Path != "" {
		seen[filepath.Clean(outs[0].Path)] = true
	}
	for _, spec := range o.ExtraOutputs {
		format, path, ok := strings.Cut(spec, "=")
		if !ok || format == "" || path == "" {
			return nil, Inputf("--output %q: want FORMAT=PATH", spec)
		}
		if _, err := reports.New(format, reports.Options{}); err != nil {
			return nil, Inputf("--output %q: %v", spec, err)
		}
		if seen[filepath.Clean(path)] {
			return nil, Inputf("--output %q: %s is written twice", spec, path)
		}
		seen[filepath.Clean(path)] = true
		outs = append(outs, Output{Format: format, Path: path})
	}
	for i, out := range outs {
		if out.Path == "" {
			continue
		}
		flag := "-o " + out.Path
		if i > 0 {
			flag = fmt.Sprintf("--output %s=%s", out.Format, out.Path)
		}
		if err := WritablePath(out.Path); err != nil {
			return nil, Inputf("%s: %v", flag, err)
		}
	}
	return outs, nil
}

// WritablePath refuses an output path that is a directory or whose
// directory does not exist, before any work is done.
func WritablePath(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return errors.New("is a directory")
	}
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("directory %s does not exist", dir)
	}
	return nil
}

// Write renders the outcome in every requested output; files are written
// atomically, so a failure leaves no partial file.
func (p *Plan) Write(o *Outcome, stdout io.Writer) error {
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
			return err
		}
		ro.LineOf = lineOf
	}
	for _, out := range p.outs {
		w, err := reports.New(out.Format, ro)
		if err != nil {
			return Inputf("%v", err)
		}
		if out.Path == "" {
			bw := bufio.NewWriterSize(stdout, 64<<10)
			if err := w.Write(bw, res); err != nil {
				return fmt.Errorf("write %s output: %w", out.Format, err)
			}
			if err := bw.Flush(); err != nil {
				return fmt.Errorf("write %s output: %w", out.Format, err)
			}
			continue
		}
		err = atomicfile.Write(out.Path, 0o644, func(f io.Writer) error {
			bw := bufio.NewWriterSize(f, 256<<10)
			if err := w.Write(bw, res); err != nil {
				return fmt.Errorf("write %s output %s: %w", out.Format, out.Path, err)
			}
			return bw.Flush()
		})
		if err != nil {
			return err
		}
	}
	return nil
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
