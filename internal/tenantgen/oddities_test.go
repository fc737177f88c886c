package tenantgen

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/authgate/authgate/snapshot"
)

func TestOdditiesAreSeededLegalAndOptional(t *testing.T) {
	const n = 20000
	seen := map[string]int{}
	for _, ideal := range []bool{false, true} {
		tn := Tenant{Seed: 3, Users: n, Now: refNow, Ideal: ideal}
		tn.Each(func(i int, u *snapshot.UserRegistrationDetails) {
			if again := tn.User(i); again.Nulls != u.Nulls || again.UserType != u.UserType {
				t.Fatalf("user %d differs between calls", i)
			}
			line := AppendUser(nil, u, i%2 == 0)
			var m map[string]any
			if err := json.Unmarshal(line, &m); err != nil {
				t.Fatalf("user %d: invalid JSON %s: %v", i, line, err)
			}
			if ideal {
				if u.Nulls != 0 || u.UserType == "unknownFutureValue" || strings.Contains(string(line), "null") || strings.Contains(string(line), "@odata") {
					t.Fatalf("ideal user %d has an oddity: %s", i, line)
				}
				return
			}
			for k, v := range m {
				if v == nil {
					seen["null "+k]++
				}
			}
			if _, ok := m["@odata.type"]; ok {
				seen["annotation"]++
			}
			if m["userType"] == "unknownFutureValue" {
				seen["userType unknownFutureValue"]++
			}
			for _, s := range u.SystemPreferredAuthenticationMethods {
				if s != strings.ToLower(s[:1])+s[1:] {
					seen["case variant"]++
				}
			}
		})
	}
	for _, k := range []string{"null isAdmin", "null userType", "null isSystemPreferredAuthenticationMethodEnabled", "null methodsRegistered",
		"null systemPreferredAuthenticationMethods", "null userPreferredMethodForSecondaryAuthentication", "annotation", "userType unknownFutureValue", "case variant"} {
		if seen[k] == 0 || seen[k] > n/20 {
			t.Errorf("%s: %d of %d rows, want a small share", k, seen[k], n)
		}
	}
	// Only properties Microsoft's schema marks nullable are ever null.
	for k := range seen {
		if p, ok := strings.CutPrefix(k, "null "); ok {
			switch p {
			case "isAdmin", "userType", "isSystemPreferredAuthenticationMethodEnabled", "methodsRegistered", "systemPreferredAuthenticationMethods", "userPreferredMethodForSecondaryAuthentication":
			default:
				t.Errorf("the emulator nulls %s, which the schema marks non-nullable", p)
			}
		}
	}
}

// TestNullBits: every property oddify sets to null is one the snapshot
// package keeps a Nulls bit for, each bit its own.
func TestNullBits(t *testing.T) {
	seen := uint32(0)
	for name, bit := range map[string]uint32{
		"isAdmin": nullIsAdmin, "userType": nullUserType, "isSystemPreferredAuthenticationMethodEnabled": nullSysPrefOn,
		"methodsRegistered": nullMethods, "systemPreferredAuthenticationMethods": nullSysPrefMethod,
		"userPreferredMethodForSecondaryAuthentication": nullPreferred,
	} {
		if bit == 0 || bit&seen != 0 || bit&annotateBit != 0 {
			t.Errorf("%s: Nulls bit %#x is missing or shared", name, bit)
		}
		seen |= bit
		u := snapshot.UserRegistrationDetails{Nulls: bit}
		if !u.IsNull(name) {
			t.Errorf("%s: IsNull does not read bit %#x", name, bit)
		}
	}
	if nullBit("notAProperty") != 0 {
		t.Error("an unknown property has a bit")
	}
}
