package graphfake

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // x5t is a SHA-1 thumbprint by definition (RFC 7515)
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/authgate/authgate/internal/tenantgen"
)

// Permission is the Graph permission the reports require; tokens carry it by
// default (Options.Permissions).
const Permission = "AuditLog.Read.All"

// GraphAppID is Microsoft Graph's well-known application id (an accepted
// token audience).
const GraphAppID = "00000003-0000-0000-c000-000000000000"

// DelegatedUPN is the signed-in user of delegated tokens (Options.Delegated).
const DelegatedUPN = tenantgen.DelegatedUPN

// jwtAssertionType is the client_assertion_type of a JWT client assertion.
const jwtAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// Claims are the claims of an access token the emulator issues, as Entra
// names them. The fetcher reads the principal from them.
type Claims struct {
	Aud      string   `json:"aud"`
	Iss      string   `json:"iss"`
	Iat      int64    `json:"iat"`
	Nbf      int64    `json:"nbf"`
	Exp      int64    `json:"exp"`
	AppID    string   `json:"appid"`
	Azp      string   `json:"azp"`
	AppIDAcr string   `json:"appidacr"`
	IDType   string   `json:"idtyp"`
	OID      string   `json:"oid"`
	Sub      string   `json:"sub"`
	TID      string   `json:"tid"`
	UTI      string   `json:"uti"`
	Ver      string   `json:"ver"`
	Roles    []string `json:"roles,omitempty"`
	Scp      string   `json:"scp,omitempty"`
	UPN      string   `json:"upn,omitempty"`
	Name     string   `json:"name,omitempty"`
}

// Delegated reports whether the token was issued for a signed-in user.
func (c *Claims) Delegated() bool { return c.IDType == "user" }

// permissions returns the roles or scopes the token grants.
func (c *Claims) permissions() []string {
	if c.Delegated() {
		return strings.Fields(c.Scp)
	}
	return c.Roles
}

var b64 = base64.RawURLEncoding

// sign returns the compact HS256 JWT of claims.
func (s *Server) sign(c *Claims) string {
	hdr := b64.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT","kid":"graphfake"}`))
	body, _ := json.Marshal(c) // cannot fail: plain strings and numbers
	msg := hdr + "." + b64.EncodeToString(body)
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(msg))
	return msg + "." + b64.EncodeToString(m.Sum(nil))
}

// Token mints an access token without the token endpoint, for tests that
// need a delegated or an already expired token (a negative lifetime). It
// carries Options.Permissions.
func (s *Server) Token(delegated bool, lifetime time.Duration) string {
	c := s.claims(delegated, "https://graph.microsoft.com", "1", time.Now(), lifetime)
	return s.sign(c)
}

func (s *Server) claims(delegated bool, aud, acr string, now time.Time, lifetime time.Duration) *Claims {
	s.mu.Lock()
	s.uti++
	uti := s.uti
	s.mu.Unlock()
	c := &Claims{
		Aud:      aud,
		Iss:      "https://sts.windows.net/" + s.opts.Tenant.TenantID + "/",
		Iat:      now.Unix(),
		Nbf:      now.Unix(),
		Exp:      now.Add(lifetime).Unix(),
		AppID:    s.opts.ClientID,
		Azp:      s.opts.ClientID,
		AppIDAcr: acr,
		TID:      s.opts.Tenant.TenantID,
		UTI:      "gf" + strconv.FormatUint(uti, 36),
		Ver:      "1.0",
	}
	if delegated {
		c.IDType = "user"
		c.OID = tenantgen.GUID(tenantgen.Mix(0xa0d1_7000), tenantgen.Mix(0xa0d1_7001))
		c.UPN = DelegatedUPN
		c.Name = "Report Auditor"
		c.Scp = strings.Join(s.opts.Permissions, " ")
	} else {
		c.IDType = "app"
		c.OID = tenantgen.GUID(tenantgen.Mix(hashString(s.opts.ClientID)), tenantgen.Mix(hashString(s.opts.ClientID)+1))
		c.Roles = slices.Clone(s.opts.Permissions)
	}
	c.Sub = c.OID
	return c
}

