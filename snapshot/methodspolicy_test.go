package snapshot

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A policy as Graph writes it, with an annotation, a null and an enum member
// this release does not know: kept byte for byte.
const testPolicyJSON = `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#policies/authenticationMethodsPolicy","id":"authenticationMethodsPolicy","policyMigrationState":"unknownFutureValue","description":null,"authenticationMethodConfigurations":[{"@odata.type":"#microsoft.graph.smsAuthenticationMethodConfiguration","id":"Sms","state":"enabled","excludeTargets":[],"includeTargets":[{"targetType":"group","id":"all_users","isRegistrationRequired":false,"isUsableForSignIn":true}]}]}`

func writePolicySnapshot(t *testing.T, p *MethodsPolicy) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteUser(testUser(1)); err != nil {
		t.Fatal(err)
	}
	w.SetMethodsPolicy(p)
	if _, err := w.Close(nil, nil, testManifest()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "s.json")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestMethodsPolicyRoundTrip(t *testing.T) {
	p := &MethodsPolicy{APIVersion: "v1.0", Source: SourceGraph, Policy: []byte(testPolicyJSON),
		Groups: []PolicyGroup{{ID: "g1", Source: SourceGraph, Members: []GroupMember{{ID: "u1", UserPrincipalName: "a@x"}}}}}
	path := writePolicySnapshot(t, p)
	info, err := Scan(context.Background(), path, ScanOptions{}, func([]UserRegistrationDetails) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	got := info.MethodsPolicy
	if got == nil || string(got.Policy) != testPolicyJSON {
		t.Fatalf("policy not kept verbatim: %+v", got)
	}
	if len(got.Groups) != 1 || got.Groups[0].Members[0].UserPrincipalName != "a@x" {
		t.Errorf("groups = %+v", got.Groups)
	}
	peeked, err := PeekMethodsPolicy(path)
	if err != nil || peeked == nil || string(peeked.Policy) != testPolicyJSON || peeked.Offset != got.Offset {
		t.Errorf("PeekMethodsPolicy = %+v, %v", peeked, err)
	}
	raw, _ := os.ReadFile(path)
	if got.Offset <= 0 || !bytes.HasPrefix(raw[got.Offset:], []byte(`{"apiVersion":"v1.0"`)) {
		t.Errorf("offset %d does not point at the section", got.Offset)
	}
}

func TestMethodsPolicyInvalid(t *testing.T) {
	for name, tc := range map[string]struct {
		p    *MethodsPolicy
		path string
	}{
		"bad version":           {&MethodsPolicy{APIVersion: "v2", Source: SourceGraph, Policy: []byte(`{}`)}, "authenticationMethodsPolicy.apiVersion"},
		"bad source":            {&MethodsPolicy{APIVersion: "v1.0", Source: "guess", Policy: []byte(`{}`)}, "authenticationMethodsPolicy.source"},
		"policy not object":     {&MethodsPolicy{APIVersion: "v1.0", Source: SourceGraph, Policy: []byte(`[1]`)}, "authenticationMethodsPolicy.policy"},
		"omitted without cause": {&MethodsPolicy{APIVersion: "v1.0", Source: SourceOmitted, Policy: []byte(`null`)}, "authenticationMethodsPolicy.reason"},
		"member without id": {&MethodsPolicy{APIVersion: "v1.0", Source: SourceGraph, Policy: []byte(`{}`),
			Groups: []PolicyGroup{{ID: "g", Source: SourceGraph, Members: []GroupMember{{}}}}}, "authenticationMethodsPolicy.groups[0].members[0].id"},
	} {
		t.Run(name, func(t *testing.T) {
			path := writePolicySnapshot(t, tc.p)
			_, err := Scan(context.Background(), path, ScanOptions{}, func([]UserRegistrationDetails) error { return nil })
			var se *Error
			if !errors.As(err, &se) || se.Path != tc.path {
				t.Fatalf("err = %v, want an *Error at %s", err, tc.path)
			}
			if !strings.Contains(err.Error(), filepath.Base(path)) {
				t.Errorf("error does not name the file: %v", err)
			}
		})
	}
}

func TestPeekMethodsPolicyAbsent(t *testing.T) {
	var buf bytes.Buffer
	w, _ := NewWriter(&buf)
	if _, err := w.Close(nil, nil, testManifest()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "s.json")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if p, err := PeekMethodsPolicy(path); p != nil || err != nil {
		t.Errorf("PeekMethodsPolicy without a section = %+v, %v", p, err)
	}
}

// Rows that carry the member name, as a value or as a member of their own,
// do not mislead the read-ahead: the section after them is the one found;
// a hand-made snapshot with whitespace before the colon is read too.
func TestPeekMethodsPolicyAmongLookalikes(t *testing.T) {
	row := func(extra string) string {
		return `{"id":"u","userPrincipalName":"authenticationMethodsPolicy","userDisplayName":"\"authenticationMethodsPolicy\":{}"` + extra + `}`
	}
	doc := `{"schemaVersion":1,"userRegistrationDetails":[` + row(`,"authenticationMethodsPolicy":{"apiVersion":"beta","source":"graph","policy":{},"groups":[]}`) + `],
"authenticationMethodsPolicy" :	{"apiVersion":"v1.0","source":"omitted","reason":"403","policy":null,"groups":[]},
"manifest":{}}`
	path := filepath.Join(t.TempDir(), "s.json")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := PeekMethodsPolicy(path)
	if err != nil || p == nil || p.APIVersion != "v1.0" || p.Reason != "403" {
		t.Fatalf("PeekMethodsPolicy = %+v, %v", p, err)
	}
	if want := int64(bytes.Index([]byte(doc), []byte(`{"apiVersion":"v1.0"`))); p.Offset != want {
		t.Errorf("offset %d, want %d", p.Offset, want)
	}
}
