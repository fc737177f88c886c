package reports

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authgate/authgate/result"
)

// multitool returns the path of Microsoft's SARIF validator
// (@microsoft/sarif-multitool, whose npm package brings the platform binary
// in @microsoft/sarif-multitool-linux): $SARIF_MULTITOOL, else the copy
// .ci/run installs under $NPM_TOOLS_DIR (default ~/.cache/authgate-npm-tools). The binary is called directly: the
// npm wrapper runs it through a shell, which splits "Sarif;Gh" at the ";".
func multitool(t *testing.T) string {
	t.Helper()
	p := os.Getenv("SARIF_MULTITOOL")
	if p == "" {
		dir := os.Getenv("NPM_TOOLS_DIR")
		if home, err := os.UserHomeDir(); dir == "" && err == nil {
			dir = filepath.Join(home, ".cache", "authgate-npm-tools") // .ci/run's default
		}
		p = filepath.Join(dir, "node_modules", "@microsoft", "sarif-multitool-linux", "Sarif.Multitool")
	}
	_, err := os.Stat(p)
	needTool(t, "@microsoft/sarif-multitool (set SARIF_MULTITOOL or NPM_TOOLS_DIR)", p != "" && err == nil)
	return p
}

// multitoolFindings validates file with the SARIF and GitHub rules and
// returns the findings at level warning or error, one line each. The tool
// exits 0 whatever it finds, so its output log is read instead; a result
// without a level has its rule's default level, and a rule without one is
// a warning (SARIF 3.27.10).
func multitoolFindings(t *testing.T, tool, file string) []string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "validation.sarif")
	cmd := exec.Command(tool, "validate", file, "-o", out, "--log", "ForceOverwrite",
		"--rule-kind", "Sarif;Gh", "--level", "Error;Warning;Note")
	cmd.Env = append(os.Environ(), "DOTNET_CLI_TELEMETRY_OPTOUT=1")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sarif-multitool validate: %v\n%s", err, msg)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("sarif-multitool wrote no log: %v", err)
	}
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID                   string `json:"id"`
						DefaultConfiguration struct {
							Level string `json:"level"`
						} `json:"defaultConfiguration"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex *int   `json:"ruleIndex"`
				Level     string `json:"level"`
				Message   struct {
					ID        string   `json:"id"`
					Text      string   `json:"text"`
					Arguments []string `json:"arguments"`
				} `json:"message"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatalf("sarif-multitool log: %v", err)
	}
	if len(log.Runs) == 0 {
		t.Fatalf("sarif-multitool log has no run:\n%s", data)
	}
	var found []string
	for _, run := range log.Runs {
		for _, res := range run.Results {
			level := res.Level
			if level == "" && res.RuleIndex != nil && *res.RuleIndex < len(run.Tool.Driver.Rules) {
				level = run.Tool.Driver.Rules[*res.RuleIndex].DefaultConfiguration.Level
			}
			if level == "" {
				level = "warning"
			}
			if level == "error" || level == "warning" {
				found = append(found, level+" "+res.RuleID+" "+res.Message.ID+" "+strings.Join(res.Message.Arguments, " | ")+res.Message.Text)
			}
		}
	}
	return found
}

// TestSARIFMultitool runs Microsoft's SARIF validator with the SARIF and
// GitHub rule sets over the fixture (a release build), a development build
// with no informationUri option, and a capped run: no errors, no warnings.
func TestSARIFMultitool(t *testing.T) {
	tool := multitool(t)
	devel := fixture()
	devel.Tool.Version = "devel"
	noURI := fixtureOptions()
	noURI.ToolInformationURI = ""
	cases := []struct {
		name string
		o    Options
		r    *result.Result
	}{
		{"release", fixtureOptions(), fixture()},
		{"devel", noURI, devel},
		{"capped", Options{LineOf: lineOf, FullList: "out/results.json", MaxPerControl: 3}, bigResult()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			file := writeTemp(t, "authgate.sarif", render(t, "sarif", c.o, c.r))
			if found := multitoolFindings(t, tool, file); len(found) > 0 {
				t.Errorf("sarif-multitool reports %d errors and warnings:\n%s", len(found), strings.Join(found, "\n"))
			}
		})
	}
}

// TestSARIFMultitoolCatchesWarnings keeps the test above honest: the
// validator, read the same way, does report the warnings that go-sarif's
// -1 index placeholders and a non-numeric version caused.
func TestSARIFMultitoolCatchesWarnings(t *testing.T) {
	tool := multitool(t)
	bad := `{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0","runs":[{"tool":{"driver":{"name":"authgate","version":"devel","rules":[{"id":"X1","shortDescription":{"text":"x"},"fullDescription":{"text":"x."},"help":{"text":"x"}}]}},"results":[{"ruleId":"X1","ruleIndex":0,"level":"error","message":{"text":"x."},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"s.json","index":-1},"region":{"startLine":1}}}],"partialFingerprints":{"primaryLocationLineHash":"0"}}]}]}`
	found := strings.Join(multitoolFindings(t, tool, writeTemp(t, "bad.sarif", []byte(bad))), "\n")
	for _, want := range []string{"SARIF2004", "SARIF2005"} {
		if !strings.Contains(found, want) {
			t.Errorf("sarif-multitool did not report %s on a file that has it; it reported:\n%s", want, found)
		}
	}
}
