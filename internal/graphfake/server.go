package graphfake

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/authgate/authgate/internal/tenantgen"

	"github.com/authgate/authgate/snapshot"
)

// Options configure a Server.
type Options struct {
	// Tenant is the synthetic tenant the reports describe.
	Tenant tenantgen.Tenant
	// ClientID is the application (client) id the token endpoint accepts.
	ClientID string
	// ClientSecret is the accepted client secret; empty accepts none.
	ClientSecret string
	// Certificate, when set, is the application's registered certificate:
	// a client assertion signed by its key (RS256, PS256 or ES256, with an
	// x5t#S256 or x5t header) is accepted.
	Certificate *x509.Certificate
	// FederatedToken, when set, is accepted verbatim as a client assertion,
	// as Entra accepts a trusted federated identity token (workload
	// identity, Azure Pipelines).
	FederatedToken string
	// PageSize is the server-driven page size of userRegistrationDetails
	// (default 1000); $top (at most 999) lowers it.
	PageSize int
	// Rate requests per Per are admitted per application and tenant across
	// the report endpoints, as a token bucket of Rate tokens; excess
	// requests get 429 with Retry-After. Zero values default to 5 per 10 s,
	// the reports service's documented limit; a negative Rate disables the
	// limit.
	Rate int
	Per  time.Duration
	// Delegated makes the token endpoint issue delegated tokens (a signed-in
	// user, DelegatedUPN, with scp) instead of app-only tokens (roles), so
	// the summary functions answer.
	Delegated bool
	// AppOnlySummaries403 states the default, real Graph's behaviour: the
	// two summary functions answer app-only tokens with 403. It is kept for
	// readability; AppOnlySummariesAllowed turns the behaviour off.
	AppOnlySummaries403 bool
	// AppOnlySummariesAllowed lets app-only tokens call the summary
	// functions, which real Graph refuses.
	AppOnlySummariesAllowed bool
	// Permissions are the roles (app-only) or scopes (delegated) issued
	// tokens carry. Default [AuditLog.Read.All]; without it every report
	// answers 403 Authentication_MSGraphPermissionMissing.
	Permissions []string
	// TokenLifetime is the lifetime of issued tokens (default 1 h).
	TokenLifetime time.Duration
	// NextLinkLast writes @odata.nextLink after value instead of before it.
	NextLinkLast bool
	// Roles configure the directory-role endpoints (roles.go).
	Roles RolesOptions
	// RowHook, when set, rewrites each userRegistrationDetails row of the
	// list as served (rowhook.go).
	RowHook func(i int, row []byte) []byte
	// BodyHook, when set, replaces the body of each successful Graph report
	// response (rowhook.go).
	BodyHook func(ep Endpoint, r *http.Request, body []byte) []byte
	// Policy chooses the authentication methods policy served (methodspolicy.go).
	Policy PolicyOptions
}

// Stats are what the server saw. Counts are cumulative since New or
// ResetStats.
type Stats struct {
	// Requests counts requests per endpoint, whatever their answer.
	Requests map[Endpoint]int64
	// Status counts Graph report responses by HTTP status.
	Status map[int]int64
	// APIVersions counts Graph report requests by version ("v1.0", "beta").
	APIVersions map[string]int64
	// TokensIssued counts access tokens the token endpoint issued.
	TokensIssued int64
	// TokenErrors counts token endpoint and OIDC error answers.
	TokenErrors int64
	// Pages counts userRegistrationDetails pages served with 200.
	Pages int64
	// UsersServed counts user rows in those pages.
	UsersServed int64
	// Throttled counts 429 answers (rate limit and injected).
	Throttled int64
	// Unauthorized counts 401 answers.
	Unauthorized int64
	// FaultsFired counts injected faults that fired.
	FaultsFired int64
	// MaxInFlight is the most report requests served at the same time.
	MaxInFlight int64
	// ForeignRequests counts requests the ForeignURL listener received.
	ForeignRequests int64
	// ForeignAuthSeen is true if any request to ForeignURL carried an
	// Authorization header: a client leaked its token to another origin.
	ForeignAuthSeen bool
}

