package fetch

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	tests := []struct {
		in      string
		want    Rate
		wantErr string
	}{
		{"5/10s", Rate{5, 10 * time.Second}, ""},
		{"50/1s", Rate{50, time.Second}, ""},
		{"50/s", Rate{50, time.Second}, ""},
		{"300/m", Rate{300, time.Minute}, ""},
		{"off", Rate{}, ""},
		{"0", Rate{}, ""},
		{"0/10s", Rate{}, ""},
		{"5", Rate{}, "want N/DURATION"},
		{"x/10s", Rate{}, "whole number"},
		{"5/-1s", Rate{}, "positive duration"},
		{"5/soon", Rate{}, "positive duration"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRate(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseRate(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
	if DefaultRate.String() != "5/10s" {
		t.Errorf("DefaultRate = %s", DefaultRate)
	}
}

func TestResolveCloud(t *testing.T) {
	tests := []struct {
		name, cloud, graph, authority string
		want                          Cloud
		known                         bool
		wantErr                       string
	}{
		{name: "default", want: CloudGlobal, known: true},
		{name: "usgov", cloud: "usgov", want: CloudUSGov, known: true},
		{name: "dod", cloud: "usgovdod", want: CloudUSGovDoD, known: true},
		{name: "china", cloud: "china", want: CloudChina, known: true},
		{name: "version dropped", graph: "https://graph.microsoft.com/v1.0/", want: CloudGlobal, known: true},
		{name: "emulator", graph: "https://127.0.0.1:8443/beta", authority: "https://127.0.0.1:8443",
			want: Cloud{"custom", "https://127.0.0.1:8443", "https://127.0.0.1:8443/"}},
		{name: "unknown cloud", cloud: "mars", wantErr: "unknown cloud"},
		{name: "http refused", graph: "http://graph.example.test", wantErr: "want https"},
		{name: "relative", authority: "login.example.test", wantErr: "absolute https URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ResolveCloud(tt.cloud, tt.graph, tt.authority)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
			if got.KnownAuthority() != tt.known {
				t.Errorf("KnownAuthority = %v, want %v", got.KnownAuthority(), tt.known)
			}
			if got.Scope() != tt.want.GraphURL+"/.default" {
				t.Errorf("Scope = %s", got.Scope())
			}
		})
	}
}

func jwt(payload string) string {
	return "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString([]byte(payload)) + ".sig"
}

func TestPrincipalFromToken(t *testing.T) {
	tests := []struct {
		name, token, want string
	}{
		{"app", jwt(`{"appid":"A","idtyp":"app","tid":"T","oid":"O"}`), "app A"},
		{"app v2", jwt(`{"azp":"B","idtyp":"app"}`), "app B"},
		{"user", jwt(`{"appid":"A","upn":"ana@contoso.example","idtyp":"user"}`), "ana@contoso.example"},
		{"user preferred_username", jwt(`{"azp":"A","preferred_username":"bo@contoso.example"}`), "bo@contoso.example"},
		{"not a jwt", "opaque-token", ""},
		{"bad payload", "a.!!!.c", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := principalFromToken(tt.token).String(); got != tt.want {
				t.Errorf("principal = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNewCredentialNeeds(t *testing.T) {
	tests := []struct {
		o       CredentialOptions
		wantErr string
	}{
		{CredentialOptions{Mode: "password"}, "unknown auth mode"},
		{CredentialOptions{Mode: AuthClientSecret, TenantID: "t", ClientID: "c"}, "AZURE_CLIENT_SECRET"},
		{CredentialOptions{Mode: AuthClientSecret, ClientSecret: "S3CR3T-VALUE"}, "a tenant"},
		{CredentialOptions{Mode: AuthClientCertificate, TenantID: "t", ClientID: "c"}, "a certificate"},
		{CredentialOptions{Mode: AuthClientCertificate, TenantID: "t", ClientID: "c", CertificatePath: "/nonexistent.pem"}, "read client certificate"},
		{CredentialOptions{Mode: AuthWorkloadIdentity, TenantID: "t", ClientID: "c"}, "AZURE_FEDERATED_TOKEN_FILE"},
		{CredentialOptions{Mode: AuthAzurePipelines, TenantID: "t", ClientID: "c"}, "SYSTEM_ACCESSTOKEN"},
		{CredentialOptions{Mode: AuthAuto, ClientSecret: "S3CR3T-VALUE"}, "--auth auto"},
		{CredentialOptions{Mode: AuthAuto}, ""},
		{CredentialOptions{Mode: AuthManagedIdentity, ClientID: "c"}, ""},
		{CredentialOptions{Mode: AuthAzureCLI}, ""},
		{CredentialOptions{Mode: AuthDeviceCode}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.o.Mode+"/"+tt.wantErr, func(t *testing.T) {
			c, err := NewCredential(tt.o)
			if tt.wantErr == "" {
				if err != nil || c == nil {
					t.Fatalf("NewCredential: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if tt.o.ClientSecret != "" && strings.Contains(err.Error(), tt.o.ClientSecret) {
				t.Error("the error shows the secret")
			}
		})
	}
}

func TestOriginCheck(t *testing.T) {
	o, err := newOrigin("https://graph.example.test")
	if err != nil {
		t.Fatal(err)
	}
	for link, ok := range map[string]bool{
		"https://graph.example.test/v1.0/x?$skiptoken=1":        true,
		"https://GRAPH.example.test:443/v1.0/x":                 true,
		"https://graph.example.test:8443/v1.0/x":                false,
		"http://graph.example.test/v1.0/x":                      false,
		"https://graph.example.test.evil.test/v1.0/x":           false,
		"https://evil.test/v1.0/x?h=https://graph.example.test": false,
		"/v1.0/x": false,
	} {
		if err := o.check(link); (err == nil) != ok {
			t.Errorf("check(%s) = %v, want ok %v", link, err, ok)
		}
	}
}

func TestPacerSpacing(t *testing.T) {
	p := newPacer(Rate{N: 20, Per: time.Second})
	start := time.Now()
	for range 6 {
		if err := p.wait(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if el := time.Since(start); el < 250*time.Millisecond || el > 2*time.Second {
		t.Errorf("6 paced calls at 20/s took %s, want about 250ms", el)
	}
	if newPacer(Rate{}) != nil {
		t.Error("a zero rate paces")
	}
}

func TestHasSpace(t *testing.T) {
	for in, want := range map[string]bool{
		`{"a":"b c","d":[1,2]}`: false,
		`{"a":"x\" y"}`:         false,
		`{"a":"x\\", "b":1}`:    true,
		"{\"a\":\n1}":           true,
		`{ "a":1}`:              true,
		`{"a":"tab\there"}`:     false,
	} {
		if got := hasSpace([]byte(in)); got != want {
			t.Errorf("hasSpace(%s) = %v, want %v", in, got, want)
		}
	}
}

// TestOptionsValidate: the typed options parse the command line's values
// and Validate names the option of a bad one, before any request.
func TestOptionsValidate(t *testing.T) {
	if _, err := ParseAuthMode("password"); err == nil || !strings.Contains(err.Error(), `--auth "password": valid modes are auto,`) {
		t.Errorf("ParseAuthMode(password): %v", err)
	}
	if m, err := ParseAuthMode(AuthClientSecret); err != nil || m != AuthClientSecret {
		t.Errorf("ParseAuthMode(client-secret) = %q, %v", m, err)
	}
	if s, err := ParseIncludes([]string{"usage"}); err != nil || s != (Sections{Usage: true}) {
		t.Errorf("ParseIncludes(usage) = %+v, %v", s, err)
	}
	if _, err := ParseIncludes([]string{"signins"}); err == nil || !strings.Contains(err.Error(), "--include") {
		t.Errorf("ParseIncludes(signins): %v", err)
	}
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{APIVersion: "v2.0"}, `--api "v2.0"`},
		{Options{Summaries: "maybe"}, `--summaries "maybe"`},
		{Options{UsagePeriod: "d90"}, `--usage-period "d90"`},
	} {
		var oe *OptionError
		if err := tc.o.Validate(); !errors.As(err, &oe) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v, want an OptionError naming %s", tc.o, err, tc.want)
		}
	}
	var o Options
	if err := o.Validate(); err != nil || o.APIVersion != APIv1 || o.Summaries != SummariesAuto || o.MaxPages != DefaultMaxPages || o.AuthMode != "custom" {
		t.Errorf("Validate of the zero Options: %v, %+v", err, o)
	}
}

func TestParseByteSize(t *testing.T) {
	for in, want := range map[string]int64{"64MiB": 64 << 20, "64M": 64 << 20, "512 KiB": 512 << 10, "1GiB": 1 << 30, "1048576": 1 << 20, "2kb": 2 << 10, "100B": 100} {
		if got, err := ParseByteSize(in); err != nil || got != want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-1MiB", "lots", "1.5MiB", "MiB", "99999999999999GiB"} {
		if _, err := ParseByteSize(in); err == nil {
			t.Errorf("ParseByteSize(%q) accepted", in)
		}
	}
}
