package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/authgate/authgate/internal/tenantgen"

	"github.com/authgate/authgate/fetch"
	"github.com/authgate/authgate/gate"
	"github.com/authgate/authgate/internal/atomicfile"
	"github.com/authgate/authgate/internal/graphfake"
	"github.com/authgate/authgate/reports"
	"github.com/authgate/authgate/result"
	"github.com/authgate/authgate/trend"
)

// demoRate is the emulator's rate limit in the demo, and the client's pace.
const demoRate, demoPer = 50, time.Second

// demoBreakGlass returns the demo's break-glass accounts: the first
// administrator of the emulated tenant, and, last, an account the per-user
// report lacks, as a deleted or mistyped one would be (AM-BG-01 names both).
func demoBreakGlass(seed int64, users int) []string {
	accounts := []string{"breakglass-02@" + tenantgen.Domain}
	t := tenantgen.Tenant{Seed: seed, Users: users}
	for i := range users {
		if u := t.User(i); u.IsAdmin && u.UserPrincipalName != "" {
			return append([]string{u.UserPrincipalName}, accounts...)
		}
	}
	return accounts
}

// demoExt maps report formats to file extensions.
var demoExt = map[string]string{"text": "txt", "junit": "junit.xml", "markdown": "md", "github": "github.txt"}

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var users int
	var dir string
	var seed int64
	fs := newFlagSet("demo", "demo [--users N] [--out DIR] [--seed N]", stdout)
	fs.IntVar(&users, "users", 2000, "users in the emulated tenant")
	fs.StringVar(&dir, "out", "authgate-demo", "`DIR` for the snapshot and the reports")
	fs.Int64Var(&seed, "seed", 1, "seed of the synthetic tenant (the same seed gives the same users)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("demo: unexpected argument %q", fs.Arg(0))
	}
	if users < 0 {
		return usagef("--users %d: want 0 or more", users)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("demo: %w", err)
	}

	secret := make([]byte, 24)
	if _, err := rand.Read(secret); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	const clientID = "00000000-0000-4000-8000-00000000de70"
	srv, err := graphfake.New(graphfake.Options{
		Tenant:       tenantgen.Tenant{Seed: seed, Users: users},
		ClientID:     clientID,
		ClientSecret: hex.EncodeToString(secret),
		Rate:         demoRate,
		Per:          demoPer,
	})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer srv.Close()
	fmt.Fprintf(stderr, "authgate demo: Graph emulator on %s with %d synthetic users (rate limit %d/%s)\n", srv.GraphURL(), users, demoRate, demoPer)

	// The real client: azidentity's ClientSecretCredential against the
	// emulator's token endpoint (instance discovery off: not an Entra host),
	// the azcore pipeline and the pacer at the emulator's limit.
	fo := fetchOptions{
		out:           filepath.Join(dir, "snapshot.json"),
		tenant:        srv.TenantID(),
		clientID:      clientID,
		auth:          fetch.AuthClientSecret,
		cloud:         "global",
		graphURL:      srv.GraphURL(),
		authorityHost: srv.AuthorityHost(),
		api:           "beta",                     // the methods policy's beta-only settings (AM-POL-08, AM-POL-09)
		include:       []string{fetch.IncludeAll}, // every section, so every control has data
		summaries:     fetch.SummariesAuto,
		rate:          fmt.Sprintf("%d/%s", demoRate, demoPer),
		maxPages:      fetch.DefaultMaxPages,
	}
	now := time.Now().UTC().Truncate(time.Second)
	cfgPath, err := writeDemoConfig(dir, demoBreakGlass(seed, users), now.AddDate(0, 0, 30))
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	fo.config = cfgPath // the exclusion's group is fetched with the snapshot
	env := fetchEnv{
		httpClient: srv.Client(),
		lookupEnv: func(name string) (string, bool) {
			if name == "AZURE_CLIENT_SECRET" {
				return hex.EncodeToString(secret), true
			}
			return "", false // the demo ignores the caller's AZURE_* settings
		},
	}

	// The baseline: the same tenant a month earlier, when its methods policy
	// was hardened and a few users stood better (tenantgen.Tenant.Before),
	// fetched the same way from an emulator of its own with the fetch's
	// clock a month back. The check compares with it (AM-TRD-01..04).
	then := now.AddDate(0, -1, 0)
	old, err := graphfake.New(graphfake.Options{
		Tenant:       tenantgen.Tenant{Seed: seed, Users: users, Now: then, Before: true},
		ClientID:     clientID,
		ClientSecret: hex.EncodeToString(secret),
		Rate:         demoRate,
		Per:          demoPer,
		Policy:       graphfake.PolicyOptions{Hardened: true},
	})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer old.Close()
	bo := fo
	bo.out = filepath.Join(dir, "baseline.json")
	bo.graphURL, bo.authorityHost, bo.tenant = old.GraphURL(), old.AuthorityHost(), old.TenantID()
	benv := env
	benv.httpClient = old.Client()
	benv.tune = func(o *fetch.Options) { o.Now = func() time.Time { return then } }
	fmt.Fprintf(stderr, "authgate demo: the baseline, the same tenant on %s, from a second emulator on %s\n", then.Format(time.DateOnly), old.GraphURL())
	baseline, err := runFetch(ctx, &bo, benv, stderr)
	if err != nil {
		return fmt.Errorf("demo: baseline: %w", err)
	}

	snap, err := runFetch(ctx, &fo, env, stderr)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}

	// The check also writes an evidence bundle, which the demo then verifies
	// as an auditor would: hashes, then the pipeline re-run on its contents.
	bundle := filepath.Join(dir, "evidence.tar.gz")
	o := gate.Options{Snapshot: snap, Baseline: baseline, Format: "text", Config: cfgPath, Evidence: bundle}
	files := []string{snap, baseline, cfgPath, bundle}
	for _, f := range reports.Formats() {
		ext := demoExt[f]
		if ext == "" {
			ext = f
		}
		p := filepath.Join(dir, "results."+ext)
		if f == "text" {
			o.OutputFile = p
		} else {
			o.ExtraOutputs = append(o.ExtraOutputs, f+"="+p)
		}
		files = append(files, p)
	}
	plan, err := prepare(ctx, o)
	if err != nil {
		return fmt.Errorf("demo: check: %w", err)
	}
	res, err := check(ctx, plan, nil, stdout, stderr)
	if err != nil && (res == nil || exitCode(err) != exitViolations) {
		return fmt.Errorf("demo: check: %w", err)
	}
	verdict := "unknown"
	if res != nil {
		verdict = string(res.Verdict)
	}
	fmt.Fprintf(stdout, "verdict: %s", verdict)
	if res != nil {
		s := res.Summary
		fmt.Fprintf(stdout, " (%d controls: %d passed, %d failed, %d skipped; %d violations; --fail-on %s)", s.Controls, s.Passed, s.Failed, s.Skipped, s.Violations, res.FailOn)
	}
	fmt.Fprintln(stdout)
	v, err := gate.VerifyBundle(ctx, bundle, gate.VerifyOptions{})
	if err != nil {
		return fmt.Errorf("demo: evidence verify: %w", err)
	}
	if len(v.Problems) > 0 {
		return fmt.Errorf("demo: evidence verify %s: %s", bundle, strings.Join(v.Problems, "; "))
	}
	fmt.Fprintf(stdout, "evidence: %s re-verified: every hash matches and a re-evaluation gives the same results (%s)\n", bundle, v.Signature)

	// What changed in the month, finding by finding: authgate diff.
	diffPath := filepath.Join(dir, "diff.md")
	rep, err := gate.Diff(ctx, gate.Options{Config: cfgPath, Tool: tool()}, baseline, snap)
	if err != nil {
		return fmt.Errorf("demo: diff: %w", err)
	}
	if err := atomicfile.Write(diffPath, gate.OutputPerm, func(w io.Writer) error { return trend.Write(w, rep, "markdown", 0) }); err != nil {
		return fmt.Errorf("demo: diff: %w", err)
	}
	var added, resolved int
	for _, c := range rep.Controls {
		added += len(c.New)
		resolved += len(c.Resolved)
	}
	fmt.Fprintf(stdout, "diff: since the baseline, %d new findings and %d resolved (%s)\n", added, resolved, diffPath)
	files = append(files, diffPath)
	fmt.Fprintf(stdout, "files in %s:\n", dir)
	for _, f := range files {
		fmt.Fprintf(stdout, "  %s\n", f)
	}
	if res != nil && res.Verdict == result.VerdictFail {
		fmt.Fprintf(stdout, "the demo tenant fails on purpose: read %s, then try `authgate check --snapshot %s --fail-on critical`\n", o.OutputFile, snap)
	}
	return nil
}
