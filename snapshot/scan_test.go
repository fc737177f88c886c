package snapshot

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const goodManifest = `{"tenantId":"t1","cloud":"global","graphEndpoint":"https://graph.microsoft.com","apiVersion":"v1.0","fetchedAt":"2026-11-26T06:00:00Z"}`

func user(id string, extra string) string {
	u := `{"id":"` + id + `","userPrincipalName":"` + id + `@contoso.example","userDisplayName":"U ` + id + `","userType":"member","isAdmin":false,"isMfaCapable":true,"isMfaRegistered":true,"isPasswordlessCapable":false,"isSsprCapable":true,"isSsprEnabled":true,"isSsprRegistered":true,"isSystemPreferredAuthenticationMethodEnabled":true,"systemPreferredAuthenticationMethods":["push"],"userPreferredMethodForSecondaryAuthentication":"push","methodsRegistered":["microsoftAuthenticatorPush"],"lastUpdatedDateTime":"2026-11-26T01:00:00Z"`
	if extra != "" {
		u += "," + extra
	}
	return u + "}"
}

func doc(users ...string) string {
	return "{\"schemaVersion\":1,\n\"manifest\":" + goodManifest + ",\n\"userRegistrationDetails\":[\n" + strings.Join(users, ",\n") + "\n]}\n"
}

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestScanRejectsBadInput(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    string // the error after "snapshot.json"
	}{
		{"empty file", "", ": empty file: want a JSON object"},
		{"not an object", "[]", ": want a JSON object, got array"},
		{"malformed", `{"schemaVersion":1,,}`, ":1: malformed JSON"},
		{"truncated", doc(user("a", ""))[:120], "the snapshot is truncated"},
		{"wrong type deep", doc(user("a", ""), strings.Replace(user("b", ""), `"isAdmin":false`, `"isAdmin":"yes"`, 1)), ": userRegistrationDetails[1].isAdmin: want boolean, got string"},
		{"boolean as number", doc(strings.Replace(user("a", ""), `"isMfaCapable":true`, `"isMfaCapable":1`, 1)), ": userRegistrationDetails[0].isMfaCapable: want boolean, got number"},
		{"null id", doc(strings.Replace(user("a", ""), `"id":"a"`, `"id":null`, 1)), ": userRegistrationDetails[0].id: empty"},
		{"method not a string", doc(strings.Replace(user("a", ""), `["microsoftAuthenticatorPush"]`, `["x", 3]`, 1)), ": userRegistrationDetails[0].methodsRegistered[1]: want string, got number"},
		{"user not an object", doc(`"a"`), ": userRegistrationDetails[0]: want object, got string"},
		{"missing required property", doc(strings.Replace(user("a", ""), `"isAdmin":false,`, ``, 1)), ": userRegistrationDetails[0].isAdmin: missing"},
		{"empty id", doc(strings.Replace(user("a", ""), `"id":"a"`, `"id":""`, 1)), ": userRegistrationDetails[0].id: empty"},
		{"bad timestamp", doc(strings.Replace(user("a", ""), `2026-11-26T01:00:00Z`, `yesterday`, 1)), `: userRegistrationDetails[0].lastUpdatedDateTime: "yesterday" is not an RFC 3339 time`},
		{"unknown schema version", strings.Replace(doc(), `"schemaVersion":1`, `"schemaVersion":2`, 1), ": schemaVersion: unsupported version 2 (this authgate reads 1)"},
		{"schema version string", strings.Replace(doc(), `"schemaVersion":1`, `"schemaVersion":"1"`, 1), ": schemaVersion: want number, got string"},
		{"missing schema version", strings.Replace(doc(), `"schemaVersion":1,`, ``, 1), ": schemaVersion: missing"},
		{"missing manifest", "{\"schemaVersion\":1,\"userRegistrationDetails\":[]}", ": manifest: missing"},
		{"missing users", "{\"schemaVersion\":1,\"manifest\":" + goodManifest + "}", ": userRegistrationDetails: missing"},
		{"users not an array", "{\"schemaVersion\":1,\"manifest\":" + goodManifest + ",\"userRegistrationDetails\":{}}", ": userRegistrationDetails: want array, got object"},
		{"manifest wrong type", strings.Replace(doc(), `"tenantId":"t1"`, `"tenantId":7`, 1), ": manifest.tenantId: want string, got number"},
		{"manifest bad cloud", strings.Replace(doc(), `"cloud":"global"`, `"cloud":"mars"`, 1), `: manifest.cloud: "mars" is not one of global, usgov, usgovdod, china, custom`},
		{"manifest bad time", strings.Replace(doc(), `"fetchedAt":"2026-11-26T06:00:00Z"`, `"fetchedAt":"26/11/2026"`, 1), `: manifest.fetchedAt: "26/11/2026" is not an RFC 3339 time`},
		{"summary wrong type", strings.Replace(doc(), `"manifest":`, `"usersRegisteredByFeature":[{"totalUserCount":"many"}],"manifest":`, 1), ": usersRegisteredByFeature[0].totalUserCount: want integer, got string"},
		{"duplicate key", strings.Replace(doc(user("a", "")), `"isAdmin":false`, `"isAdmin":false,"isAdmin":true`, 1), ": userRegistrationDetails[0].isAdmin: appears twice"},
		{"invalid UTF-8", strings.Replace(doc(user("a", "")), `U a`, "U \xff", 1), "invalid UTF-8"},
		{"trailing data", doc() + "{}", ": unexpected data after the end of the document"},
		{"users twice", strings.Replace(doc(), `"manifest":`, `"userRegistrationDetails":[],"manifest":`, 1), ": userRegistrationDetails: appears twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeTemp(t, "snapshot.json", tt.content)
			_, err := Scan(context.Background(), p, ScanOptions{}, func([]UserRegistrationDetails) error { return nil })
			if err == nil {
				t.Fatalf("Scan succeeded, want error containing %q", tt.want)
			}
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("error %v is %T, want *snapshot.Error", err, err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, p) || !strings.Contains(msg, tt.want) {
				t.Errorf("error = %q, want %q after the file name", msg, tt.want)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error spans lines: %q", msg)
			}
		})
	}
}