// Server is a running emulator. It is safe for concurrent use.
type Server struct {
	opts     Options
	key      []byte
	ln, fln  net.Listener
	srv, fsv *http.Server
	pool     *x509.CertPool
	client   *http.Client
	graph    string
	foreign  string

	mu       sync.Mutex
	stats    Stats
	inFlight int64
	faults   []*Fault
	buckets  map[string]time.Time // GCRA theoretical arrival time per app|tenant
	uti      uint64
	tokenGen uint64 // skiptoken generation; InvalidateSkipTokens bumps it
	hijacked map[net.Conn]struct{}

	sumOnce sync.Once
	tally   snapshot.Tally
	priv    snapshot.Tally // privileged admins only, in All

	usageOnce sync.Once
	events    []event // the generated usage events, newest first (usage.go)

	policy policyState // the methods policy's target groups (methodspolicy.go)
}

// New starts an emulator on 127.0.0.1 with a fresh self-signed certificate,
// plus a second listener for ForeignURL. Close stops both.
func New(opts Options) (*Server, error) {
	if opts.Tenant.Users < 0 {
		return nil, errors.New("start graph emulator: negative user count")
	}
	if opts.Tenant.TenantID == "" {
		opts.Tenant.TenantID = tenantgen.DefaultTenantID(opts.Tenant.Seed)
	}
	if opts.Tenant.Now.IsZero() {
		opts.Tenant.Now = time.Now().UTC().Truncate(time.Second)
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 1000
	}
	if opts.Rate == 0 {
		opts.Rate = 5
	}
	if opts.Per <= 0 {
		opts.Per = 10 * time.Second
	}
	if opts.Permissions == nil {
		opts.Permissions = []string{Permission}
	}
	if opts.TokenLifetime <= 0 {
		opts.TokenLifetime = time.Hour
	}
	cert, pool, err := selfSigned()
	if err != nil {
		return nil, fmt.Errorf("start graph emulator: %w", err)
	}
	s := &Server{
		opts:     opts,
		key:      make([]byte, 32),
		pool:     pool,
		buckets:  map[string]time.Time{},
		hijacked: map[net.Conn]struct{}{},
	}
	s.ResetStats()
	if _, err := rand.Read(s.key); err != nil {
		return nil, fmt.Errorf("start graph emulator: %w", err)
	}
	tlsConf := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if s.ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("start graph emulator: %w", err)
	}
	if s.fln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		_ = s.ln.Close()
		return nil, fmt.Errorf("start graph emulator: %w", err)
	}
	s.graph = "https://" + s.ln.Addr().String()
	s.foreign = "https://" + s.fln.Addr().String()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", s.handleOIDC)
	mux.HandleFunc("GET /{tenant}/.well-known/openid-configuration", s.handleOIDC)
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", s.handleToken)
	s.routePolicy(mux)
	mux.HandleFunc("/", s.handleGraph)
	// HTTP/1.1 only (an empty TLSNextProto disables h2) so that FaultReset
	// can hijack the connection.
	noH2 := map[string]func(*http.Server, *tls.Conn, http.Handler){}
	s.srv = &http.Server{Handler: mux, TLSConfig: tlsConf.Clone(), TLSNextProto: noH2, ReadHeaderTimeout: 10 * time.Second}
	s.fsv = &http.Server{Handler: http.HandlerFunc(s.handleForeign), TLSConfig: tlsConf.Clone(), TLSNextProto: noH2, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.ServeTLS(s.ln, "", "") }()
	go func() { _ = s.fsv.ServeTLS(s.fln, "", "") }()

	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	s.client = &http.Client{Transport: tr}
	return s, nil
}

// selfSigned makes a P-256 certificate for 127.0.0.1, ::1 and localhost.
func selfSigned() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "graphfake", Organization: []string{"authgate emulator"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}

// GraphURL returns the Graph root, such as https://127.0.0.1:PORT (no
// version segment, no trailing slash).
func (s *Server) GraphURL() string { return s.graph }

// AuthorityHost returns the Entra authority host, with a trailing slash, for
// azidentity's cloud.Configuration.ActiveDirectoryAuthorityHost. It is the
// same server as GraphURL.
func (s *Server) AuthorityHost() string { return s.graph + "/" }

// ForeignURL returns the root of a second listener on another port that
// answers any request with an empty page and records whether it received an
// Authorization header (Stats.ForeignAuthSeen). FaultForeignNextLink points
// nextLinks at it. It trusts the same certificate as GraphURL.
func (s *Server) ForeignURL() string { return s.foreign }

// TenantID returns the emulated tenant's id.
func (s *Server) TenantID() string { return s.opts.Tenant.TenantID }

