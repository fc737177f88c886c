package gate

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/reports"
)

// TestReport is the outcome of a policy test run (Test): every test and
// the counts; its JSON form is `authgate policy test --format json`.
type TestReport struct {
	Tests   []evaluator.TestResult `json:"tests"`
	Summary TestSummary            `json:"summary"`
}

// TestSummary counts a TestReport's tests by outcome.
type TestSummary struct {
	Tests   int `json:"tests"`
	Passed  int `json:"passed"`
	Failed  int `json:"failed"`
	Errors  int `json:"errors"`
	Skipped int `json:"skipped"`
}

// NewTestReport counts results by outcome.
func NewTestReport(results []evaluator.TestResult) TestReport {
	rep := TestReport{Tests: results}
	rep.Summary.Tests = len(results)
	for _, r := range results {
		switch r.Outcome {
		case evaluator.TestPass:
			rep.Summary.Passed++
		case evaluator.TestFail:
			rep.Summary.Failed++
		case evaluator.TestError:
			rep.Summary.Errors++
		case evaluator.TestSkip:
			rep.Summary.Skipped++
		}
	}
	return rep
}

// Failed reports whether a test failed or could not run: the run fails.
func (rep TestReport) Failed() bool { return rep.Summary.Failed+rep.Summary.Errors > 0 }

// WriteJSON writes the report as indented JSON.
func (rep TestReport) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// WriteText writes one line per test, the reason under a test that did not
// pass (with the test's own output), then the counts.
func (rep TestReport) WriteText(w io.Writer) {
	for _, r := range rep.Tests {
		word := map[evaluator.TestOutcome]string{
			evaluator.TestPass: "PASS", evaluator.TestFail: "FAIL", evaluator.TestError: "ERROR", evaluator.TestSkip: "SKIP",
		}[r.Outcome]
		fmt.Fprintf(w, "%-5s %s.%s (%s)\n", word, r.Package, r.Name, r.Duration.Round(time.Microsecond))
		switch r.Outcome {
		case evaluator.TestFail:
			fmt.Fprintf(w, "      %s:%d: the test's body was false or undefined\n", r.File, r.Line)
		case evaluator.TestError:
			fmt.Fprintf(w, "      %s\n", r.Error)
		}
		if r.Outcome != evaluator.TestPass && r.Output != "" {
			for _, line := range strings.Split(strings.TrimRight(r.Output, "\n"), "\n") {
				fmt.Fprintf(w, "      | %s\n", line)
			}
		}
	}
	s := rep.Summary
	fmt.Fprintf(w, "\n%d %s: %d passed, %d failed, %d errors, %d skipped\n", s.Tests, reports.Plural(s.Tests, "test", "tests"), s.Passed, s.Failed, s.Errors, s.Skipped)
}