func TestScanToleratesGraphAdditions(t *testing.T) {
	content := strings.Replace(doc(
		strings.Replace(user("a", `"@odata.type":"#microsoft.graph.userRegistrationDetails","futureProperty":{"nested":[1,2,{"x":null}]}`), `"userPreferredMethodForSecondaryAuthentication":"push"`, `"userPreferredMethodForSecondaryAuthentication":"unknownFutureValue"`, 1),
		strings.Replace(user("b", `"defaultMfaMethod":""`), `"userType":"member"`, `"userType":"unknownFutureValue"`, 1),
		strings.Replace(user("c", ""), `"systemPreferredAuthenticationMethods":["push"]`, `"systemPreferredAuthenticationMethods":null`, 1),
	), `{"schemaVersion":1,`, `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata","schemaVersion":1,"extra":[1,{"a":2}],`, 1)
	p := writeTemp(t, "snapshot.json", content)
	var got []UserRegistrationDetails
	info, err := Scan(context.Background(), p, ScanOptions{ChunkSize: 2}, func(c []UserRegistrationDetails) error {
		if len(c) > 2 {
			t.Errorf("chunk of %d users, want at most 2", len(c))
		}
		got = append(got, c...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if info.Users != 3 || len(got) != 3 {
		t.Fatalf("users = %d (%d delivered), want 3", info.Users, len(got))
	}
	if got[1].UserType != "unknownFutureValue" || got[0].UserPreferredMethodForSecondaryAuthentication != "unknownFutureValue" {
		t.Errorf("unknown enum values not kept: %+v", got[:2])
	}
	if got[2].SystemPreferredAuthenticationMethods == nil || len(got[2].SystemPreferredAuthenticationMethods) != 0 {
		t.Errorf("null array = %#v, want empty", got[2].SystemPreferredAuthenticationMethods)
	}
	if info.Manifest.TenantID != "t1" || info.SHA256 == "" || info.LastUpdated == nil || info.LastUpdated.Min != "2026-11-26T01:00:00Z" {
		t.Errorf("info = %+v", info)
	}
}

func TestScanOffsetsPointAtUserLines(t *testing.T) {
	p := writeTemp(t, "snapshot.json", doc(user("a", ""), user("b", ""), user("c", "")))
	var offsets []int64
	info, err := Scan(context.Background(), p, ScanOptions{}, func(c []UserRegistrationDetails) error {
		for _, u := range c {
			offsets = append(offsets, u.Offset)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	lineOf, err := Lines(p, append(offsets, info.ManifestOffset))
	if err != nil {
		t.Fatal(err)
	}
	for i, off := range offsets {
		if got, want := lineOf(off), 4+i; got != want {
			t.Errorf("user %d at line %d, want %d", i, got, want)
		}
	}
	if got := lineOf(info.ManifestOffset); got != 2 {
		t.Errorf("manifest at line %d, want 2", got)
	}
}

func TestScanLimitsAndFiles(t *testing.T) {
	p := writeTemp(t, "snapshot.json", doc(user("a", "")))
	if _, err := Scan(context.Background(), p, ScanOptions{MaxBytes: 100}, func([]UserRegistrationDetails) error { return nil }); err == nil || !strings.Contains(err.Error(), "larger than the limit of 100") {
		t.Errorf("oversized file: err = %v", err)
	}
	if _, err := Scan(context.Background(), t.TempDir(), ScanOptions{}, func([]UserRegistrationDetails) error { return nil }); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory: err = %v", err)
	}
	if _, err := Scan(context.Background(), filepath.Join(t.TempDir(), "missing.json"), ScanOptions{}, func([]UserRegistrationDetails) error { return nil }); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err = %v, want ErrNotExist", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	big := writeTemp(t, "big.json", doc(user("a", ""), user("b", ""), user("c", "")))
	if _, err := Scan(ctx, big, ScanOptions{ChunkSize: 1}, func([]UserRegistrationDetails) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

func TestIncompleteManifest(t *testing.T) {
	p := writeTemp(t, "snapshot.json", strings.Replace(doc(), `"tenantId":"t1"`, `"tenantId":"t1","pagingComplete":false`, 1))
	info, err := Scan(context.Background(), p, ScanOptions{}, func([]UserRegistrationDetails) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if err := info.Complete(); !errors.Is(err, ErrIncomplete) {
		t.Errorf("Complete() = %v, want ErrIncomplete", err)
	}
	m, err := PeekManifest(p)
	if err != nil || m.PagingComplete == nil || *m.PagingComplete {
		t.Errorf("PeekManifest = %+v, %v", m, err)
	}
}

// Every property may be null (the schema allows it for some, a service can
// bend its contract for the others): the row is kept, the null recorded.
func TestScanKeepsNullsAndNamesUnknowns(t *testing.T) {
	row := user("a", "")
	for _, p := range PropertyNames {
		if p == "id" || p == "defaultMfaMethod" {
			continue
		}
		i := strings.Index(row, `"`+p+`":`)
		if i < 0 {
			t.Fatalf("test row lacks %s", p)
		}
		j := i + len(p) + 3
		end := strings.IndexAny(row[j:], ",}")
		if row[j] == '[' {
			end = strings.Index(row[j:], "]") + 1
		}
		row = row[:j] + "null" + row[j+end:]
	}
	p := writeTemp(t, "snapshot.json", doc(row, strings.Replace(user("b", ""), `"userType":"member"`, `"userType":"Guest"`, 1), strings.Replace(user("c", ""), `"userType":"member"`, `"userType":"unknownFutureValue"`, 1)))
	var got []UserRegistrationDetails
	if _, err := Scan(context.Background(), p, ScanOptions{}, func(c []UserRegistrationDetails) error { got = append(got, c...); return nil }); err != nil {
		t.Fatal(err)
	}
	a := got[0]
	for _, p := range PropertyNames {
		if want := p != "id" && p != "defaultMfaMethod"; a.IsNull(p) != want {
			t.Errorf("IsNull(%s) = %v, want %v", p, a.IsNull(p), want)
		}
	}
	if a.IsAdmin || a.IsMfaCapable || a.AdminKnown() || a.MethodsRegistered == nil || len(a.MethodsRegistered) != 0 {
		t.Errorf("null row read as %+v", a)
	}
	want := "userType isAdmin isMfaCapable isMfaRegistered isPasswordlessCapable isSsprCapable isSsprEnabled isSsprRegistered isSystemPreferredAuthenticationMethodEnabled methodsRegistered"
	if got := strings.Join(a.Unknown(), " "); got != want {
		t.Errorf("Unknown() = %s, want %s", got, want)
	}
	if u := got[1].Unknown(); u != nil || !IsGuest(got[1].UserType) || got[1].UserType != "Guest" {
		t.Errorf("Guest: Unknown() = %v, userType %q (kept as written)", u, got[1].UserType)
	}
	if u := got[2].Unknown(); strings.Join(u, ",") != "userType" {
		t.Errorf("unknownFutureValue: Unknown() = %v", u)
	}
	// A rewritten row keeps its nulls.
	b, err := a.MarshalJSON()
	if err != nil || !strings.Contains(string(b), `"isAdmin":null`) || !strings.Contains(string(b), `"methodsRegistered":null`) || strings.Contains(string(b), `"id":null`) {
		t.Errorf("MarshalJSON = %s, %v", b, err)
	}
}

// TestPeekManifestWherever: the manifest is found ahead of the scan before
// or after the users, not taken from a nested member of the same name, and
// a manifest that does not validate is refused as the decoder refuses it.
func TestPeekManifestWherever(t *testing.T) {
	base := doc(user("a", ""), user("b", ""))
	// The same document with its members in name order: manifest first.
	var members map[string]json.RawMessage
	if err := json.Unmarshal([]byte(base), &members); err != nil {
		t.Fatal(err)
	}
	sorted, err := json.Marshal(members)
	if err != nil {
		t.Fatal(err)
	}
	first := string(sorted)
	if !strings.HasPrefix(first, `{"manifest":`) {
		t.Fatalf("not manifest first: %.40s", first)
	}
	nested := strings.Replace(base, `"userRegistrationDetails":`, `"x":{"manifest":{"tenantId":"wrong","fetchedAt":"2001-01-01T00:00:00Z"}},"userRegistrationDetails":`, 1)
	for name, body := range map[string]string{"last": base, "first": first, "nested decoy": nested} {
		p := writeTemp(t, "snapshot.json", body)
		info, err := Scan(context.Background(), p, ScanOptions{}, func([]UserRegistrationDetails) error { return nil })
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, body)
		}
		m, err := PeekManifest(p)
		if err != nil || m.TenantID != info.Manifest.TenantID || m.FetchedAt != info.Manifest.FetchedAt {
			t.Errorf("%s: PeekManifest = %+v, %v; want the manifest Scan read", name, m, err)
		}
		sec, err := PeekSections(context.Background(), p)
		if err != nil || sec.Manifest == nil || sec.Manifest.FetchedAt != info.Manifest.FetchedAt {
			t.Errorf("%s: PeekSections manifest = %+v, %v", name, sec, err)
		}
	}
	bad := writeTemp(t, "snapshot.json", strings.Replace(base, `"tenantId":"t1"`, `"tenantId":""`, 1))
	if _, err := PeekManifest(bad); err == nil || !strings.Contains(err.Error(), "manifest.tenantId") {
		t.Errorf("an empty tenantId: %v, want it named", err)
	}
	if sec, err := PeekSections(context.Background(), bad); err != nil || sec.Manifest != nil {
		t.Errorf("PeekSections kept an invalid manifest: %+v, %v", sec, err)
	}
}
