package snapshot

import (
	"strings"
	"testing"
)

func TestUserDecoder(t *testing.T) {
	d := NewUserDecoder()
	tests := []struct {
		name, raw, want string
	}{
		{"valid", user("a", ""), ""},
		{"valid with unknown properties", user("b", `"future":{"x":[1]}`), ""},
		{"wrong type", strings.Replace(user("c", ""), `"isAdmin":false`, `"isAdmin":1`, 1), "page 3: userRegistrationDetails[7].isAdmin: want boolean, got number"},
		{"missing property", strings.Replace(user("d", ""), `"methodsRegistered":["microsoftAuthenticatorPush"],`, ``, 1), "page 3: userRegistrationDetails[7].methodsRegistered: missing"},
		{"trailing data", user("e", "") + `{}`, "page 3: userRegistrationDetails[7]: unexpected data after the object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u UserRegistrationDetails
			err := d.Decode("page 3", []byte(tt.raw), 7, &u)
			if tt.want == "" {
				if err != nil || u.ID == "" || len(u.MethodsRegistered) != 1 {
					t.Fatalf("Decode = %v, user %+v", err, u)
				}
				return
			}
			if err == nil || err.Error() != tt.want {
				t.Errorf("Decode error = %v, want %q", err, tt.want)
			}
		})
	}
}
