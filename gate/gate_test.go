package gate

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/pseudonym"
	"github.com/authgate/authgate/result"
)

const sample = "../testdata/sample.snapshot.json"

// TestPrepareRefusesBadOptions: every bad value is an InputError naming its
// option, before any snapshot is read.
func TestPrepareRefusesBadOptions(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{FailOn: "severe"}, "--fail-on"},
		{Options{Now: "yesterday"}, `--now "yesterday"`},
		{Options{Timeout: -time.Second}, "--timeout"},
		{Options{EvalMode: "batch"}, "--eval-mode"},
		{Options{AllowBuiltins: []string{"time.now"}}, `--allow-builtin "time.now"`},
		{Options{Format: "pdf"}, "--format"},
		{Options{ExtraOutputs: []string{"sarif"}}, `--output "sarif"`},
		{Options{OutputFile: filepath.Join(dir, "a.json"), ExtraOutputs: []string{"json=" + filepath.Join(dir, "a.json")}}, "written twice"},
		{Options{OutputFile: filepath.Join(dir, "missing", "a.json")}, "does not exist"},
		{Options{SignKey: "k.key"}, "--sign-key signs an evidence bundle"},
		{Options{PseudonymKeyFile: "k"}, "--pseudonym-key-file is used only with --pseudonymize"},
		{Options{Sets: []string{"Bad=1"}}, "--set"},
	} {
		_, err := Prepare(context.Background(), tc.o)
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Prepare(%+v) = %v, want an InputError naming %s", tc.o, err, tc.want)
		}
	}
}

// TestRun: a plan runs on the snapshot it names or on another one, and the
// outcome carries the decided verdict; waivers give the evaluation time.
func TestRun(t *testing.T) {
	ctx := context.Background()
	if _, err := Run(ctx, &Plan{}); err == nil {
		t.Error("Run without a snapshot succeeded")
	}
	p, err := Prepare(ctx, Options{FailOn: "none", Tool: result.Tool{Name: "authgate", Version: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	o, err := Run(ctx, p.WithSnapshot(sample))
	if err != nil {
		t.Fatal(err)
	}
	if o.Result.Verdict != result.VerdictPass || o.Result.FailOn != "none" || o.Result.Summary.Failed == 0 || o.Result.Tool.Version != "test" {
		t.Errorf("--fail-on none: verdict %s, failOn %s, %d failed, tool %+v", o.Result.Verdict, o.Result.FailOn, o.Result.Summary.Failed, o.Result.Tool)
	}
	w := filepath.Join(t.TempDir(), "waivers.yaml")
	if err := os.WriteFile(w, []byte("waivers:\n  - control: AM-DQ-01\n    reason: r\n    owner: o\n    expires: 2026-04-01\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err = Prepare(ctx, Options{Snapshot: sample, Waivers: w})
	if err != nil {
		t.Fatal(err)
	}
	o, err = Run(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if o.EvaluatedAt.IsZero() || o.Result.Verdict != result.VerdictFail || len(o.Result.Waivers) != 1 {
		t.Errorf("with a waiver: evaluated at %v, verdict %s, waivers %+v", o.EvaluatedAt, o.Result.Verdict, o.Result.Waivers)
	}
}

// TestRunTimeout: an evaluation past Options.Timeout is a TimeoutError that
// wraps context.DeadlineExceeded, with no outcome.
func TestRunTimeout(t *testing.T) {
	p, err := Prepare(context.Background(), Options{Snapshot: sample, Timeout: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	o, err := Run(context.Background(), p)
	var te *TimeoutError
	if o != nil || !errors.As(err, &te) || !errors.Is(err, context.DeadlineExceeded) || te.Limit != time.Nanosecond {
		t.Errorf("Run past its timeout = %v, %v", o, err)
	}
}

// TestPrepareRefusesOutputPaths: an output over an input or a device is an
// InputError naming both, before anything is evaluated.
func TestPrepareRefusesOutputPaths(t *testing.T) {
	dir := t.TempDir()
	pol := filepath.Join(dir, "p.rego")
	if err := os.WriteFile(pol, []byte("package x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{Snapshot: sample, OutputFile: sample}, "-o " + sample + ": is the --snapshot file"},
		{Options{Snapshot: sample, Policies: []string{dir}, ExtraOutputs: []string{"json=" + pol}}, "--output json=" + pol + ": is the --policy file"},
		{Options{Snapshot: sample, Evidence: "/dev/null"}, "--evidence /dev/null: is a character device"},
		{Options{Snapshot: sample, Evidence: filepath.Join(dir, "e"), EvidenceFlag: "-o", SnapshotOut: filepath.Join(dir, "e")}, "--snapshot-out " + filepath.Join(dir, "e") + ": is written twice (also -o "},
		{Options{Snapshot: sample, OutputFile: dir}, "is a directory"},
	} {
		_, err := Prepare(context.Background(), tc.o)
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Prepare(%+v) = %v, want an InputError with %q", tc.o, err, tc.want)
		}
	}
}

// TestRunPseudonymized: the plan evaluates the pseudonymised view; every
// subject is a token, and a waiver written with a real UPN still waives
// its finding, matched token to token.
func TestRunPseudonymized(t *testing.T) {
	ctx := context.Background()
	plain, err := Prepare(ctx, Options{Snapshot: sample})
	if err != nil {
		t.Fatal(err)
	}
	o, err := Run(ctx, plain)
	if err != nil {
		t.Fatal(err)
	}
	var control, upn string
	for _, c := range o.Result.Controls {
		for _, v := range c.Violations {
			if v.Subject != nil && v.Subject.UserPrincipalName != "" && upn == "" {
				control, upn = c.ID, v.Subject.UserPrincipalName
			}
		}
	}
	if upn == "" {
		t.Fatal("no user finding in the sample")
	}
	dir := t.TempDir()
	w, key := filepath.Join(dir, "waivers.yaml"), filepath.Join(dir, "key")
	if err := os.WriteFile(w, []byte("waivers:\n  - control: "+control+"\n    subject: "+strings.ToUpper(upn)+"\n    reason: r\n    owner: o\n    expires: 2026-04-01\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, []byte("a-long-enough-test-pseudonym-key"), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := Prepare(ctx, Options{Snapshot: sample, Waivers: w, Pseudonymize: true, PseudonymKeyFile: key})
	if err != nil {
		t.Fatal(err)
	}
	if o, err = Run(ctx, p); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range o.Result.Controls {
		for _, v := range c.Violations {
			if s := v.Subject; s != nil {
				n++
				if !pseudonym.IsToken(s.UserPrincipalName) || !pseudonym.IsToken(s.ID) || (s.DisplayName != "" && !pseudonym.IsToken(s.DisplayName)) {
					t.Fatalf("%s: subject %+v is not pseudonymised", c.ID, s)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no subject in the pseudonymised result")
	}
	if len(o.Result.Waivers) != 1 || o.Result.Waivers[0].Matched != 1 || !pseudonym.IsToken(o.Result.Waivers[0].Subject) {
		t.Errorf("waivers %+v: want the one waiver matched once, by token", o.Result.Waivers)
	}
}