func hashString(s string) uint64 {
	h := sha256.Sum256([]byte(s))
	var x uint64
	for _, b := range h[:8] {
		x = x<<8 | uint64(b)
	}
	return x
}

// errToken is why a bearer token was refused: the message Graph sends.
type errToken string

func (e errToken) Error() string { return string(e) }

// verify checks a bearer token the emulator issued.
func (s *Server) verify(tok string, now time.Time) (*Claims, error) {
	if tok == "" {
		return nil, errToken("Access token is empty.")
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, errToken("IDX14100: JWT is not well formed, there are no dots (.).")
	}
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := b64.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, m.Sum(nil)) {
		return nil, errToken("Access token validation failure. Invalid signature.")
	}
	body, err := b64.DecodeString(parts[1])
	if err != nil {
		return nil, errToken("Access token validation failure.")
	}
	var c Claims
	if err := json.Unmarshal(body, &c); err != nil {
		return nil, errToken("Access token validation failure.")
	}
	if now.Unix() >= c.Exp {
		return nil, errToken("Lifetime validation failed, the token is expired.")
	}
	if now.Add(5*time.Minute).Unix() < c.Nbf {
		return nil, errToken("Lifetime validation failed, the token is not yet valid.")
	}
	if !s.audienceOK(c.Aud) {
		return nil, errToken("Access token validation failure. Invalid audience.")
	}
	if c.TID != s.opts.Tenant.TenantID {
		return nil, errToken("Access token validation failure. Invalid issuer.")
	}
	return &c, nil
}

// graphHosts are the Graph roots of the national clouds: tokens for any of
// them, or for the emulator's own URL, are accepted.
var graphHosts = []string{
	"https://graph.microsoft.com", "https://graph.microsoft.us", "https://dod-graph.microsoft.us",
	"https://microsoftgraph.chinacloudapi.cn", GraphAppID,
}

func (s *Server) audienceOK(aud string) bool {
	aud = strings.TrimSuffix(aud, "/")
	return aud == s.GraphURL() || slices.Contains(graphHosts, aud)
}

// aadError is Entra's OAuth error body.
type aadError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	ErrorCodes       []int  `json:"error_codes"`
	Timestamp        string `json:"timestamp"`
	TraceID          string `json:"trace_id"`
	CorrelationID    string `json:"correlation_id"`
	ErrorURI         string `json:"error_uri"`
}

