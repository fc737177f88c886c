// Command writers times each report writer on the result of a real check
// (figure 4 of bench/run.sh): it evaluates the built-in pack over each
// snapshot once, then writes sarif, junit, json and markdown to files,
// rounds times each, and prints the median time per format with the
// violations written, so runs at two sizes show whether the time is linear
// in the violations.
//
//	go run ./bench/writers -rounds 3 -dir bench/out snap-100000.json snap-1000000.json
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/policies"
	"github.com/authgate/authgate/reports"
	"github.com/authgate/authgate/snapshot"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "writers:", err)
		os.Exit(2)
	}
}

func run() error {
	rounds := flag.Int("rounds", 3, "timed writes per format")
	dir := flag.String("dir", os.TempDir(), "folder for the written reports")
	flag.Parse()
	ctx := context.Background()
	e, err := evaluator.New(ctx, evaluator.WithBuiltin(policies.FS))
	if err != nil {
		return err
	}
	fmt.Println("| snapshot | violations | format | median ms | ns per violation | bytes |")
	fmt.Println("|---|---:|---|---:|---:|---:|")
	for _, path := range flag.Args() {
		res, err := e.Evaluate(ctx, path, snapshot.ScanOptions{})
		if err != nil {
			return err
		}
		if err := res.Decide("high"); err != nil {
			return err
		}
		offsets := []int64{res.Snapshot.ManifestOffset}
		n := 0
		for _, c := range res.Controls {
			n += len(c.Violations)
			for _, v := range c.Violations {
				offsets = append(offsets, v.Offset)
			}
		}
		start := time.Now()
		lineOf, err := snapshot.Lines(path, offsets)
		if err != nil {
			return err
		}
		fmt.Printf("| %s | %d | (line index for sarif) | %.0f | %.0f | |\n", filepath.Base(path), n, ms(time.Since(start)), perV(time.Since(start), n))
		for _, format := range []string{"sarif", "junit", "json", "markdown"} {
			opts := reports.Options{SnapshotURI: path, LineOf: lineOf, FullList: "report.json"}
			w, err := reports.New(format, opts)
			if err != nil {
				return err
			}
			out := filepath.Join(*dir, "writer."+format)
			var times []time.Duration
			var size int64
			for range *rounds {
				start := time.Now()
				f, err := os.Create(out)
				if err != nil {
					return err
				}
				bw := bufio.NewWriterSize(f, 256<<10)
				if err := w.Write(bw, res); err != nil {
					f.Close()
					return fmt.Errorf("write %s: %w", format, err)
				}
				if err := bw.Flush(); err != nil {
					f.Close()
					return err
				}
				if err := f.Close(); err != nil {
					return err
				}
				times = append(times, time.Since(start))
				st, _ := os.Stat(out)
				size = st.Size()
			}
			slices.Sort(times)
			med := times[len(times)/2]
			fmt.Printf("| %s | %d | %s | %.0f | %.0f | %d |\n", filepath.Base(path), n, format, ms(med), perV(med, n), size)
		}
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

func perV(d time.Duration, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(d) / float64(n)
}