// Tenant returns the emulated tenant (with the defaults New filled in).
func (s *Server) Tenant() tenantgen.Tenant { return s.opts.Tenant }

// Client returns an HTTP client that trusts the server's certificate. It
// implements azcore's policy.Transporter, so it can be given to azidentity
// and azcore pipelines as ClientOptions.Transport.
func (s *Server) Client() *http.Client { return s.client }

// CertPool returns a pool holding the server's self-signed certificate.
func (s *Server) CertPool() *x509.CertPool { return s.pool }

// Close stops both listeners and drops every connection.
func (s *Server) Close() {
	_ = s.srv.Close()
	_ = s.fsv.Close()
	s.mu.Lock()
	for c := range s.hijacked {
		_ = c.Close()
	}
	s.mu.Unlock()
	s.client.CloseIdleConnections()
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Requests = maps.Clone(s.stats.Requests)
	st.Status = maps.Clone(s.stats.Status)
	st.APIVersions = maps.Clone(s.stats.APIVersions)
	return st
}

// ResetStats zeroes the counters.
func (s *Server) ResetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats = Stats{Requests: map[Endpoint]int64{}, Status: map[int]int64{}, APIVersions: map[string]int64{}}
}

// InvalidateSkipTokens makes every nextLink served so far invalid (400), as
// Graph does when a skip token has expired.
func (s *Server) InvalidateSkipTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenGen++
}

func (s *Server) count(ep Endpoint, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Requests[ep]++
	if status != 0 {
		s.stats.Status[status]++
	}
}

func (s *Server) handleForeign(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.stats.Requests[EndpointForeign]++
	s.stats.ForeignRequests++
	if r.Header.Get("Authorization") != "" {
		s.stats.ForeignAuthSeen = true
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write([]byte(`{"@odata.context":"` + s.foreign + `/v1.0/$metadata#reports/authenticationMethods/userRegistrationDetails","value":[]}`))
}

// Graph error codes the emulator answers with.
const (
	CodeInvalidToken       = "InvalidAuthenticationToken"
	CodePermissionMissing  = "Authentication_MSGraphPermissionMissing"
	CodeUnsupportedRole    = "Authentication_RequestFromUnsupportedUserRole"
	CodeNonPremium         = "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
	CodeAppOnlyUnsupported = "Forbidden"
	CodeTooManyRequests    = "TooManyRequests"
	CodeServiceUnavailable = "serviceNotAvailable"
	CodeUnknown            = "UnknownError"
	CodeBadRequest         = "BadRequest"
	CodeNotFound           = "NotFound"
)

// Messages of the 403 causes, as Graph words them.
const (
	MsgPermissionMissing = "Calling principal does not have required MSGraph permissions AuditLog.Read.All"
	MsgUnsupportedRole   = "User is not in the allowed roles"
	MsgNonPremium        = "Neither tenant is B2C or tenant doesn't have premium license"
)

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return tenantgen.FormatGUID(b)
}

