package evaluator

import (
	"testing"

	"github.com/authgate/authgate/policies"
	"github.com/authgate/authgate/result"
	"github.com/authgate/authgate/snapshot"
)

// The engine summarises usage through the taxonomy's one mapping between
// the methodsRegistered names and the usage reports' usageAuthMethod names.
func TestSummaryAcceptsBothMethodVocabularies(t *testing.T) {
	tax, err := loadTaxonomy(policies.FS)
	if err != nil {
		t.Fatal(err)
	}
	u := &snapshot.Usage{Period: "d7", Start: "2026-10-26T08:00:00Z", End: "2026-11-02T08:00:00Z", ActivitySource: "derived", SignInsSource: "graph",
		UserRegistrationActivity: []snapshot.RegistrationActivity{
			{AuthMethod: "microsoftAuthenticatorPush", Feature: "registration", SuccessfulActivityCount: 3, FailureActivityCount: 1},
			{AuthMethod: "appNotification", Feature: "registration", SuccessfulActivityCount: 5, FailureActivityCount: 1},
		},
		UserSignInsByAuthMethodSummary: []snapshot.SignInsByMethod{
			{AuthenticationMethod: "mobilePhone", SuccessActivityCount: 10},
			{AuthenticationMethod: "mobileSMS", SuccessActivityCount: 10},
			{AuthenticationMethod: "microsoftAuthenticatorPush", SuccessActivityCount: 80},
		}}
	s := result.SummarizeUsageWith(u, &tax.usage)
	if len(s.Methods) != 1 || s.Methods[0].AuthMethod != "appNotification" || s.Methods[0].Attempts != 10 {
		t.Errorf("methods = %+v, want one appNotification row of 10 attempts", s.Methods)
	}
	if s.TelephonySignIns != 20 || s.SuccessfulSignIns != 100 {
		t.Errorf("telephony %d of %d, want 20 of 100", s.TelephonySignIns, s.SuccessfulSignIns)
	}
}
