package graphfake

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/google/go-cmp/cmp"

	"github.com/authgate/authgate/internal/tenantgen"
	"github.com/authgate/authgate/internal/testcert"
	"github.com/authgate/authgate/snapshot"
)

const (
	testClientID = "11111111-2222-4333-8444-555555555555"
	testSecret   = "s3cret-value"
)

// refNow is the tenants' clock in these tests.
var refNow = tenantgen.SampleNow

func newServer(t *testing.T, o Options) *Server {
	t.Helper()
	if o.ClientID == "" {
		o.ClientID = testClientID
	}
	if o.ClientSecret == "" {
		o.ClientSecret = testSecret
	}
	if o.Rate == 0 {
		o.Rate = -1
	}
	if o.Tenant.Now.IsZero() {
		o.Tenant.Now = refNow
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

type response struct {
	status int
	header http.Header
	body   []byte
	err    error
}

func get(t *testing.T, s *Server, u, token string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("client-request-id", "c0ffee00-0000-4000-8000-000000000001")
	res, err := s.Client().Do(req)
	if err != nil {
		return response{err: err}
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: body, err: err}
}

func postForm(t *testing.T, s *Server, path string, form url.Values) response {
	t.Helper()
	res, err := s.Client().PostForm(strings.TrimSuffix(s.AuthorityHost(), "/")+path, form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: body}
}

func graphCode(t *testing.T, body []byte) string {
	t.Helper()
	var e struct {
		Error struct {
			Code       string
			Message    string
			InnerError map[string]string
		}
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body is not JSON: %v: %s", err, body)
	}
	if e.Error.InnerError["request-id"] == "" || e.Error.InnerError["date"] == "" {
		t.Errorf("error body lacks innerError request-id/date: %s", body)
	}
	return e.Error.Code
}

const detailsPath = "/reports/authenticationMethods/userRegistrationDetails"

func scopeURL(s *Server, version, fn string, sc snapshot.Scope) string {
	return s.GraphURL() + "/" + version + "/reports/authenticationMethods/" + fn +
		"(includedUserTypes='" + sc.UserTypes + "',includedUserRoles='" + sc.UserRoles + "')"
}

func TestTokenEndpoint(t *testing.T) {
	s := newServer(t, Options{Tenant: tenantgen.Tenant{Seed: 1, Users: 10}})
	tid := s.TenantID()
	good := func() url.Values {
		return url.Values{"grant_type": {"client_credentials"}, "client_id": {testClientID},
			"client_secret": {testSecret}, "scope": {"https://graph.microsoft.com/.default"}}
	}
	tests := []struct {
		name   string
		tenant string
		edit   func(url.Values)
		status int
		errStr string
		aadsts string
	}{
		{"right secret", tid, func(url.Values) {}, 200, "", ""},
		{"tenant domain", tenantgen.Domain, func(url.Values) {}, 200, "", ""},
		{"emulator scope", tid, func(v url.Values) { v.Set("scope", s.GraphURL()+"/.default") }, 200, "", ""},
		{"wrong secret", tid, func(v url.Values) { v.Set("client_secret", "nope") }, 401, "invalid_client", "AADSTS7000215"},
		{"no credential", tid, func(v url.Values) { v.Del("client_secret") }, 401, "invalid_client", "AADSTS7000218"},
		{"unknown client", tid, func(v url.Values) { v.Set("client_id", "someone-else") }, 400, "unauthorized_client", "AADSTS700016"},
		{"scope without .default", tid, func(v url.Values) { v.Set("scope", "AuditLog.Read.All") }, 400, "invalid_scope", "AADSTS1002012"},
		{"foreign resource", tid, func(v url.Values) { v.Set("scope", "https://management.azure.com/.default") }, 400, "invalid_scope", "AADSTS1002012"},
		{"unknown tenant", "00000000-0000-0000-0000-000000000000", func(url.Values) {}, 400, "invalid_tenant", "AADSTS90002"},
		{"password grant", tid, func(v url.Values) { v.Set("grant_type", "password") }, 400, "unsupported_grant_type", "AADSTS70003"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			form := good()
			tc.edit(form)
			res := postForm(t, s, "/"+tc.tenant+"/oauth2/v2.0/token", form)
			if res.status != tc.status {
				t.Fatalf("status %d, want %d: %s", res.status, tc.status, res.body)
			}
			if strings.Contains(string(res.body), testSecret) {
				t.Errorf("response echoes the secret")
			}
			if tc.status != 200 {
				var e aadError
				if err := json.Unmarshal(res.body, &e); err != nil {
					t.Fatal(err)
				}
				if e.Error != tc.errStr || !strings.HasPrefix(e.ErrorDescription, tc.aadsts+": ") || len(e.ErrorCodes) != 1 || e.TraceID == "" {
					t.Errorf("error body %+v, want %s %s", e, tc.errStr, tc.aadsts)
				}
				return
			}
			var tr struct {
				TokenType   string `json:"token_type"`
				ExpiresIn   int    `json:"expires_in"`
				AccessToken string `json:"access_token"`
			}
			if err := json.Unmarshal(res.body, &tr); err != nil {
				t.Fatal(err)
			}
			if tr.TokenType != "Bearer" || tr.ExpiresIn != 3600 {
				t.Errorf("token response %+v", tr)
			}
			c := decodeClaims(t, tr.AccessToken)
			if c.TID != tid || c.AppID != testClientID || c.Azp != testClientID || c.OID == "" ||
				c.IDType != "app" || !cmp.Equal(c.Roles, []string{Permission}) || c.Scp != "" || c.AppIDAcr != "1" {
				t.Errorf("claims %+v", c)
			}
		})
	}
	if st := s.Stats(); st.TokensIssued != 3 || st.TokenErrors != 7 {
		t.Errorf("stats: issued %d errors %d, want 3 and 7", st.TokensIssued, st.TokenErrors)
	}
}

func decodeClaims(t *testing.T, tok string) Claims {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token is not a JWT")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c Claims
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestOIDCMetadata(t *testing.T) {
	s := newServer(t, Options{})
	res := get(t, s, s.AuthorityHost()+s.TenantID()+"/v2.0/.well-known/openid-configuration", "")
	if res.status != 200 {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	var doc map[string]any
	if err := json.Unmarshal(res.body, &doc); err != nil {
		t.Fatal(err)
	}
	base := s.AuthorityHost() + s.TenantID()
	want := map[string]string{
		"token_endpoint":         base + "/oauth2/v2.0/token",
		"authorization_endpoint": base + "/oauth2/v2.0/authorize",
		"issuer":                 base + "/v2.0",
	}
	for k, v := range want {
		if doc[k] != v {
			t.Errorf("%s = %v, want %s", k, doc[k], v)
		}
	}
	if res := get(t, s, s.AuthorityHost()+"nobody.example/v2.0/.well-known/openid-configuration", ""); res.status != 400 {
		t.Errorf("unknown tenant: status %d, want 400", res.status)
	}
}

func azOptions(s *Server) azcore.ClientOptions {
	return azcore.ClientOptions{
		Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: s.AuthorityHost()},
		Transport: s.Client(),
		Retry:     policy.RetryOptions{MaxRetries: -1},
	}
}

// TestAzidentityCredentials drives the real azidentity credentials against
// the emulator, as the fetcher does.
func TestAzidentityCredentials(t *testing.T) {
	cert, key := testCert(t)
	s := newServer(t, Options{Tenant: tenantgen.Tenant{Seed: 1, Users: 3}, Certificate: cert, FederatedToken: "federated-jwt"})
	scope := []string{"https://graph.microsoft.com/.default"}
	type cred interface {
		GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error)
	}
	mk := map[string]func() (cred, error){
		"client secret": func() (cred, error) {
			return azidentity.NewClientSecretCredential(s.TenantID(), testClientID, testSecret,
				&azidentity.ClientSecretCredentialOptions{ClientOptions: azOptions(s), DisableInstanceDiscovery: true})
		},
		"client certificate": func() (cred, error) {
			return azidentity.NewClientCertificateCredential(s.TenantID(), testClientID, []*x509.Certificate{cert}, key,
				&azidentity.ClientCertificateCredentialOptions{ClientOptions: azOptions(s), DisableInstanceDiscovery: true})
		},
		"client assertion (federated)": func() (cred, error) {
			return azidentity.NewClientAssertionCredential(s.TenantID(), testClientID,
				func(context.Context) (string, error) { return "federated-jwt", nil },
				&azidentity.ClientAssertionCredentialOptions{ClientOptions: azOptions(s), DisableInstanceDiscovery: true})
		},
	}
	for name, f := range mk {
		t.Run(name, func(t *testing.T) {
			c, err := f()
			if err != nil {
				t.Fatal(err)
			}
			tk, err := c.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: scope})
			if err != nil {
				t.Fatalf("GetToken: %v", err)
			}
			if time.Until(tk.ExpiresOn) < 50*time.Minute {
				t.Errorf("ExpiresOn %v", tk.ExpiresOn)
			}
			res := get(t, s, s.GraphURL()+"/v1.0"+detailsPath, tk.Token)
			if res.status != 200 {
				t.Fatalf("Graph with azidentity token: %d %s", res.status, res.body)
			}
		})
	}
	t.Run("wrong secret", func(t *testing.T) {
		c, err := azidentity.NewClientSecretCredential(s.TenantID(), testClientID, "wrong",
			&azidentity.ClientSecretCredentialOptions{ClientOptions: azOptions(s), DisableInstanceDiscovery: true})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: scope})
		var afe *azidentity.AuthenticationFailedError
		if !errors.As(err, &afe) || afe.RawResponse == nil || afe.RawResponse.StatusCode != 401 || !strings.Contains(err.Error(), "AADSTS7000215") {
			t.Fatalf("want AuthenticationFailedError 401 AADSTS7000215, got %v", err)
		}
	})
	t.Run("wrong certificate", func(t *testing.T) {
		other, otherKey := testCert(t)
		c, err := azidentity.NewClientCertificateCredential(s.TenantID(), testClientID, []*x509.Certificate{other}, otherKey,
			&azidentity.ClientCertificateCredentialOptions{ClientOptions: azOptions(s), DisableInstanceDiscovery: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err = c.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: scope}); err == nil || !strings.Contains(err.Error(), "AADSTS700027") {
			t.Fatalf("want AADSTS700027, got %v", err)
		}
	})
	if st := s.Stats(); st.Requests[EndpointOIDC] == 0 || st.TokensIssued != 3 {
		t.Errorf("stats %+v", st)
	}
}

