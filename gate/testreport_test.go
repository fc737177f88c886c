package gate

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/evaluator"
)

// TestTestReport: the counts, the verdict and both renderings of a run
// with one test of each outcome.
func TestTestReport(t *testing.T) {
	rep := NewTestReport([]evaluator.TestResult{
		{Package: "p_test", Name: "test_ok", Outcome: evaluator.TestPass, Duration: 1500 * time.Nanosecond},
		{Package: "p_test", Name: "test_bad", File: "p_test.rego", Line: 7, Outcome: evaluator.TestFail, Output: "got 1\ngot 2\n"},
		{Package: "p_test", Name: "test_err", Outcome: evaluator.TestError, Error: "eval_conflict_error"},
		{Package: "p_test", Name: "todo_test_x", Outcome: evaluator.TestSkip},
	})
	if s := rep.Summary; s != (TestSummary{Tests: 4, Passed: 1, Failed: 1, Errors: 1, Skipped: 1}) {
		t.Fatalf("summary %+v", s)
	}
	if !rep.Failed() || NewTestReport(rep.Tests[:1]).Failed() || !NewTestReport(rep.Tests[2:3]).Failed() {
		t.Error("Failed: want true exactly when a test failed or errored")
	}
	var text bytes.Buffer
	rep.WriteText(&text)
	for _, want := range []string{
		"PASS  p_test.test_ok (2µs)\n",
		"FAIL  p_test.test_bad (0s)\n      p_test.rego:7: the test's body was false or undefined\n      | got 1\n      | got 2\n",
		"ERROR p_test.test_err (0s)\n      eval_conflict_error\n",
		"\n4 tests: 1 passed, 1 failed, 1 errors, 1 skipped\n",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back struct {
		Tests   []map[string]any `json:"tests"`
		Summary map[string]int   `json:"summary"`
	}
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Tests) != 4 || back.Summary["failed"] != 1 || back.Summary["skipped"] != 1 || back.Tests[1]["line"] != float64(7) {
		t.Errorf("JSON %s", js.String())
	}
}