func (s *Server) writeAADError(w http.ResponseWriter, r *http.Request, status int, errCode string, aadsts int, msg string) {
	now := time.Now().UTC()
	trace := newRequestID()
	corr := r.Header.Get("client-request-id")
	if corr == "" {
		corr = newRequestID()
	}
	body, _ := json.Marshal(aadError{
		Error: errCode,
		ErrorDescription: fmt.Sprintf("AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s",
			aadsts, msg, trace, corr, now.Format("2006-01-02 15:04:05Z")),
		ErrorCodes:    []int{aadsts},
		Timestamp:     now.Format("2006-01-02 15:04:05Z"),
		TraceID:       trace,
		CorrelationID: corr,
		ErrorURI:      s.AuthorityHost() + "error?code=" + strconv.Itoa(aadsts),
	})
	s.mu.Lock()
	s.stats.TokenErrors++
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store, no-cache")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// tenantOK reports whether path segment t names the emulated tenant.
func (s *Server) tenantOK(t string) bool {
	return strings.EqualFold(t, s.opts.Tenant.TenantID) || strings.EqualFold(t, tenantgen.Domain)
}

func (s *Server) handleOIDC(w http.ResponseWriter, r *http.Request) {
	s.count(EndpointOIDC, 0)
	tenant := r.PathValue("tenant")
	if !s.tenantOK(tenant) {
		s.writeAADError(w, r, http.StatusBadRequest, "invalid_tenant", 90002,
			fmt.Sprintf("tenantgen.Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", tenant))
		return
	}
	base := strings.TrimSuffix(s.AuthorityHost(), "/") + "/" + tenant
	tid := s.opts.Tenant.TenantID
	doc := map[string]any{
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"jwks_uri":                              strings.TrimSuffix(s.AuthorityHost(), "/") + "/" + tid + "/discovery/v2.0/keys",
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"issuer":                                strings.TrimSuffix(s.AuthorityHost(), "/") + "/" + tid + "/v2.0",
		"request_uri_parameter_supported":       false,
		"userinfo_endpoint":                     s.GraphURL() + "/oidc/userinfo",
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"device_authorization_endpoint":         base + "/oauth2/v2.0/devicecode",
		"http_logout_supported":                 true,
		"frontchannel_logout_supported":         true,
		"end_session_endpoint":                  base + "/oauth2/v2.0/logout",
		"claims_supported":                      []string{"sub", "iss", "aud", "exp", "iat", "nbf", "tid", "oid"},
		"kerberos_endpoint":                     base + "/kerberos",
		"tenant_region_scope":                   "EU",
		"cloud_instance_name":                   "microsoftonline.com",
		"cloud_graph_host_name":                 "graph.windows.net",
		"msgraph_host":                          strings.TrimPrefix(s.GraphURL(), "https://"),
		"rbac_url":                              "https://pas.windows.net",
	}
	body, _ := json.Marshal(doc)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(body)
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	f := s.takeFault(EndpointToken, 0)
	s.count(EndpointToken, 0)
	if f != nil && s.applyErrorFault(w, r, f) {
		return
	}
	tenant := r.PathValue("tenant")
	if !s.tenantOK(tenant) {
		s.writeAADError(w, r, http.StatusBadRequest, "invalid_tenant", 90002,
			fmt.Sprintf("tenantgen.Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", tenant))
		return
	}
	if err := r.ParseForm(); err != nil {
		s.writeAADError(w, r, http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		s.writeAADError(w, r, http.StatusBadRequest, "unsupported_grant_type", 70003,
			"The app requested an unsupported grant type '"+gt+"'.")
		return
	}
	clientID := r.PostForm.Get("client_id")
	if clientID == "" || clientID != s.opts.ClientID {
		s.writeAADError(w, r, http.StatusBadRequest, "unauthorized_client", 700016,
			fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.", clientID, tenantgen.Domain))
		return
	}
	// MSAL adds the OIDC scopes, which Entra ignores for this grant.
	scope := r.PostForm.Get("scope")
	var resources []string
	for _, sc := range strings.Fields(scope) {
		if sc != "openid" && sc != "offline_access" && sc != "profile" && sc != "email" {
			resources = append(resources, sc)
		}
	}
	var resource string
	ok := len(resources) == 1
	if ok {
		resource, ok = strings.CutSuffix(resources[0], "/.default")
	}
	if !ok || !s.audienceOK(resource) {
		s.writeAADError(w, r, http.StatusBadRequest, "invalid_scope", 1002012,
			"The provided value for scope '"+scope+"' is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).")
		return
	}
	var acr string
	switch secret, assertion := r.PostForm.Get("client_secret"), r.PostForm.Get("client_assertion"); {
	case secret != "":
		if s.opts.ClientSecret == "" || subtle.ConstantTimeCompare([]byte(secret), []byte(s.opts.ClientSecret)) != 1 {
			s.writeAADError(w, r, http.StatusUnauthorized, "invalid_client", 7000215,
				"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '"+clientID+"'.")
			return
		}
		acr = "1"
	case assertion != "":
		if r.PostForm.Get("client_assertion_type") != jwtAssertionType {
			s.writeAADError(w, r, http.StatusBadRequest, "invalid_request", 50027,
				"Invalid client_assertion_type; expected '"+jwtAssertionType+"'.")
			return
		}
		if s.opts.FederatedToken != "" && subtle.ConstantTimeCompare([]byte(assertion), []byte(s.opts.FederatedToken)) == 1 {
			acr = "2"
			break
		}
		if code, msg := s.checkAssertion(assertion, clientID, strings.TrimSuffix(s.AuthorityHost(), "/")+r.URL.Path); code != 0 {
			s.writeAADError(w, r, http.StatusUnauthorized, "invalid_client", code, msg)
			return
		}
		acr = "2"
	default:
		s.writeAADError(w, r, http.StatusUnauthorized, "invalid_client", 7000218,
			"The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
		return
	}
	now := time.Now()
	c := s.claims(s.opts.Delegated, resource, acr, now, s.opts.TokenLifetime)
	tok := s.sign(c)
	s.mu.Lock()
	s.stats.TokensIssued++
	s.mu.Unlock()
	secs := int(s.opts.TokenLifetime / time.Second)
	body, _ := json.Marshal(map[string]any{
		"token_type":     "Bearer",
		"expires_in":     secs,
		"ext_expires_in": secs,
		"access_token":   tok,
	})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store, no-cache")
	s.writeBody(w, r, http.StatusOK, body, f)
}

// checkAssertion verifies a client assertion JWT against Options.Certificate:
// x5t#S256 or x5t thumbprint, RS256/PS256/ES256 signature, aud, iss, sub
// and lifetime. It returns an AADSTS code and message, or 0.
func (s *Server) checkAssertion(assertion, clientID, tokenEndpoint string) (int, string) {
	cert := s.opts.Certificate
	if cert == nil {
		return 700027, "Client assertion failed signature validation. No certificate is registered on the application."
	}
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return 50012, "Client assertion is not a well-formed JWT."
	}
	var hdr struct {
		Alg     string `json:"alg"`
		X5t     string `json:"x5t"`
		X5tS256 string `json:"x5t#S256"`
	}
	var claims struct {
		Aud json.RawMessage `json:"aud"`
		Iss string          `json:"iss"`
		Sub string          `json:"sub"`
		Exp json.Number     `json:"exp"`
		Nbf json.Number     `json:"nbf"`
	}
	hb, err1 := b64.DecodeString(parts[0])
	cb, err2 := b64.DecodeString(parts[1])
	sig, err3 := b64.DecodeString(parts[2])
	if err := errors.Join(err1, err2, err3); err != nil || json.Unmarshal(hb, &hdr) != nil || json.Unmarshal(cb, &claims) != nil {
		return 50012, "Client assertion is not a well-formed JWT."
	}
	s1 := sha1.Sum(cert.Raw) //nolint:gosec // thumbprint, not a signature
	s256 := sha256.Sum256(cert.Raw)
	thumbOK := (hdr.X5tS256 != "" && thumbEqual(hdr.X5tS256, s256[:])) || (hdr.X5t != "" && thumbEqual(hdr.X5t, s1[:]))
	if !thumbOK {
		return 700027, "The certificate with identifier used to sign the client assertion is not registered on application '" + clientID + "'."
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	var verr error
	switch pub := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		switch hdr.Alg {
		case "RS256":
			verr = rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig)
		case "PS256":
			verr = rsa.VerifyPSS(pub, crypto.SHA256, digest[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
		default:
			verr = errors.New("alg")
		}
	case *ecdsa.PublicKey:
		if hdr.Alg != "ES256" || len(sig) != 64 {
			verr = errors.New("alg")
		} else if !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
			verr = errors.New("sig")
		}
	default:
		verr = errors.New("key")
	}
	if verr != nil {
		return 700027, "Client assertion failed signature validation."
	}
	var auds []string
	if json.Unmarshal(claims.Aud, &auds) != nil {
		var one string
		_ = json.Unmarshal(claims.Aud, &one)
		auds = []string{one}
	}
	if !slices.Contains(auds, tokenEndpoint) {
		return 700212, "No matching federated identity record found for presented assertion audience."
	}
	if claims.Iss != clientID || claims.Sub != clientID {
		return 700021, "Client assertion application identifier doesn't match 'client_id' parameter."
	}
	now := time.Now().Unix()
	exp, err := claims.Exp.Int64()
	if err != nil || exp <= now {
		return 700024, "Client assertion is not within its valid time range."
	}
	if nbf, err := claims.Nbf.Int64(); err == nil && nbf > now+300 {
		return 700024, "Client assertion is not within its valid time range."
	}
	return 0, ""
}

// thumbEqual compares a thumbprint header in standard or URL base64, or hex.
func thumbEqual(h string, sum []byte) bool {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(h); err == nil && bytes.Equal(b, sum) {
			return true
		}
	}
	return strings.EqualFold(h, fmt.Sprintf("%x", sum))
}