func testCert(t *testing.T) (*x509.Certificate, crypto.PrivateKey) {
	t.Helper()
	c := testcert.New(t, "authgate-test")
	return c.Cert, c.Key
}

func TestClientAssertionChecks(t *testing.T) {
	cert, key := testCert(t)
	s := newServer(t, Options{Certificate: cert})
	endpoint := s.AuthorityHost() + s.TenantID() + "/oauth2/v2.0/token"
	sum := sha256.Sum256(cert.Raw)
	x5t := base64.StdEncoding.EncodeToString(sum[:])
	now := time.Now().Unix()
	mkJWT := func(hdr, claims map[string]any) string {
		h, _ := json.Marshal(hdr)
		c, _ := json.Marshal(claims)
		msg := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
		d := sha256.Sum256([]byte(msg))
		sig, err := rsa.SignPKCS1v15(rand.Reader, key.(*rsa.PrivateKey), crypto.SHA256, d[:])
		if err != nil {
			t.Fatal(err)
		}
		return msg + "." + base64.RawURLEncoding.EncodeToString(sig)
	}
	hdr := map[string]any{"alg": "RS256", "typ": "JWT", "x5t#S256": x5t}
	claims := func(edit func(map[string]any)) map[string]any {
		c := map[string]any{"aud": endpoint, "iss": testClientID, "sub": testClientID, "exp": now + 600, "nbf": now, "jti": "x"}
		edit(c)
		return c
	}
	tests := []struct {
		name      string
		assertion string
		aadsts    string
	}{
		{"valid RS256", mkJWT(hdr, claims(func(map[string]any) {})), ""},
		{"expired", mkJWT(hdr, claims(func(c map[string]any) { c["exp"] = now - 10 })), "AADSTS700024"},
		{"wrong audience", mkJWT(hdr, claims(func(c map[string]any) { c["aud"] = "https://elsewhere" })), "AADSTS700212"},
		{"wrong issuer", mkJWT(hdr, claims(func(c map[string]any) { c["iss"] = "other" })), "AADSTS700021"},
		{"unknown thumbprint", mkJWT(map[string]any{"alg": "RS256", "x5t#S256": "AAAA"}, claims(func(map[string]any) {})), "AADSTS700027"},
		{"tampered", mkJWT(hdr, claims(func(map[string]any) {})) + "x", "AADSTS700027"},
		{"not a JWT", "abc", "AADSTS50012"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := postForm(t, s, "/"+s.TenantID()+"/oauth2/v2.0/token", url.Values{
				"grant_type": {"client_credentials"}, "client_id": {testClientID}, "scope": {"https://graph.microsoft.com/.default"},
				"client_assertion_type": {jwtAssertionType}, "client_assertion": {tc.assertion}})
			if tc.aadsts == "" {
				if res.status != 200 {
					t.Fatalf("status %d: %s", res.status, res.body)
				}
				var tr map[string]any
				_ = json.Unmarshal(res.body, &tr)
				if c := decodeClaims(t, tr["access_token"].(string)); c.AppIDAcr != "2" {
					t.Errorf("appidacr %q, want 2", c.AppIDAcr)
				}
				return
			}
			if res.status != 401 || !strings.Contains(string(res.body), tc.aadsts) {
				t.Errorf("status %d body %s, want 401 %s", res.status, res.body, tc.aadsts)
			}
		})
	}
}

