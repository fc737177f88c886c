package catalog

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/authgate/authgate/result"
)

func sample() []result.Control {
	return []result.Control{{
		ID: "ACME-CON-01", Title: "Contractors | vendors", Severity: result.SeverityHigh, Scope: result.ScopeUser,
		Package: "authgate.acme.contractors", Source: "policies/acme.rego", Description: "Contractors need MFA.",
		Params:     []result.Param{{Name: "domain", Default: "@contoso.com", Value: "@fabrikam.com"}},
		References: []result.Reference{{ID: "CIS-1", Description: "MFA", URL: "https://example.test/cis"}},
	}}
}

func TestWriteMarkdown(t *testing.T) {
	var b bytes.Buffer
	WriteMarkdown(&b, sample())
	out := b.String()
	for _, want := range []string{
		"| [ACME-CON-01](#acme-con-01) | high | user | Contractors \\| vendors |", // the anchor, an escaped cell
		"Source: `policies/acme.rego`, package `authgate.acme.contractors`",
		"| `domain` | `\"@contoso.com\"` (in force: `\"@fabrikam.com\"`) |",
		"- [CIS-1](https://example.test/cis): MFA",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("catalogue lacks %q:\n%s", want, out)
		}
	}
}

func TestWriteJSONAndTable(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, []result.Control{{ID: "X-1", Builtin: true}}); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Controls []map[string]any `json:"controls"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil || len(got.Controls) != 1 {
		t.Fatalf("%v: %s", err, b.String())
	}
	if p, ok := got.Controls[0]["params"].([]any); !ok || len(p) != 0 {
		t.Errorf("params of a control without any: %v, want []", got.Controls[0]["params"])
	}
	b.Reset()
	if err := WriteTable(&b, sample()); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(b.String()), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[1], "ACME-CON-01  high") || !strings.Contains(lines[1], "policies/acme.rego") {
		t.Errorf("table:\n%s", b.String())
	}
}
