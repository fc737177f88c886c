package graphfake

import (
	"time"
)

// Endpoint names a group of requests the server counts and faults can target.
type Endpoint string

// Endpoints of the emulator.
const (
	// EndpointAny matches every Graph report endpoint (not the token
	// endpoint) in Fault.Endpoint.
	EndpointAny Endpoint = ""
	// EndpointDetails is the paged userRegistrationDetails list.
	EndpointDetails Endpoint = "userRegistrationDetails"
	// EndpointDetailsGet is a single user's userRegistrationDetails/{id}.
	EndpointDetailsGet Endpoint = "userRegistrationDetails/{id}"
	// EndpointFeature is the usersRegisteredByFeature function.
	EndpointFeature Endpoint = "usersRegisteredByFeature"
	// EndpointMethod is the usersRegisteredByMethod function.
	EndpointMethod Endpoint = "usersRegisteredByMethod"
	// EndpointToken is the Entra token endpoint.
	EndpointToken Endpoint = "token"
	// EndpointOIDC is the OpenID Connect discovery document.
	EndpointOIDC Endpoint = "openid-configuration"
	// EndpointForeign is any request to the ForeignURL listener.
	EndpointForeign Endpoint = "foreign"
	// EndpointOther is any other path (answered 404).
	EndpointOther Endpoint = "other"
)

// FaultKind is what an injected fault does to the response.
type FaultKind int

// Kinds of faults.
const (
	// Fault503 answers 503 serviceNotAvailable, with Retry-After when
	// Fault.RetryAfter is set.
	Fault503 FaultKind = iota + 1
	// Fault429 answers 429 TooManyRequests with Retry-After
	// (Fault.RetryAfter, default 1 s). Use Times for a burst.
	Fault429
	// FaultReset sends the status line, headers and half the body, then
	// closes the connection.
	FaultReset
	// FaultSlow waits Fault.Delay (or until the client gives up) before
	// answering normally.
	FaultSlow
	// FaultTruncated answers 200 with a body cut in the middle of the JSON
	// and a Content-Length that matches the cut body.
	FaultTruncated
	// Fault401 answers 401 InvalidAuthenticationToken as Graph does for an
	// expired token, whatever token was sent.
	Fault401
	// Fault403Permission answers 403 Authentication_MSGraphPermissionMissing.
	Fault403Permission
	// Fault403Role answers 403 Authentication_RequestFromUnsupportedUserRole.
	Fault403Role
	// Fault403License answers 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant.
	Fault403License
	// FaultForeignNextLink serves the page with an @odata.nextLink that
	// points at ForeignURL (another port) instead of the Graph endpoint.
	FaultForeignNextLink
	// FaultLoop serves the page with an @odata.nextLink equal to the URL
	// just requested, so a client that follows it loops.
	FaultLoop
	// Fault500 answers 500 UnknownError.
	Fault500
)

var faultNames = map[FaultKind]string{
	Fault503: "503", Fault429: "429", FaultReset: "reset", FaultSlow: "slow",
	FaultTruncated: "truncated", Fault401: "401", Fault403Permission: "403-permission",
	Fault403Role: "403-role", Fault403License: "403-license",
	FaultForeignNextLink: "foreign-nextlink", FaultLoop: "loop", Fault500: "500",
}

// String returns a short name of the kind, such as "503" or "403-role".
func (k FaultKind) String() string {
	if s, ok := faultNames[k]; ok {
		return s
	}
	return "unknown"
}

// Fault is an armed fault. It fires on the next requests that match
// Endpoint and Page, Times times (0 means once, a negative number forever),
// after authentication and the rate limit have admitted the request.
type Fault struct {
	Kind FaultKind
	// Endpoint restricts the fault to one endpoint; EndpointAny matches
	// every Graph report endpoint. EndpointToken targets the token endpoint
	// (Fault503, Fault429, Fault500, FaultReset, FaultSlow, FaultTruncated).
	Endpoint Endpoint
	// Page restricts the fault to the Nth page (1-based) of the
	// userRegistrationDetails list; 0 matches any page and any endpoint's
	// single response.
	Page int
	// Times is how many matching requests the fault fires on: 0 means 1,
	// a negative number means every matching request until Clear.
	Times int
	// RetryAfter is the Retry-After header of Fault503 and Fault429,
	// rounded up to whole seconds. Zero sends none with 503 and 1 s with 429.
	RetryAfter time.Duration
	// Delay is how long FaultSlow waits before answering.
	Delay time.Duration
}

// Inject arms f. Faults fire in the order they were armed.
func (s *Server) Inject(f Fault) {
	if f.Times == 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// ClearFaults disarms every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault returns the first armed fault matching ep and page, counting one
// firing, or nil.
func (s *Server) takeFault(ep Endpoint, page int) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, f := range s.faults {
		if f.Endpoint != ep && !(f.Endpoint == EndpointAny && ep != EndpointToken && ep != EndpointOIDC) {
			continue
		}
		if f.Page != 0 && f.Page != page {
			continue
		}
		fired := *f
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.faults = append(s.faults[:k:k], s.faults[k+1:]...)
			}
		}
		s.stats.FaultsFired++
		return &fired
	}
	return nil
}