// pageResult is one userRegistrationDetails page as the test reads it.
type pageResult struct {
	Context  string           `json:"@odata.context"`
	NextLink string           `json:"@odata.nextLink"`
	Value    []map[string]any `json:"value"`
}

// fetchAll follows nextLinks from first and returns the rows and pages.
func fetchAll(t *testing.T, s *Server, first, token string) ([]map[string]any, int) {
	t.Helper()
	var rows []map[string]any
	pages := 0
	seen := map[string]bool{}
	for link := first; link != ""; {
		if seen[link] {
			t.Fatalf("nextLink repeats: %s", link)
		}
		seen[link] = true
		res := get(t, s, link, token)
		if res.err != nil || res.status != 200 {
			t.Fatalf("GET %s: %v %d %s", link, res.err, res.status, res.body)
		}
		var p pageResult
		if err := json.Unmarshal(res.body, &p); err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(p.Context, "/$metadata#reports/authenticationMethods/userRegistrationDetails") {
			t.Errorf("@odata.context %q", p.Context)
		}
		if p.NextLink != "" && !strings.HasPrefix(p.NextLink, s.GraphURL()+"/") {
			t.Fatalf("nextLink %q is not absolute on the Graph URL", p.NextLink)
		}
		rows = append(rows, p.Value...)
		pages++
		link = p.NextLink
	}
	return rows, pages
}