// graphError writes Graph's error body.
func (s *Server) graphError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	reqID := w.Header().Get("request-id")
	if reqID == "" {
		reqID = newRequestID()
		w.Header().Set("request-id", reqID)
	}
	type inner struct {
		Date            string `json:"date"`
		RequestID       string `json:"request-id"`
		ClientRequestID string `json:"client-request-id"`
	}
	type gerr struct {
		Code       string `json:"code"`
		Message    string `json:"message"`
		InnerError inner  `json:"innerError"`
	}
	crid := r.Header.Get("client-request-id")
	if crid == "" {
		crid = reqID
	}
	body, _ := json.Marshal(struct {
		Error gerr `json:"error"`
	}{gerr{code, msg, inner{time.Now().UTC().Format("2006-01-02T15:04:05"), reqID, crid}}})
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="`+s.AuthorityHost()+`common/oauth2/authorize", client_id="`+GraphAppID+`"`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
	s.recordStatus(status)
}

func (s *Server) recordStatus(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Status[status]++
	switch status {
	case http.StatusTooManyRequests:
		s.stats.Throttled++
	case http.StatusUnauthorized:
		s.stats.Unauthorized++
	}
}

// applyErrorFault answers the request for faults that replace the response;
// it returns false for faults that alter a normal response.
func (s *Server) applyErrorFault(w http.ResponseWriter, r *http.Request, f *Fault) bool {
	switch f.Kind {
	case Fault503:
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(ceilSeconds(f.RetryAfter)))
		}
		s.graphError(w, r, http.StatusServiceUnavailable, CodeServiceUnavailable, "Service is unavailable. Please try again later.")
	case Fault429:
		ra := f.RetryAfter
		if ra <= 0 {
			ra = time.Second
		}
		w.Header().Set("Retry-After", strconv.Itoa(ceilSeconds(ra)))
		s.graphError(w, r, http.StatusTooManyRequests, CodeTooManyRequests, "Too many requests.")
	case Fault500:
		s.graphError(w, r, http.StatusInternalServerError, CodeUnknown, "An unexpected error occurred.")
	case Fault401:
		s.graphError(w, r, http.StatusUnauthorized, CodeInvalidToken, "Lifetime validation failed, the token is expired.")
	case Fault403Permission:
		s.graphError(w, r, http.StatusForbidden, CodePermissionMissing, MsgPermissionMissing)
	case Fault403Role:
		s.graphError(w, r, http.StatusForbidden, CodeUnsupportedRole, MsgUnsupportedRole)
	case Fault403License:
		s.graphError(w, r, http.StatusForbidden, CodeNonPremium, MsgNonPremium)
	case FaultSlow:
		select {
		case <-time.After(f.Delay):
		case <-r.Context().Done():
		}
		return false
	default:
		return false
	}
	return true
}

func ceilSeconds(d time.Duration) int {
	return max(1, int((d+time.Second-1)/time.Second))
}

// writeBody writes a complete response, applying FaultReset or
// FaultTruncated when f is one of them.
func (s *Server) writeBody(w http.ResponseWriter, r *http.Request, status int, body []byte, f *Fault) {
	if f != nil && f.Kind == FaultTruncated && len(body) > 1 {
		body = body[:len(body)/2]
	}
	if f != nil && f.Kind == FaultReset {
		s.reset(w, status, body)
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// reset writes the status line, the headers with the full Content-Length and
// half the body, then closes the connection.
func (s *Server) reset(w http.ResponseWriter, status int, body []byte) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		_, _ = w.Write(body[:len(body)/2])
		return
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	s.mu.Lock()
	s.hijacked[conn] = struct{}{}
	s.mu.Unlock()
	defer func() {
		_ = conn.Close()
		s.mu.Lock()
		delete(s.hijacked, conn)
		s.mu.Unlock()
	}()
	h := w.Header().Clone()
	h.Set("Content-Length", strconv.Itoa(len(body)))
	writeHead(buf.Writer, status, h)
	_, _ = buf.Write(body[:len(body)/2])
	_ = buf.Flush()
}

func writeHead(bw *bufio.Writer, status int, h http.Header) {
	fmt.Fprintf(bw, "HTTP/1.1 %d %s\r\n", status, http.StatusText(status))
	_ = h.Write(bw)
	_, _ = bw.WriteString("\r\n")
}

// admit applies the rate limit of the (app, tenant) pair: a GCRA token bucket
// of Rate tokens refilled at Rate per Per. It returns 0 when the request is
// admitted, else how long to wait.
func (s *Server) admit(key string, now time.Time) time.Duration {
	if s.opts.Rate < 0 {
		return 0
	}
	interval := s.opts.Per / time.Duration(s.opts.Rate)
	tau := s.opts.Per - interval
	s.mu.Lock()
	defer s.mu.Unlock()
	tat := s.buckets[key]
	if tat.Before(now) {
		tat = now
	}
	if wait := tat.Sub(now) - tau; wait > 0 {
		return wait
	}
	s.buckets[key] = tat.Add(interval)
	return 0
}

// skipToken returns the opaque $skiptoken for offset: a MAC binding it to
// the API version, page size and generation, then "_" and the offset.
func (s *Server) skipToken(version string, size, offset int) string {
	s.mu.Lock()
	gen := s.tokenGen
	s.mu.Unlock()
	m := hmac.New(sha256.New, s.key)
	fmt.Fprintf(m, "%s|%d|%d|%d", version, size, offset, gen)
	return hex.EncodeToString(m.Sum(nil)[:16]) + "_" + strconv.Itoa(offset)
}

func (s *Server) parseSkipToken(version string, size int, tok string) (int, bool) {
	_, off, ok := strings.Cut(tok, "_")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(off)
	if err != nil || n < 0 || n > s.opts.Tenant.Users {
		return 0, false
	}
	return n, hmac.Equal([]byte(s.skipToken(version, size, n)), []byte(tok))
}

func (s *Server) summaries() {
	s.sumOnce.Do(func() {
		s.opts.Tenant.Each(func(i int, u *snapshot.UserRegistrationDetails) {
			s.tally.Add(u)
			if u.IsAdmin && tenantgen.IsPrivilegedAdmin(s.opts.Tenant.Seed, i) {
				s.priv.Add(u)
			}
		})
	})
}

// SummaryCounts returns the counts Graph's summary functions report for a
// scope (one of snapshot.SummaryScopes), computed from the generated users.
func (s *Server) SummaryCounts(scope snapshot.Scope) (snapshot.Counts, bool) {
	s.summaries()
	if scope == (snapshot.Scope{UserTypes: "all", UserRoles: "privilegedAdmin"}) {
		return s.priv.All, true
	}
	c := s.tally.Counts(scope)
	if c == nil {
		return snapshot.Counts{}, false
	}
	return *c, true
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1<<20); return &b }}

// handleGraph serves /v1.0/... and /beta/....
func (s *Server) handleGraph(w http.ResponseWriter, r *http.Request) {
	version, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	rt, arg := route{ep: EndpointOther}, ""
	if version == "v1.0" || version == "beta" {
		rt, arg = matchRoute(rest)
	}
	w.Header().Set("request-id", newRequestID())
	if crid := r.Header.Get("client-request-id"); crid != "" {
		w.Header().Set("client-request-id", crid)
	}
	w.Header().Set("x-ms-ags-diagnostic", `{"ServerInfo":{"DataCenter":"Loopback","Slice":"E","Ring":"0","ScaleUnit":"000","RoleInstance":"GRAPHFAKE"}}`)
	s.count(rt.ep, 0)
	if rt.serve == nil {
		s.graphError(w, r, http.StatusNotFound, "Request_UnsupportedQuery", "Unsupported segment type. ODataQuery: "+strings.TrimPrefix(r.URL.Path, "/"))
		return
	}
	s.mu.Lock()
	s.stats.APIVersions[version]++
	s.inFlight++
	s.stats.MaxInFlight = max(s.stats.MaxInFlight, s.inFlight)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
	}()
	if r.Method != http.MethodGet {
		s.graphError(w, r, http.StatusMethodNotAllowed, CodeBadRequest, "The HTTP method '"+r.Method+"' is not allowed for this resource.")
		return
	}

	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	claims, err := s.verify(strings.TrimSpace(tok), time.Now())
	if err != nil {
		s.graphError(w, r, http.StatusUnauthorized, CodeInvalidToken, err.Error())
		return
	}
	if wait := s.admit(claims.AppID+"|"+claims.TID, time.Now()); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(ceilSeconds(wait)))
		s.graphError(w, r, http.StatusTooManyRequests, CodeTooManyRequests,
			"Too many requests. The reports service allows "+strconv.Itoa(s.opts.Rate)+" requests per "+s.opts.Per.String()+" per application and tenant.")
		return
	}
	c := &graphCall{w: w, r: r, ep: rt.ep, arg: arg, version: version, base: s.graph + "/" + version, claims: claims}
	// Paging state is needed to match faults by page.
	if rt.paging != nil && !rt.paging(s, c) {
		return
	}
	c.fault = s.takeFault(rt.ep, c.page)
	if c.fault != nil && s.applyErrorFault(w, r, c.fault) {
		return
	}
	if !s.permits(rt, c) {
		return
	}
	buf := bufPool.Get().(*[]byte)
	defer func() {
		if cap(*buf) <= 4<<20 {
			bufPool.Put(buf)
		}
	}()
	c.b = (*buf)[:0]
	if !rt.serve(s, c) {
		return
	}
	c.b = s.hookBody(c.ep, c.r, c.b)
	w.Header().Set("Content-Type", "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8")
	s.writeBody(w, r, http.StatusOK, c.b, c.fault)
	s.recordStatus(http.StatusOK)
	*buf = c.b
}

// reportRoot is where Graph keeps the authentication-methods reports.
const reportRoot = "reports/authenticationMethods/"

// A route is one Graph endpoint: the path after /v1.0/ or /beta/ that
// selects it, exactly or, when it ends in "(" or "/", as a prefix whose
// remainder is the argument; and the handler that writes its body.
type route struct {
	path  string
	ep    Endpoint
	serve func(*Server, *graphCall) bool
	// paging, when set, reads the request's page before faults are matched.
	paging func(*Server, *graphCall) bool
	// roles marks a directory-role endpoint, which needs its own permissions
	// (rolePermission) rather than the reports'.
	roles bool
}

// graphRoutes are the endpoints the emulator serves: a new endpoint is one
// line here and its handler.
var graphRoutes = []route{
	{reportRoot + "userRegistrationDetails", EndpointDetails, (*Server).serveDetails, (*Server).paging, false},
	{reportRoot + "userRegistrationDetails/", EndpointDetailsGet, (*Server).serveDetailsGet, nil, false},
	{reportRoot + "usersRegisteredByFeature(", EndpointFeature, (*Server).serveSummary, nil, false},
	{reportRoot + "usersRegisteredByMethod(", EndpointMethod, (*Server).serveSummary, nil, false},
	{reportRoot + "userRegistrationActivity(", EndpointRegistrationActivity, (*Server).serveUsage, nil, false},
	{reportRoot + "userSignInsByAuthMethodSummary(", EndpointSignInsByMethod, (*Server).serveUsage, nil, false},
	{reportRoot + "userEventsSummary", EndpointEventsSummary, (*Server).serveUsage, nil, false},
	{reportRoot + "userMfaSignInSummary", EndpointMfaSignInSummary, (*Server).serveUsage, nil, false},
	{"roleManagement/directory/roleDefinitions", EndpointRoleDefinitions, (*Server).serveRoles, (*Server).rolePaging, true},
	{"roleManagement/directory/roleAssignments", EndpointRoleAssignments, (*Server).serveRoles, (*Server).rolePaging, true},
	{"roleManagement/directory/roleEligibilityScheduleInstances", EndpointRoleEligibility, (*Server).serveRoles, (*Server).rolePaging, true},
	{"identityGovernance/privilegedAccess/group/eligibilityScheduleInstances", EndpointGroupEligibility, (*Server).serveRoles, (*Server).rolePaging, true},
	{"groups/{}/transitiveMembers/microsoft.graph.user", EndpointGroupMembers, (*Server).serveRoles, (*Server).rolePaging, true},
	{"groups/{}", EndpointGroup, (*Server).serveRoles, nil, true},
}

// permits reports whether the token's permissions reach rt, writing Graph's
// 403 when they do not. The role endpoints are checked only under
// RolesOptions.CheckPermissions: by default the emulator's tokens are taken
// to carry their permissions.
func (s *Server) permits(rt route, c *graphCall) bool {
	perms := c.claims.permissions()
	switch {
	case !rt.roles && !containsFold(perms, Permission):
		s.graphError(c.w, c.r, http.StatusForbidden, CodePermissionMissing, MsgPermissionMissing)
		return false
	case rt.roles && s.opts.Roles.CheckPermissions && !containsFold(perms, rolePermission(rt.ep)):
		s.graphError(c.w, c.r, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
		return false
	}
	return true
}

// matchRoute finds the route of path (after the version) and its argument:
// "(...)" for a function, the key for a "/" route.
func matchRoute(path string) (route, string) {
	for _, rt := range graphRoutes {
		switch {
		case strings.HasSuffix(rt.path, "("):
			if a, ok := strings.CutPrefix(path, rt.path); ok {
				return rt, "(" + a
			}
		case strings.HasSuffix(rt.path, "/"):
			if a, ok := strings.CutPrefix(path, rt.path); ok {
				return rt, a
			}
		case strings.Contains(rt.path, "{}"):
			// One path segment stands for an object id.
			pre, suf, _ := strings.Cut(rt.path, "{}")
			if a, ok := strings.CutPrefix(path, pre); ok {
				if a, ok = strings.CutSuffix(a, suf); ok && a != "" && !strings.Contains(a, "/") {
					return rt, a
				}
			}
		case path == rt.path:
			return rt, ""
		}
	}
	return route{ep: EndpointOther}, ""
}

// graphCall is one authorised Graph request on its way to a handler, which
// appends the response body to b or writes an error and returns false.
type graphCall struct {
	w       http.ResponseWriter
	r       *http.Request
	ep      Endpoint
	arg     string
	version string
	base    string // the Graph root with the version
	claims  *Claims
	fault   *Fault // the fault to apply to the response, or nil
	// The page of the per-user list: its number, size and first user.
	page, size, offset int
	b                  []byte
}

// paging reads $top and $skiptoken of a per-user list request.
func (s *Server) paging(c *graphCall) bool {
	q := c.r.URL.Query()
	c.size = s.opts.PageSize
	if t := q.Get("$top"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 {
			s.graphError(c.w, c.r, http.StatusBadRequest, CodeBadRequest, "Invalid value '"+t+"' for query option $top.")
			return false
		}
		c.size = min(c.size, n, 999)
	}
	if st := q.Get("$skiptoken"); st != "" {
		off, ok := s.parseSkipToken(c.version, c.size, st)
		if !ok {
			s.graphError(c.w, c.r, http.StatusBadRequest, CodeBadRequest, "The $skiptoken is invalid or has expired. Start the request again without it.")
			return false
		}
		c.offset = off
	}
	c.page = c.offset/c.size + 1
	return true
}

// serveDetails serves one page of the per-user list.
func (s *Server) serveDetails(c *graphCall) bool {
	n := s.opts.Tenant.Users
	end := min(c.offset+c.size, n)
	list := c.base + "/" + reportRoot + "userRegistrationDetails?" + keepQuery(c.r.URL.RawQuery) + "$skiptoken="
	next := ""
	if end < n {
		next = list + s.skipToken(c.version, c.size, end)
	}
	if f := c.fault; f != nil && f.Kind == FaultForeignNextLink {
		if next == "" {
			next = list + s.skipToken(c.version, c.size, n)
		}
		next = s.foreign + strings.TrimPrefix(next, s.graph)
	}
	if f := c.fault; f != nil && f.Kind == FaultLoop {
		next = s.graph + c.r.URL.RequestURI()
	}
	b := append(c.b, `{"@odata.context":`...)
	b = tenantgen.AppendString(b, c.base+"/$metadata#reports/authenticationMethods/userRegistrationDetails")
	if next != "" && !s.opts.NextLinkLast {
		b = append(b, `,"@odata.nextLink":`...)
		b = tenantgen.AppendString(b, next)
	}
	b = append(b, `,"value":[`...)
	for i := c.offset; i < end; i++ {
		if i > c.offset {
			b = append(b, ',')
		}
		u := s.opts.Tenant.User(i)
		b = s.appendRow(b, i, &u, c.version == "beta")
	}
	b = append(b, ']')
	if next != "" && s.opts.NextLinkLast {
		b = append(b, `,"@odata.nextLink":`...)
		b = tenantgen.AppendString(b, next)
	}
	c.b = append(b, '}')
	s.mu.Lock()
	s.stats.Pages++
	s.stats.UsersServed += int64(end - c.offset)
	s.mu.Unlock()
	return true
}

// serveDetailsGet serves one user of the per-user list, by id.
func (s *Server) serveDetailsGet(c *graphCall) bool {
	i, ok := tenantgen.UserIndex(s.opts.Tenant.Seed, s.opts.Tenant.Users, c.arg)
	if !ok {
		s.graphError(c.w, c.r, http.StatusNotFound, CodeNotFound, "No record found for key: "+c.arg)
		return false
	}
	u := s.opts.Tenant.User(i)
	ub := tenantgen.AppendUser(nil, &u, c.version == "beta")
	b := append(c.b, `{"@odata.context":`...)
	b = tenantgen.AppendString(b, c.base+"/$metadata#reports/authenticationMethods/userRegistrationDetails/$entity")
	b = append(b, ',')
	c.b = append(b, ub[1:]...)
	return true
}

// serveSummary serves usersRegisteredByFeature and usersRegisteredByMethod,
// which answer delegated tokens only, as Graph's do.
func (s *Server) serveSummary(c *graphCall) bool {
	if !c.claims.Delegated() && !s.opts.AppOnlySummariesAllowed {
		s.graphError(c.w, c.r, http.StatusForbidden, CodeAppOnlyUnsupported,
			"Application-only access is not supported for "+string(c.ep)+": call it with a delegated (signed-in user) token.")
		return false
	}
	scope, err := parseFunctionArgs(c.arg)
	if err != nil {
		s.graphError(c.w, c.r, http.StatusBadRequest, CodeBadRequest, err.Error())
		return false
	}
	c.b = s.appendSummary(c.b, c.ep, c.base, scope)
	return true
}

// serveUsage serves the usage reports (usage.go).
func (s *Server) serveUsage(c *graphCall) bool {
	var ok bool
	c.b, ok = s.appendUsage(c.w, c.r, c.b, c.ep, c.arg, c.version, c.claims.Delegated(), c.base)
	return ok
}

func containsFold(ss []string, s string) bool {
	for _, x := range ss {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// keepQuery returns the raw query without $skiptoken, ending in "&" when not
// empty, so that a nextLink keeps the caller's original options.
func keepQuery(raw string) string {
	var sb strings.Builder
	for p := range strings.SplitSeq(raw, "&") {
		if p == "" || strings.HasPrefix(p, "$skiptoken=") || strings.HasPrefix(p, "%24skiptoken=") {
			continue
		}
		sb.WriteString(p)
		sb.WriteByte('&')
	}
	return sb.String()
}

// parseFunctionArgs parses "(includedUserTypes='all',includedUserRoles='all')"
// in any order; a missing parameter means 'all'.
func parseFunctionArgs(arg string) (snapshot.Scope, error) {
	sc := snapshot.Scope{UserTypes: "all", UserRoles: "all"}
	inner, opened := strings.CutPrefix(arg, "(")
	inner, closed := strings.CutSuffix(inner, ")")
	if !opened || !closed {
		return sc, graphMessage("Resource not found for the segment '" + arg + "'.")
	}
	if inner == "" {
		return sc, nil
	}
	for p := range strings.SplitSeq(inner, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || len(val) < 2 || val[0] != '\'' || val[len(val)-1] != '\'' {
			return sc, graphMessage("Syntax error: the function parameter '" + p + "' is not a quoted string literal.")
		}
		val = val[1 : len(val)-1]
		switch name {
		case "includedUserTypes":
			if val != "all" && val != "member" && val != "guest" {
				return sc, graphMessage("The value '" + val + "' is not valid for the parameter 'includedUserTypes'.")
			}
			sc.UserTypes = val
		case "includedUserRoles":
			if val != "all" && val != "privilegedAdmin" && val != "admin" && val != "user" {
				return sc, graphMessage("The value '" + val + "' is not valid for the parameter 'includedUserRoles'.")
			}
			sc.UserRoles = val
		default:
			return sc, graphMessage("The parameter '" + name + "' is not in scope.")
		}
	}
	return sc, nil
}

// appendSummary writes a feature or method summary for scope. Scopes Graph
// can answer but the per-user list cannot derive (privilegedAdmin, user and
// combinations such as member/admin) are counted here directly.
func (s *Server) appendSummary(b []byte, ep Endpoint, base string, scope snapshot.Scope) []byte {
	c := s.scopeCounts(scope)
	var t snapshot.Tally
	t.All = c
	all := snapshot.Scope{UserTypes: "all", UserRoles: "all"}
	var v any
	if ep == EndpointFeature {
		fs, _ := t.FeatureSummary(all)
		fs.UserTypes, fs.UserRoles = scope.UserTypes, scope.UserRoles
		v = struct {
			Context string `json:"@odata.context"`
			snapshot.FeatureSummary
		}{base + "/$metadata#microsoft.graph.userRegistrationFeatureSummary", fs}
	} else {
		ms, _ := t.MethodSummary(all)
		ms.UserTypes, ms.UserRoles = scope.UserTypes, scope.UserRoles
		v = struct {
			Context string `json:"@odata.context"`
			snapshot.MethodSummary
		}{base + "/$metadata#microsoft.graph.userRegistrationMethodSummary", ms}
	}
	out, _ := json.Marshal(v)
	return append(b, out...)
}

// scopeCounts returns the counts of any (userTypes, userRoles) scope.
func (s *Server) scopeCounts(scope snapshot.Scope) snapshot.Counts {
	if c, ok := s.SummaryCounts(scope); ok {
		return c
	}
	// Rare combinations are counted on demand.
	var t snapshot.Tally
	s.opts.Tenant.Each(func(i int, u *snapshot.UserRegistrationDetails) {
		if scope.UserTypes != "all" && u.UserType != scope.UserTypes {
			return
		}
		switch scope.UserRoles {
		case "admin":
			if !u.IsAdmin {
				return
			}
		case "user":
			if u.IsAdmin {
				return
			}
		case "privilegedAdmin":
			if !u.IsAdmin || !tenantgen.IsPrivilegedAdmin(s.opts.Tenant.Seed, i) {
				return
			}
		}
		t.Add(u)
	})
	return t.All
}

// graphMessage is an error whose text is Graph's message, verbatim, as the
// emulator serves it in the error body (capitalised, with a full stop).
type graphMessage string

func (m graphMessage) Error() string { return string(m) }
