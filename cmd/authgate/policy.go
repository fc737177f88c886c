package main

import (
	"bufio"
	"context"
	"fmt"
	"io"

	"github.com/authgate/authgate/catalog"
	"github.com/authgate/authgate/gate"
	"github.com/authgate/authgate/result"
)

// policySubcommands are the subcommands of `authgate policy`.
var policySubcommands = []command{
	{"test", "run the Rego tests (*_test.rego) of policies, with the built-in pack available", cmdPolicyTest, nil},
	{"list", "list every control: id, severity, scope, title, source", cmdPolicyList, nil},
	{"doc", "print a Markdown catalogue of every control", cmdPolicyDoc, nil},
}

func cmdPolicy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatchSub(ctx, "policy", "authgate policy <test|list|doc> [flags]", policySubcommands, args, stdout, stderr)
}

func cmdPolicyTest(ctx context.Context, args []string, stdout, _ io.Writer) error {
	var o gate.Options
	var format string
	fs := newFlagSet("policy test", "policy test [PATH...] [flags]", stdout)
	fs.StringVar(&format, "format", "text", "output `FORMAT`: text|json")
	enumFlag(fs, "format", "text", "json")
	addPolicyFlags(fs, &o, false)
	fs.DurationVar(&o.Timeout, "timeout", gate.DefaultTimeout, "give up with exit 4 (inconclusive) when all the tests take longer than `DURATION` (each test has its own limit too)")
	addMaxMemoryFlag(fs, &o.MaxMemory)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if format != "text" && format != "json" {
		return usagef("--format: unknown format %q (valid: text, json)", format)
	}
	o.Policies = fs.Args()
	if len(o.Policies) == 0 && o.NoBuiltin {
		return usagef("policy test: --no-builtin needs a policy PATH (without one, the built-in pack's tests run)")
	}
	results, err := gate.Test(ctx, o)
	if err != nil {
		return err
	}
	rep := gate.NewTestReport(results)
	bw := bufio.NewWriter(stdout)
	if format == "json" {
		if err := rep.WriteJSON(bw); err != nil {
			return fmt.Errorf("write test results: %w", err)
		}
	} else {
		rep.WriteText(bw)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write test results: %w", err)
	}
	if rep.Failed() {
		return errGateFailed
	}
	return nil
}

// loadControls compiles the controls the flags select and returns their metadata.
func loadControls(ctx context.Context, o gate.Options) ([]result.Control, error) {
	p, err := gate.Prepare(ctx, o)
	if err != nil {
		return nil, err
	}
	return p.Controls(), nil
}

func cmdPolicyList(ctx context.Context, args []string, stdout, _ io.Writer) error {
	var o gate.Options
	var format string
	fs := newFlagSet("policy list", "policy list [--policy PATH]... [flags]", stdout)
	fs.StringVar(&format, "format", "table", "output `FORMAT`: table|json")
	enumFlag(fs, "format", "table", "json")
	addPolicyFlags(fs, &o, true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("policy list: unexpected argument %q (user policies are given with --policy)", fs.Arg(0))
	}
	if format != "table" && format != "json" {
		return usagef("--format: unknown format %q (valid: table, json)", format)
	}
	controls, err := loadControls(ctx, o)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(stdout)
	write := catalog.WriteTable
	if format == "json" {
		write = catalog.WriteJSON
	}
	if err := write(bw, controls); err != nil {
		return fmt.Errorf("write control list: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write control list: %w", err)
	}
	return nil
}

func cmdPolicyDoc(ctx context.Context, args []string, stdout, _ io.Writer) error {
	var o gate.Options
	fs := newFlagSet("policy doc", "policy doc [--policy PATH]... [flags]", stdout)
	addPolicyFlags(fs, &o, true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("policy doc: unexpected argument %q (user policies are given with --policy)", fs.Arg(0))
	}
	controls, err := loadControls(ctx, o)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(stdout)
	catalog.WriteMarkdown(bw, controls)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write control catalogue: %w", err)
	}
	return nil
}