func TestPagingCoversEveryUserOnce(t *testing.T) {
	const users = 2345
	tests := []struct {
		name      string
		version   string
		pageSize  int
		query     string
		wantPages int
		last      bool
	}{
		{"v1.0 default page size", "v1.0", 0, "", 3, false},
		{"v1.0 $top=999", "v1.0", 0, "?$top=999", 3, false},
		{"beta $top=100", "beta", 0, "?$top=100", 24, true},
		{"server page 500 below $top", "v1.0", 500, "?$top=999", 5, false},
		{"$top above 999 is capped", "beta", 0, "?$top=5000", 3, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, Options{Tenant: tenantgen.Tenant{Seed: 5, Users: users}, PageSize: tc.pageSize, NextLinkLast: tc.last})
			tok := s.Token(false, time.Hour)
			rows, pages := fetchAll(t, s, s.GraphURL()+"/"+tc.version+detailsPath+tc.query, tok)
			if pages != tc.wantPages {
				t.Errorf("pages %d, want %d", pages, tc.wantPages)
			}
			if len(rows) != users {
				t.Fatalf("rows %d, want %d", len(rows), users)
			}
			for i, row := range rows {
				want := tenantgen.GenerateUser(5, i, refNow)
				if row["id"] != want.ID || row["userPrincipalName"] != want.UserPrincipalName {
					t.Fatalf("row %d is %v, want user %d %s", i, row["id"], i, want.ID)
				}
				_, has := row["defaultMfaMethod"]
				if has != (tc.version == "beta") {
					t.Fatalf("row %d: defaultMfaMethod present=%v on %s", i, has, tc.version)
				}
			}
			if st := s.Stats(); st.Pages != int64(pages) || st.UsersServed != users || st.APIVersions[tc.version] != int64(pages) {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestEmptyTenantAndBadQueries(t *testing.T) {
	s := newServer(t, Options{Tenant: tenantgen.Tenant{Seed: 1, Users: 0}})
	tok := s.Token(false, time.Hour)
	rows, pages := fetchAll(t, s, s.GraphURL()+"/v1.0"+detailsPath, tok)
	if len(rows) != 0 || pages != 1 {
		t.Errorf("empty tenant: %d rows in %d pages", len(rows), pages)
	}
	tests := []struct {
		name, path string
		status     int
		code       string
	}{
		{"bad $top", "/v1.0" + detailsPath + "?$top=abc", 400, CodeBadRequest},
		{"forged skiptoken", "/v1.0" + detailsPath + "?$skiptoken=00_0", 400, CodeBadRequest},
		{"unknown path", "/v1.0/users", 404, "Request_UnsupportedQuery"},
		{"bad user type", "/v1.0/reports/authenticationMethods/usersRegisteredByFeature(includedUserTypes='robots',includedUserRoles='all')", 403, CodeAppOnlyUnsupported},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := get(t, s, s.GraphURL()+tc.path, tok)
			if res.status != tc.status || graphCode(t, res.body) != tc.code {
				t.Errorf("status %d body %s, want %d %s", res.status, res.body, tc.status, tc.code)
			}
		})
	}
}

func TestSingleUser(t *testing.T) {
	s := newServer(t, Options{Tenant: tenantgen.Tenant{Seed: 9, Users: 50}})
	tok := s.Token(false, time.Hour)
	want := tenantgen.GenerateUser(9, 17, refNow)
	res := get(t, s, s.GraphURL()+"/beta"+detailsPath+"/"+want.ID, tok)
	var got snapshot.UserRegistrationDetails
	if res.status != 200 || json.Unmarshal(res.body, &got) != nil {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	got.Offset = -1
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("user differs (-want +got):\n%s", d)
	}
	res = get(t, s, s.GraphURL()+"/v1.0"+detailsPath+"/"+tenantgen.GenerateUser(9, 50, refNow).ID, tok)
	if res.status != 404 || graphCode(t, res.body) != CodeNotFound {
		t.Errorf("absent user: %d %s", res.status, res.body)
	}
}

func TestSummariesEqualTally(t *testing.T) {
	const users = 3000
	s := newServer(t, Options{Tenant: tenantgen.Tenant{Seed: 21, Users: users}})
	var tally, priv snapshot.Tally
	s.Tenant().Each(func(i int, u *snapshot.UserRegistrationDetails) {
		tally.Add(u)
		if u.IsAdmin && tenantgen.IsPrivilegedAdmin(21, i) {
			priv.Add(u)
		}
	})
	if priv.All.Users == 0 || priv.All.Users >= tally.Admin.Users {
		t.Fatalf("privileged admins %d of %d admins: want a proper subset", priv.All.Users, tally.Admin.Users)
	}
	delegated := s.Token(true, time.Hour)
	for _, sc := range snapshot.SummaryScopes {
		want := tally.Counts(sc)
		if sc.UserRoles == "privilegedAdmin" {
			want = &priv.All
		}
		for _, version := range []string{"v1.0", "beta"} {
			t.Run(version+"/"+sc.UserTypes+"/"+sc.UserRoles, func(t *testing.T) {
				var t2 snapshot.Tally
				t2.All = *want
				all := snapshot.Scope{UserTypes: "all", UserRoles: "all"}

				res := get(t, s, scopeURL(s, version, "usersRegisteredByFeature", sc), delegated)
				var fs snapshot.FeatureSummary
				if res.status != 200 || json.Unmarshal(res.body, &fs) != nil {
					t.Fatalf("feature: %d %s", res.status, res.body)
				}
				wantFS, _ := t2.FeatureSummary(all)
				wantFS.UserTypes, wantFS.UserRoles = sc.UserTypes, sc.UserRoles
				fs.Offset = -1
				if d := cmp.Diff(wantFS, fs); d != "" {
					t.Errorf("feature summary (-want +got):\n%s", d)
				}
				if !strings.Contains(string(res.body), `"@odata.context":"`+s.GraphURL()+"/"+version+`/$metadata#microsoft.graph.userRegistrationFeatureSummary"`) {
					t.Errorf("feature summary lacks @odata.context: %s", res.body)
				}

				res = get(t, s, scopeURL(s, version, "usersRegisteredByMethod", sc), delegated)
				var ms snapshot.MethodSummary
				if res.status != 200 || json.Unmarshal(res.body, &ms) != nil {
					t.Fatalf("method: %d %s", res.status, res.body)
				}
				wantMS, _ := t2.MethodSummary(all)
				wantMS.UserTypes, wantMS.UserRoles = sc.UserTypes, sc.UserRoles
				ms.Offset = -1
				if d := cmp.Diff(wantMS, ms); d != "" {
					t.Errorf("method summary (-want +got):\n%s", d)
				}
			})
		}
	}
	t.Run("parameters in any order, quotes encoded", func(t *testing.T) {
		res := get(t, s, s.GraphURL()+"/v1.0/reports/authenticationMethods/usersRegisteredByFeature(includedUserRoles=%27admin%27,includedUserTypes=%27all%27)", delegated)
		var fs snapshot.FeatureSummary
		if res.status != 200 || json.Unmarshal(res.body, &fs) != nil || fs.UserRoles != "admin" || fs.TotalUserCount != tally.Admin.Users {
			t.Errorf("%d %s", res.status, res.body)
		}
	})
	t.Run("app-only is refused", func(t *testing.T) {
		res := get(t, s, scopeURL(s, "v1.0", "usersRegisteredByMethod", snapshot.Scope{UserTypes: "all", UserRoles: "all"}), s.Token(false, time.Hour))
		if res.status != 403 || graphCode(t, res.body) != CodeAppOnlyUnsupported {
			t.Errorf("%d %s", res.status, res.body)
		}
	})
	t.Run("bad enum value", func(t *testing.T) {
		res := get(t, s, scopeURL(s, "v1.0", "usersRegisteredByMethod", snapshot.Scope{UserTypes: "robots", UserRoles: "all"}), delegated)
		if res.status != 400 || graphCode(t, res.body) != CodeBadRequest {
			t.Errorf("%d %s", res.status, res.body)
		}
	})
}

func TestDelegatedAndPermissions(t *testing.T) {
	s := newServer(t, Options{Delegated: true, Tenant: tenantgen.Tenant{Seed: 1, Users: 5}})
	res := postForm(t, s, "/"+s.TenantID()+"/oauth2/v2.0/token", url.Values{"grant_type": {"client_credentials"},
		"client_id": {testClientID}, "client_secret": {testSecret}, "scope": {"https://graph.microsoft.com/.default"}})
	var tr map[string]any
	_ = json.Unmarshal(res.body, &tr)
	c := decodeClaims(t, tr["access_token"].(string))
	if c.IDType != "user" || c.UPN != DelegatedUPN || c.Scp != Permission || len(c.Roles) != 0 {
		t.Errorf("delegated claims %+v", c)
	}
	if res := get(t, s, scopeURL(s, "v1.0", "usersRegisteredByFeature", snapshot.Scope{UserTypes: "all", UserRoles: "all"}), tr["access_token"].(string)); res.status != 200 {
		t.Errorf("delegated summary: %d %s", res.status, res.body)
	}
	noPerm := newServer(t, Options{Permissions: []string{"User.Read.All"}})
	res2 := get(t, noPerm, noPerm.GraphURL()+"/v1.0"+detailsPath, noPerm.Token(false, time.Hour))
	if res2.status != 403 || graphCode(t, res2.body) != CodePermissionMissing {
		t.Errorf("without AuditLog.Read.All: %d %s", res2.status, res2.body)
	}
}

func TestBearerTokenChecks(t *testing.T) {
	s := newServer(t, Options{Tenant: tenantgen.Tenant{Seed: 1, Users: 5}})
	other := newServer(t, Options{Tenant: tenantgen.Tenant{Seed: 1, Users: 5}})
	good := s.Token(false, time.Hour)
	tests := []struct {
		name, token string
		status      int
	}{
		{"valid", good, 200},
		{"missing", "", 401},
		{"expired", s.Token(false, -time.Minute), 401},
		{"other server's key", other.Token(false, time.Hour), 401},
		{"garbage", "abc", 401},
		{"tampered", good[:len(good)-2] + "xx", 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := get(t, s, s.GraphURL()+"/v1.0"+detailsPath, tc.token)
			if res.status != tc.status {
				t.Fatalf("status %d, want %d: %s", res.status, tc.status, res.body)
			}
			if tc.status == 401 {
				if graphCode(t, res.body) != CodeInvalidToken || res.header.Get("WWW-Authenticate") == "" {
					t.Errorf("401 without InvalidAuthenticationToken or WWW-Authenticate: %v %s", res.header, res.body)
				}
			}
		})
	}
	if st := s.Stats(); st.Unauthorized != 5 {
		t.Errorf("Unauthorized = %d, want 5", st.Unauthorized)
	}
}

