// Command gen writes the inputs of the benchmark in bench/run.sh: a
// synthetic snapshot from the Graph emulator's generator, and the files the
// `opa eval` baseline needs to evaluate the built-in pack over it.
//
//	go run ./bench/gen -users 1000000 -seed 1 -o snap.json
//	go run ./bench/gen -from snap.json -aggregates input.json -data data.json -query query.rego
//
// -aggregates writes the snapshot document with one more member,
// "aggregates", holding exactly what authgate's evaluator hands the
// tenant-scoped controls as input.aggregates (counted here in one streaming
// pass with snapshot.Scan, snapshot.Tally and the pack's taxonomy; the
// package test proves the counts equal the evaluator's), and the users as
// the evaluator presents them to the controls (evaluator.InputUser: a null
// capability as false, the "@authgate.unknown" member). -data writes data.authgate.params (the
// pack's parameter defaults) and data.authgate.taxonomy. -query writes one
// query that binds every built-in control's violation set (and skip set),
// as authgate's document mode asks it, so both tools compute and print the
// same findings.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/authgate/authgate/internal/tenantgen"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/internal/atomicfile"
	"github.com/authgate/authgate/policies"
	"github.com/authgate/authgate/snapshot"
)

// refNow is the reference time of every generated snapshot, so runs repeat.
var refNow = time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	fl := flag.NewFlagSet("gen", flag.ContinueOnError)
	users := fl.Int("users", 0, "generate a snapshot of `N` users")
	seed := fl.Int64("seed", 1, "generator seed")
	out := fl.String("o", "", "write the generated snapshot to `FILE`")
	from := fl.String("from", "", "read an existing snapshot `FILE` instead of generating one")
	aggOut := fl.String("aggregates", "", "write the opa eval input (the snapshot plus \"aggregates\") to `FILE`")
	dataOut := fl.String("data", "", "write data.authgate.params and data.authgate.taxonomy to `FILE`")
	queryOut := fl.String("query", "", "write the query of every built-in control's findings to `FILE`")
	if err := fl.Parse(args); err != nil {
		return err
	}
	snap := *from
	if *out != "" {
		if *from != "" {
			return errors.New("-o and -from exclude each other")
		}
		if err := generate(*out, *users, *seed); err != nil {
			return err
		}
		snap = *out
	}
	params, err := packParams()
	if err != nil {
		return err
	}
	if *aggOut != "" {
		if snap == "" {
			return errors.New("-aggregates needs -o or -from")
		}
		if err := writeInput(*aggOut, snap, params); err != nil {
			return err
		}
	}
	if *dataOut != "" {
		if err := writeData(*dataOut, params); err != nil {
			return err
		}
	}
	if *queryOut != "" {
		q, err := Query(policies.FS)
		if err != nil {
			return err
		}
		if err := os.WriteFile(*queryOut, []byte(q+"\n"), 0o644); err != nil {
			return fmt.Errorf("write query: %w", err)
		}
	}
	return nil
}

// generate writes the emulator's tenant for seed, with Graph summaries.
func generate(path string, users int, seed int64) error {
	if users < 0 {
		return fmt.Errorf("-users %d: want a count >= 0", users)
	}
	tenant := tenantgen.Tenant{Seed: seed, Users: users, Now: refNow}
	complete := true
	m := snapshot.Manifest{
		TenantID: tenantgen.DefaultTenantID(seed), Cloud: "global", GraphEndpoint: "https://graph.microsoft.com",
		APIVersion: "v1.0", FetchedAt: refNow.Format(time.RFC3339), Tool: "authgate bench/gen", PagingComplete: &complete,
	}
	return atomicfile.Write(path, 0o644, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<20)
		if err := tenantgen.WriteSnapshot(bw, tenant, tenantgen.SnapshotOptions{Manifest: m, Summaries: true}); err != nil {
			return err
		}
		return bw.Flush()
	})
}

// packParams returns the built-in pack's parameters in force by default.
func packParams() (map[string]any, error) {
	e, err := evaluator.New(context.Background(), evaluator.WithBuiltin(policies.FS))
	if err != nil {
		return nil, fmt.Errorf("compile the built-in pack: %w", err)
	}
	return e.Params(), nil
}

