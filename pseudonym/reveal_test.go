package pseudonym

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestWriteReveal: both renderings keep the tokens' order, name a user's
// id beside a UPN or display name, and show a token nothing matched.
func TestWriteReveal(t *testing.T) {
	tokens := []string{"pn_B", "pn_A"}
	found := map[string][]Match{"pn_A": {
		{Kind: "id", Value: "u1", UserID: "u1"},
		{Kind: "userPrincipalName", Value: "a<b>@x", UserID: "u1"},
		{Kind: "manifest.principal", Value: "app"},
	}}
	var b strings.Builder
	WriteRevealText(&b, tokens, found)
	want := "pn_B\tnot found (another key or another snapshot?)\n" +
		"pn_A\tid\tu1\n" +
		"pn_A\tuserPrincipalName\ta<b>@x\t(user u1)\n" +
		"pn_A\tmanifest.principal\tapp\n"
	if b.String() != want {
		t.Errorf("text %q, want %q", b.String(), want)
	}
	b.Reset()
	if err := WriteRevealJSON(&b, tokens, found); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"a<b>@x"`) || !strings.Contains(b.String(), `"pn_B": []`) {
		t.Errorf("JSON escapes HTML or drops the unmatched token:\n%s", b.String())
	}
	var back map[string][]Match
	if err := json.Unmarshal([]byte(b.String()), &back); err != nil || len(back["pn_A"]) != 3 || back["pn_B"] == nil {
		t.Errorf("JSON %v: %v", back, err)
	}
}