func TestTokenLifetime(t *testing.T) {
	s := newServer(t, Options{TokenLifetime: time.Second, Tenant: tenantgen.Tenant{Seed: 1, Users: 5}})
	res := postForm(t, s, "/"+s.TenantID()+"/oauth2/v2.0/token", url.Values{"grant_type": {"client_credentials"},
		"client_id": {testClientID}, "client_secret": {testSecret}, "scope": {"https://graph.microsoft.com/.default"}})
	var tr map[string]any
	_ = json.Unmarshal(res.body, &tr)
	if tr["expires_in"] != float64(1) {
		t.Errorf("expires_in %v", tr["expires_in"])
	}
	tok := tr["access_token"].(string)
	if res := get(t, s, s.GraphURL()+"/v1.0"+detailsPath, tok); res.status != 200 {
		t.Fatalf("fresh token: %d", res.status)
	}
	time.Sleep(time.Until(time.Unix(decodeClaims(t, tok).Exp, 0)) + 10*time.Millisecond)
	if res := get(t, s, s.GraphURL()+"/v1.0"+detailsPath, tok); res.status != 401 || !strings.Contains(string(res.body), "expired") {
		t.Errorf("expired token: %d %s", res.status, res.body)
	}
}

func TestRateLimit(t *testing.T) {
	s := newServer(t, Options{Rate: 3, Per: 3 * time.Second, Tenant: tenantgen.Tenant{Seed: 1, Users: 5}})
	tok := s.Token(false, time.Hour)
	u := s.GraphURL() + "/v1.0" + detailsPath
	for i := range 3 {
		if res := get(t, s, u, tok); res.status != 200 {
			t.Fatalf("request %d: %d", i, res.status)
		}
	}
	res := get(t, s, u, tok)
	if res.status != 429 || graphCode(t, res.body) != CodeTooManyRequests {
		t.Fatalf("4th request: %d %s", res.status, res.body)
	}
	ra, err := strconv.Atoi(res.header.Get("Retry-After"))
	if err != nil || ra < 1 || ra > 3 {
		t.Fatalf("Retry-After %q, want whole seconds in [1,3]", res.header.Get("Retry-After"))
	}
	// The bucket refills at Rate/Per: one request per second.
	time.Sleep(1100 * time.Millisecond)
	if res := get(t, s, u, tok); res.status != 200 {
		t.Errorf("after the refill interval: %d", res.status)
	}
	if st := s.Stats(); st.Throttled != 1 || st.Status[429] != 1 {
		t.Errorf("stats throttled %d", st.Throttled)
	}
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name    string
		fault   Fault
		page    int // page whose request should fail (1-based)
		status  int
		code    string
		header  string // a header the response must carry, "name=value"
		errLike bool   // the client sees a transport or decoding error
	}{
		{"503 with Retry-After", Fault{Kind: Fault503, RetryAfter: 2 * time.Second, Endpoint: EndpointDetails, Page: 2}, 2, 503, CodeServiceUnavailable, "Retry-After=2", false},
		{"503 without Retry-After", Fault{Kind: Fault503}, 1, 503, CodeServiceUnavailable, "Retry-After=", false},
		{"429", Fault{Kind: Fault429, RetryAfter: 1500 * time.Millisecond}, 1, 429, CodeTooManyRequests, "Retry-After=2", false},
		{"500", Fault{Kind: Fault500, Page: 3}, 3, 500, CodeUnknown, "", false},
		{"401 expired", Fault{Kind: Fault401, Page: 2}, 2, 401, CodeInvalidToken, "", false},
		{"403 permission", Fault{Kind: Fault403Permission}, 1, 403, CodePermissionMissing, "", false},
		{"403 role mid-paging", Fault{Kind: Fault403Role, Endpoint: EndpointDetails, Page: 3}, 3, 403, CodeUnsupportedRole, "", false},
		{"403 license", Fault{Kind: Fault403License, Page: 2}, 2, 403, CodeNonPremium, "", false},
		{"reset", Fault{Kind: FaultReset, Page: 2}, 2, 0, "", "", true},
		{"truncated", Fault{Kind: FaultTruncated, Page: 3}, 3, 200, "", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, Options{Tenant: tenantgen.Tenant{Seed: 2, Users: 45}, PageSize: 10})
			tok := s.Token(false, time.Hour)
			s.Inject(tc.fault)
			link := s.GraphURL() + "/v1.0" + detailsPath
			for page := 1; ; page++ {
				res := get(t, s, link, tok)
				if page < tc.page {
					if res.status != 200 {
						t.Fatalf("page %d before the fault: %d %v", page, res.status, res.err)
					}
					var p pageResult
					_ = json.Unmarshal(res.body, &p)
					link = p.NextLink
					continue
				}
				var p pageResult
				if tc.errLike {
					if res.err == nil && json.Unmarshal(res.body, &p) == nil {
						t.Fatalf("page %d: want a transport or JSON error, got %d with a valid body", page, res.status)
					}
				} else {
					if res.status != tc.status || graphCode(t, res.body) != tc.code {
						t.Fatalf("page %d: %d %s, want %d %s", page, res.status, res.body, tc.status, tc.code)
					}
					if name, val, ok := strings.Cut(tc.header, "="); ok && res.header.Get(name) != val {
						t.Errorf("%s = %q, want %q", name, res.header.Get(name), val)
					}
				}
				// One shot: the retry succeeds.
				res = get(t, s, link, tok)
				if res.status != 200 || json.Unmarshal(res.body, &p) != nil {
					t.Fatalf("retry of page %d: %d %v", page, res.status, res.err)
				}
				break
			}
			if st := s.Stats(); st.FaultsFired != 1 {
				t.Errorf("FaultsFired %d, want 1", st.FaultsFired)
			}
		})
	}
}