// writeInput writes {"aggregates": ..., <the members of the snapshot>}: the
// aggregates are the evaluator's own, from a check of the snapshot with
// params, so opa eval's tenant controls see exactly what authgate's do.
func writeInput(dst, snap string, params map[string]any) error {
	e, err := evaluator.New(context.Background(), evaluator.WithBuiltin(policies.FS), evaluator.WithParams(params))
	if err != nil {
		return err
	}
	res, err := e.Evaluate(context.Background(), snap, snapshot.ScanOptions{})
	if err != nil {
		return err
	}
	head, err := json.Marshal(res.Aggregates.JSON())
	if err != nil {
		return err
	}
	return atomicfile.Write(dst, 0o644, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<20)
		bw.WriteString(`{"aggregates":`)
		bw.Write(head)
		bw.WriteString(`,"userRegistrationDetails":[`)
		n := 0
		info, err := snapshot.Scan(context.Background(), snap, snapshot.ScanOptions{}, func(chunk []snapshot.UserRegistrationDetails) error {
			for i := range chunk {
				v, err := evaluator.InputUser(&chunk[i])
				if err != nil {
					return err
				}
				b, err := json.Marshal(v)
				if err != nil {
					return err
				}
				if n > 0 {
					bw.WriteByte(',')
				}
				bw.Write(b)
				bw.WriteByte('\n')
				n++
			}
			return nil
		})
		if err != nil {
			return err
		}
		// The other members as the evaluator hands them over: the bench's
		// snapshots hold no optional section, and one that did would be
		// judged differently by the two tools.
		if info.Usage != nil || info.Roles != nil || info.MethodsPolicy != nil {
			return fmt.Errorf("%s: -aggregates handles snapshots without usage, roles or policy sections", snap)
		}
		rest, err := json.Marshal(map[string]any{
			"schemaVersion": info.SchemaVersion, "manifest": info.Manifest,
			"usersRegisteredByFeature": nonNil(info.UsersRegisteredByFeature), "usersRegisteredByMethod": nonNil(info.UsersRegisteredByMethod),
			"usage": nil, "roles": nil, snapshot.ReportMethodsPolicy: nil, // null, as the evaluator gives a missing section
		})
		if err != nil {
			return err
		}
		bw.WriteString("],")
		bw.Write(rest[1:])
		return bw.Flush()
	})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// writeData writes {"authgate": {"params": ..., "taxonomy": ...}}, as the
// evaluator's store holds it.
func writeData(dst string, params map[string]any) error {
	raw, err := fs.ReadFile(policies.FS, "data/taxonomy.json")
	if err != nil {
		return err
	}
	p, err := json.Marshal(params)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, `{"authgate":{"params":%s,"taxonomy":%s}}`, p, bytes.TrimSpace(raw))
	if !json.Valid(buf.Bytes()) {
		return errors.New("write data: invalid JSON")
	}
	return os.WriteFile(dst, append(buf.Bytes(), '\n'), 0o644)
}

var (
	packageRe = regexp.MustCompile(`(?m)^package\s+(\S+)`)
	skipRe    = regexp.MustCompile(`(?m)^skip\s+contains\b`)
	denyRe    = regexp.MustCompile(`(?m)^deny\s+contains\b`)
)

// Query returns one Rego query binding v<i> to the violation set of the
// i-th built-in control (by file name) and s<i> to its skip set, if any:
// the shape of the evaluator's document-mode query, so opa eval computes
// and prints every finding authgate computes.
func Query(fsys fs.FS) (string, error) {
	files, err := fs.Glob(fsys, "builtin/*.rego")
	if err != nil {
		return "", err
	}
	var exprs []string
	n := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.rego") {
			continue
		}
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			return "", err
		}
		m := packageRe.FindSubmatch(src)
		if m == nil {
			return "", fmt.Errorf("%s: no package", path.Base(name))
		}
		rule := "violation"
		if denyRe.Match(src) {
			rule = "deny"
		}
		i := n
		n++
		ref := "data." + string(m[1])
		exprs = append(exprs, fmt.Sprintf("v%d = %s.%s", i, ref, rule))
		if skipRe.Match(src) {
			exprs = append(exprs, fmt.Sprintf("s%d = %s.skip", i, ref))
		}
	}
	if len(exprs) == 0 {
		return "", errors.New("no built-in controls found")
	}
	slices.Sort(exprs)
	return strings.Join(exprs, "; "), nil
}
