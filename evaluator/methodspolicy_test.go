package evaluator_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/internal/evaltest"
	"github.com/authgate/authgate/result"
	"github.com/authgate/authgate/snapshot"
)

// withPolicy writes a snapshot of two users (one admin) holding the policy
// section p.
func withPolicy(t *testing.T, p *snapshot.MethodsPolicy) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := snapshot.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range []string{
		`{"id":"u1","userPrincipalName":"a@contoso.example","userType":"member","isMfaRegistered":true,"isPasswordlessCapable":false,"isSsprCapable":false,"isSsprEnabled":false,"isSsprRegistered":false,"isSystemPreferredAuthenticationMethodEnabled":true,"systemPreferredAuthenticationMethods":[],"userPreferredMethodForSecondaryAuthentication":"","userDisplayName":"X","isAdmin":true,"isMfaCapable":false,"methodsRegistered":["mobilePhone","fido2SecurityKey"],"lastUpdatedDateTime":"2026-11-02T06:00:00Z"}`,
		`{"id":"u2","userPrincipalName":"b@contoso.example","userType":"member","isMfaRegistered":true,"isPasswordlessCapable":false,"isSsprCapable":false,"isSsprEnabled":false,"isSsprRegistered":false,"isSystemPreferredAuthenticationMethodEnabled":true,"systemPreferredAuthenticationMethods":[],"userPreferredMethodForSecondaryAuthentication":"","userDisplayName":"X","isAdmin":false,"isMfaCapable":true,"methodsRegistered":["mobilePhone"],"lastUpdatedDateTime":"2026-11-02T06:00:00Z"}`,
	} {
		if err := w.WriteUser([]byte(row)); err != nil {
			t.Fatal(err)
		}
	}
	w.SetMethodsPolicy(p)
	m := snapshot.Manifest{TenantID: "t", Cloud: "global", GraphEndpoint: "https://graph.microsoft.com", APIVersion: "v1.0", FetchedAt: "2026-11-02T08:00:00Z"}
	if _, err := w.Close(nil, nil, m); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "s.json")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Every shape a hostile or future policy may take (nulls where objects
// belong, wrong types, unknown states and target types, configurations that
// are not objects) is judged, never an evaluation error, in both modes;
// unknown values count against compliance.
func TestHostilePolicyShapes(t *testing.T) {
	policies := []string{
		`{}`,
		`{"authenticationMethodConfigurations":null,"registrationEnforcement":null,"policyMigrationState":7}`,
		`{"authenticationMethodConfigurations":[1,"x",null,[],{"id":7},{"id":null,"state":"enabled"}]}`,
		`{"authenticationMethodConfigurations":[{"id":"Sms","state":null,"includeTargets":null,"excludeTargets":"all"},{"id":"Fido2","state":"unknownFutureValue","keyRestrictions":null,"includeTargets":[null,1,{"targetType":9,"id":[]}]},{"id":"MicrosoftAuthenticator","state":"enabled","featureSettings":{"displayAppInformationRequiredState":null,"displayLocationInformationRequiredState":{"state":7,"includeTarget":null,"excludeTarget":"x"}},"includeTargets":[{"targetType":"unknownFutureValue","id":"all_users"}]}]}`,
		`{"systemCredentialPreferences":null,"reportSuspiciousActivitySettings":{"state":null,"includeTarget":7},"authenticationMethodConfigurations":[{"id":"SMS","state":"ENABLED","includeTargets":[{"targetType":"GROUP","id":"g1","isUsableForSignIn":"yes"}]}]}`,
	}
	for i, pol := range policies {
		for _, api := range []string{"v1.0", "beta"} {
			p := &snapshot.MethodsPolicy{APIVersion: api, Source: snapshot.SourceGraph, Policy: []byte(pol),
				Groups: []snapshot.PolicyGroup{{ID: "g1", Source: snapshot.SourceGraph, Members: []snapshot.GroupMember{{ID: "u1"}}}}}
			path := withPolicy(t, p)
			for _, mode := range []evaluator.Mode{evaluator.ModeStream, evaluator.ModeDocument} {
				r := evaluate(t, path, evaluator.WithMode(mode))
				if c := evaltest.Control(t, r, "AM-POL-02"); c.Status != result.StatusFail {
					t.Errorf("policy %d (%s, %s): AM-POL-02 %s: a policy that does not say SMS is disabled passed", i, api, mode, c.Status)
				}
				if c := evaltest.Control(t, r, "AM-POL-01"); c.Status != result.StatusFail {
					t.Errorf("policy %d: AM-POL-01 %s", i, c.Status)
				}
			}
		}
	}
}

// A policy that could not be read leaves every control on it skipped with
// Graph's reason, and the summary says so.
func TestOmittedPolicySummary(t *testing.T) {
	path := withPolicy(t, &snapshot.MethodsPolicy{APIVersion: "v1.0", Source: snapshot.SourceOmitted, Reason: "Graph answered 403 X", Policy: []byte("null"), Groups: []snapshot.PolicyGroup{}})
	r := evaluate(t, path)
	if r.MethodsPolicy == nil || r.MethodsPolicy.Source != "omitted" || len(r.MethodsPolicy.Methods) != 0 {
		t.Errorf("summary = %+v", r.MethodsPolicy)
	}
	if c := evaltest.Control(t, r, "AM-POL-04"); c.Status != result.StatusSkipped || !strings.Contains(c.SkipReason, "403 X") {
		t.Errorf("AM-POL-04: %s %q", c.Status, c.SkipReason)
	}
	// The retirement figure needs only the per-user report: b is stranded.
	if c := evaltest.Control(t, r, "AM-POL-11"); c.Status != result.StatusFail || !strings.Contains(c.Violations[0].Message, "b@contoso.example (mobilePhone)") {
		t.Errorf("AM-POL-11: %s %+v", c.Status, c.Violations)
	}
}