func TestFaultBurstAndSlow(t *testing.T) {
	s := newServer(t, Options{Tenant: tenantgen.Tenant{Seed: 2, Users: 5}})
	tok := s.Token(false, time.Hour)
	u := s.GraphURL() + "/v1.0" + detailsPath
	s.Inject(Fault{Kind: Fault429, Times: 3})
	for i := range 3 {
		if res := get(t, s, u, tok); res.status != 429 {
			t.Fatalf("burst request %d: %d", i, res.status)
		}
	}
	if res := get(t, s, u, tok); res.status != 200 {
		t.Fatalf("after the burst: %d", res.status)
	}
	s.Inject(Fault{Kind: FaultSlow, Delay: 300 * time.Millisecond})
	start := time.Now()
	if res := get(t, s, u, tok); res.status != 200 || time.Since(start) < 300*time.Millisecond {
		t.Errorf("slow: %d after %v", res.status, time.Since(start))
	}
	s.Inject(Fault{Kind: Fault503, Times: -1, Endpoint: EndpointFeature})
	for range 2 {
		if res := get(t, s, u, tok); res.status != 200 {
			t.Fatalf("a fault on another endpoint fired on the list: %d", res.status)
		}
	}
	s.ClearFaults()
	if st := s.Stats(); st.Throttled != 3 || st.FaultsFired != 4 {
		t.Errorf("stats %+v", st)
	}
}

func TestTokenEndpointFault(t *testing.T) {
	s := newServer(t, Options{})
	s.Inject(Fault{Kind: Fault503, Endpoint: EndpointToken, RetryAfter: time.Second})
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {testClientID},
		"client_secret": {testSecret}, "scope": {"https://graph.microsoft.com/.default"}}
	if res := postForm(t, s, "/"+s.TenantID()+"/oauth2/v2.0/token", form); res.status != 503 {
		t.Fatalf("token fault: %d", res.status)
	}
	if res := postForm(t, s, "/"+s.TenantID()+"/oauth2/v2.0/token", form); res.status != 200 {
		t.Fatalf("after the fault: %d", res.status)
	}
}

func TestForeignNextLink(t *testing.T) {
	s := newServer(t, Options{Tenant: tenantgen.Tenant{Seed: 2, Users: 30}, PageSize: 10})
	tok := s.Token(false, time.Hour)
	s.Inject(Fault{Kind: FaultForeignNextLink, Page: 2})
	res := get(t, s, s.GraphURL()+"/v1.0"+detailsPath, tok)
	var p pageResult
	_ = json.Unmarshal(res.body, &p)
	res = get(t, s, p.NextLink, tok)
	_ = json.Unmarshal(res.body, &p)
	if !strings.HasPrefix(p.NextLink, s.ForeignURL()+"/v1.0/reports/") {
		t.Fatalf("page 2 nextLink %q does not point at ForeignURL %s", p.NextLink, s.ForeignURL())
	}
	// A careful client does not send its token there.
	if res := get(t, s, p.NextLink, ""); res.status != 200 || s.Stats().ForeignAuthSeen {
		t.Fatalf("foreign without token: %d, ForeignAuthSeen %v", res.status, s.Stats().ForeignAuthSeen)
	}
	get(t, s, p.NextLink, tok)
	if st := s.Stats(); !st.ForeignAuthSeen || st.ForeignRequests != 2 {
		t.Errorf("a leaked token was not recorded: %+v", st)
	}
}

func TestLoopingNextLink(t *testing.T) {
	s := newServer(t, Options{Tenant: tenantgen.Tenant{Seed: 2, Users: 30}, PageSize: 10})
	tok := s.Token(false, time.Hour)
	s.Inject(Fault{Kind: FaultLoop, Page: 2, Times: -1})
	res := get(t, s, s.GraphURL()+"/v1.0"+detailsPath+"?$top=10", tok)
	var p pageResult
	_ = json.Unmarshal(res.body, &p)
	link := p.NextLink
	for range 3 {
		res = get(t, s, link, tok)
		_ = json.Unmarshal(res.body, &p)
		if p.NextLink != link {
			t.Fatalf("nextLink %q, want the repeated %q", p.NextLink, link)
		}
	}
}

func TestInvalidateSkipTokens(t *testing.T) {
	s := newServer(t, Options{Tenant: tenantgen.Tenant{Seed: 2, Users: 30}, PageSize: 10})
	tok := s.Token(false, time.Hour)
	res := get(t, s, s.GraphURL()+"/v1.0"+detailsPath, tok)
	var p pageResult
	_ = json.Unmarshal(res.body, &p)
	if res := get(t, s, p.NextLink, tok); res.status != 200 {
		t.Fatalf("fresh link: %d", res.status)
	}
	s.InvalidateSkipTokens()
	if res := get(t, s, p.NextLink, tok); res.status != 400 {
		t.Fatalf("invalidated link: %d, want 400", res.status)
	}
}

// BenchmarkServePage measures one 1,000-user page over TLS, generation and
// encoding included: the emulator's cost per page of a large fetch.
func BenchmarkServePage(b *testing.B) {
	s, err := New(Options{ClientID: testClientID, ClientSecret: testSecret, Rate: -1, Tenant: tenantgen.Tenant{Seed: 1, Users: 1_000_000, Now: refNow}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	req, _ := http.NewRequest(http.MethodGet, s.GraphURL()+"/v1.0"+detailsPath, nil)
	req.Header.Set("Authorization", "Bearer "+s.Token(false, time.Hour))
	b.ReportAllocs()
	for b.Loop() {
		res, err := s.Client().Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		b.SetBytes(n)
	}
}
