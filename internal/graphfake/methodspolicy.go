package graphfake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/authgate/authgate/internal/tenantgen"
	"github.com/authgate/authgate/snapshot"
)

// Endpoints of the authentication methods policy and its target groups.
const (
	// EndpointMethodsPolicy is GET /policies/authenticationMethodsPolicy.
	EndpointMethodsPolicy Endpoint = "authenticationMethodsPolicy"
	// EndpointGroupMembers is GET /groups/{id}/transitiveMembers/microsoft.graph.user.
	EndpointGroupMembers Endpoint = "groups/{id}/transitiveMembers"
)

// PolicyOptions choose the authentication methods policy the emulator
// serves. The zero value serves a lax policy consistent with the generated
// users (see MethodsPolicy).
type PolicyOptions struct {
	// Hardened serves a policy that meets every baseline the built-in
	// AM-POL controls judge: SMS, voice and email OTP disabled, migration
	// complete, Authenticator showing app name and location, passkeys with
	// attestation and key restrictions, a one-time Temporary Access Pass, a
	// registration campaign and, in beta, system-preferred MFA and
	// report-suspicious-activity. It is not consistent with the users
	// (who keep their phone methods): it is for the controls on the policy.
	Hardened bool
	// Forbidden answers the policy with 403, as Graph answers a principal
	// without Policy.Read.AuthenticationMethod.
	Forbidden bool
	// GroupsForbidden answers the group members with 403, as Graph answers a
	// principal without GroupMember.Read.All.
	GroupsForbidden bool
	// AllowedAAGUIDs are the authenticator models the hardened policy allows.
	AllowedAAGUIDs []string
}

// Group ids of the generated tenant's policy.
func policyGroupID(seed int64, n uint64) string {
	return tenantgen.GUID(tenantgen.Mix(uint64(seed)^0x9a7e_0000+n), tenantgen.Mix(n+0x67))
}

// PolicyGroups are the target groups of the generated policy: their names
// and their user members (indexes of generated users).
type PolicyGroups struct {
	// FrontDesk is excluded from Voice call: the users who registered
	// only an office phone for voice (no alternate mobile phone), so that
	// Voice's exclusion alone is why they are not MFA-capable.
	FrontDesk       string
	FrontDeskUsers  []int
	PasskeyExcluded string
	// PasskeyExcludedUsers holds one administrator with Authenticator and
	// no phishing-resistant method: excluded from passkeys, the only
	// phishing-resistant configuration the policy enables.
	PasskeyExcludedUsers []int
	// Pilot is a nested group: it contains FrontDesk, and is the include
	// target of the email OTP configuration (through which its members are
	// resolved transitively).
	Pilot string
}

type policyState struct {
	once   sync.Once
	groups PolicyGroups
}

// Groups returns the target groups of the generated policy.
func (s *Server) Groups() PolicyGroups {
	s.policy.once.Do(func() {
		seed := s.opts.Tenant.Seed
		g := PolicyGroups{FrontDesk: policyGroupID(seed, 1), PasskeyExcluded: policyGroupID(seed, 2), Pilot: policyGroupID(seed, 3)}
		admin := -1
		s.opts.Tenant.Each(func(i int, u *snapshot.UserRegistrationDetails) {
			if slices.Contains(u.MethodsRegistered, "officePhone") && !slices.Contains(u.MethodsRegistered, "alternateMobilePhone") {
				g.FrontDeskUsers = append(g.FrontDeskUsers, i)
			}
			if admin < 0 && u.IsAdmin && u.IsMfaCapable && slices.Contains(u.MethodsRegistered, "microsoftAuthenticatorPush") && !slices.ContainsFunc(u.MethodsRegistered, isPhishingResistant) {
				admin = i
			}
		})
		if admin >= 0 {
			g.PasskeyExcludedUsers = []int{admin}
		}
		s.policy.groups = g
	})
	return s.policy.groups
}

func isPhishingResistant(m string) bool {
	switch m {
	case "fido2SecurityKey", "windowsHelloForBusiness", "passKeyDeviceBoundAuthenticator", "passKeyDeviceBound", "passKeyDeviceBoundWindowsHello", "macOsSecureEnclaveKey":
		return true
	}
	return false
}

type obj = map[string]any

func target(id, kind string, extra obj) obj {
	t := obj{"targetType": kind, "id": id, "isRegistrationRequired": false}
	for k, v := range extra {
		t[k] = v
	}
	return t
}

func exclude(id string) obj { return obj{"targetType": "group", "id": id} }

func feature(state string) obj {
	return obj{"state": state, "includeTarget": obj{"targetType": "group", "id": snapshot.AllUsersTarget}, "excludeTarget": obj{"targetType": "group", "id": "00000000-0000-0000-0000-000000000000"}}
}

// MethodsPolicy returns the policy the emulator serves for version.
//
// The lax policy agrees with the generated users: SMS, voice (office phones
// included) and Authenticator are enabled for all users, so whoever
// registered them is MFA-capable, except the FrontDesk group, excluded from
// Voice call (its users registered only an office phone and are not
// MFA-capable); passkeys are enabled except for one administrator
// (PasskeyExcluded); certificate-based authentication is disabled and nobody
// registered it. It fails most AM-POL controls on purpose.
func (s *Server) MethodsPolicy(version string) obj {
	o := s.opts.Policy
	g := s.Groups()
	all := snapshot.AllUsersTarget
	state := func(on bool) string {
		if on {
			return "enabled"
		}
		return "disabled"
	}
	h := o.Hardened
	aaguids := o.AllowedAAGUIDs
	if aaguids == nil {
		aaguids = []string{}
	}
	cfg := func(typ, id string, on bool, includes []obj, excludes []obj, extra obj) obj {
		c := obj{"@odata.type": "#microsoft.graph." + typ, "id": id, "state": state(on), "includeTargets": includes, "excludeTargets": excludes}
		if excludes == nil {
			c["excludeTargets"] = []obj{}
		}
		for k, v := range extra {
			c[k] = v
		}
		return c
	}
	fido2Excl := []obj{exclude(g.PasskeyExcluded)}
	if h {
		fido2Excl = nil
	}
	appInfo, location := "default", "disabled"
	if h {
		appInfo, location = "enabled", "enabled"
	}
	migration, campaign := "migrationInProgress", "disabled"
	if h {
		migration, campaign = "migrationComplete", "enabled"
	}
	configs := []obj{
		cfg("fido2AuthenticationMethodConfiguration", "Fido2", true,
			[]obj{target(all, "group", obj{"allowedPasskeyProfiles": []string{}})}, fido2Excl, obj{
				"isSelfServiceRegistrationAllowed": true, "isAttestationEnforced": h,
				"keyRestrictions": obj{"isEnforced": h && len(aaguids) > 0, "enforcementType": "allow", "aaGuids": aaguids},
			}),
		cfg("microsoftAuthenticatorAuthenticationMethodConfiguration", "MicrosoftAuthenticator", true,
			[]obj{target(all, "group", obj{"authenticationMode": "any"})}, nil, obj{
				"isSoftwareOathEnabled": false,
				"featureSettings": obj{
					"displayAppInformationRequiredState":      feature(appInfo),
					"displayLocationInformationRequiredState": feature(location),
				},
			}),
		cfg("smsAuthenticationMethodConfiguration", "Sms", !h,
			[]obj{target(all, "group", obj{"isUsableForSignIn": !h})}, nil, nil),
		cfg("temporaryAccessPassAuthenticationMethodConfiguration", "TemporaryAccessPass", true,
			[]obj{target(all, "group", nil)}, nil, obj{
				"defaultLifetimeInMinutes": 60, "defaultLength": 8, "minimumLifetimeInMinutes": 60,
				"maximumLifetimeInMinutes": 480, "isUsableOnce": h,
			}),
		cfg("softwareOathAuthenticationMethodConfiguration", "SoftwareOath", true, []obj{target(all, "group", nil)}, nil, nil),
		cfg("voiceAuthenticationMethodConfiguration", "Voice", !h,
			[]obj{target(all, "group", nil)}, []obj{exclude(g.FrontDesk)}, obj{"isOfficePhoneAllowed": true}),
		cfg("emailAuthenticationMethodConfiguration", "Email", !h,
			[]obj{target(g.Pilot, "group", nil)}, nil, obj{"allowExternalIdToUseEmailOtp": "default"}),
		cfg("x509CertificateAuthenticationMethodConfiguration", "X509Certificate", false,
			[]obj{target(all, "group", nil)}, nil, obj{"certificateUserBindings": []obj{}, "authenticationModeConfiguration": nil}),
	}
	p := obj{
		"@odata.context":       s.graph + "/" + version + "/$metadata#policies/authenticationMethodsPolicy/$entity",
		"id":                   "authenticationMethodsPolicy",
		"displayName":          "Authentication Methods Policy",
		"description":          "The tenant-wide policy that controls which authentication methods are allowed in the tenant, authentication method registration requirements, and self-service password reset settings",
		"lastModifiedDateTime": s.opts.Tenant.Now.Add(-72 * time.Hour).UTC().Format(time.RFC3339),
		"policyVersion":        "1.5",
		"reconfirmationInDays": 0,
		"policyMigrationState": migration,
		"registrationEnforcement": obj{"authenticationMethodsRegistrationCampaign": obj{
			"snoozeDurationInDays": 1, "state": campaign, "excludeTargets": []obj{},
			"includeTargets": []obj{{"id": all, "targetType": "group", "targetedAuthenticationMethod": "microsoftAuthenticator"}},
		}},
		"authenticationMethodConfigurations": configs,
	}
	if version == "beta" {
		sys, report := "disabled", "default"
		if h {
			sys, report = "enabled", "enabled"
		}
		p["systemCredentialPreferences"] = obj{"state": sys, "excludeTargets": []obj{}, "includeTargets": []obj{{"id": all, "targetType": "group"}}}
		p["reportSuspiciousActivitySettings"] = obj{"state": report, "voiceReportingCode": 0, "includeTarget": obj{"id": all, "targetType": "group"}}
	}
	return p
}

// routePolicy adds the policy and group endpoints to mux.
func (s *Server) routePolicy(mux *http.ServeMux) {
	mux.HandleFunc("GET /{version}/policies/authenticationMethodsPolicy", s.handlePolicy)
	mux.HandleFunc("GET /{version}/groups/{id}/transitiveMembers/microsoft.graph.user", s.handleGroupMembers)
}

// policyRequest runs the checks every Graph request passes (version, token,
// rate limit, faults) and reports whether to go on.
func (s *Server) policyRequest(w http.ResponseWriter, r *http.Request, ep Endpoint, page int) (*Fault, bool) {
	w.Header().Set("request-id", newRequestID())
	s.count(ep, 0)
	version := r.PathValue("version")
	if version != "v1.0" && version != "beta" {
		s.graphError(w, r, http.StatusNotFound, "Request_UnsupportedQuery", "Unsupported segment type. ODataQuery: "+strings.TrimPrefix(r.URL.Path, "/"))
		return nil, false
	}
	s.mu.Lock()
	s.stats.APIVersions[version]++
	s.mu.Unlock()
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	claims, err := s.verify(strings.TrimSpace(tok), time.Now())
	if err != nil {
		s.graphError(w, r, http.StatusUnauthorized, CodeInvalidToken, err.Error())
		return nil, false
	}
	if wait := s.admit(claims.AppID+"|"+claims.TID, time.Now()); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(ceilSeconds(wait)))
		s.graphError(w, r, http.StatusTooManyRequests, CodeTooManyRequests, "Too many requests.")
		return nil, false
	}
	f := s.takeFault(ep, page)
	if f != nil && s.applyErrorFault(w, r, f) {
		return nil, false
	}
	return f, true
}

func (s *Server) handlePolicy(w http.ResponseWriter, r *http.Request) {
	f, ok := s.policyRequest(w, r, EndpointMethodsPolicy, 0)
	if !ok {
		return
	}
	if s.opts.Policy.Forbidden {
		s.graphError(w, r, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
		return
	}
	b, _ := json.Marshal(s.MethodsPolicy(r.PathValue("version")))
	w.Header().Set("Content-Type", "application/json; odata.metadata=minimal; charset=utf-8")
	s.writeBody(w, r, http.StatusOK, b, f)
	s.recordStatus(http.StatusOK)
}

// groupPageSize is the server-driven page size of transitiveMembers, lower
// than Graph's (100 by default, $top up to 999) so that paging is exercised
// by groups of a small tenant.
const groupPageSize = 10

func (s *Server) handleGroupMembers(w http.ResponseWriter, r *http.Request) {
	if g := s.Groups(); !slices.Contains([]string{g.FrontDesk, g.PasskeyExcluded, g.Pilot}, r.PathValue("id")) {
		// The role-assignable and exclusion groups are served, with
		// their own paging and permissions, by the route table.
		s.handleGraph(w, r)
		return
	}
	q := r.URL.Query()
	offset := 0
	if st := q.Get("$skiptoken"); st != "" {
		n, err := strconv.Atoi(st)
		if err != nil || n < 0 {
			s.graphError(w, r, http.StatusBadRequest, CodeBadRequest, "The $skiptoken is invalid.")
			return
		}
		offset = n
	}
	f, ok := s.policyRequest(w, r, EndpointGroupMembers, offset/groupPageSize+1)
	if !ok {
		return
	}
	if s.opts.Policy.GroupsForbidden {
		s.graphError(w, r, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
		return
	}
	g := s.Groups()
	var members []int
	switch r.PathValue("id") {
	case g.FrontDesk:
		members = g.FrontDeskUsers
	case g.PasskeyExcluded:
		members = g.PasskeyExcludedUsers
	case g.Pilot: // FrontDesk nested, plus the first user
		members = slices.Clone(g.FrontDeskUsers)
		if s.opts.Tenant.Users > 0 && !slices.Contains(members, 0) {
			members = append([]int{0}, members...)
		}
	default:
		s.graphError(w, r, http.StatusNotFound, "Request_ResourceNotFound", "Resource '"+r.PathValue("id")+"' does not exist or one of its queried reference-property objects are not present.")
		return
	}
	end := min(offset+groupPageSize, len(members))
	offset = min(offset, end)
	version := r.PathValue("version")
	var rows []obj
	for _, i := range members[offset:end] {
		u := tenantgen.GenerateUser(s.opts.Tenant.Seed, i, s.opts.Tenant.Now)
		rows = append(rows, obj{"@odata.type": "#microsoft.graph.user", "id": u.ID, "userPrincipalName": u.UserPrincipalName})
	}
	if rows == nil {
		rows = []obj{}
	}
	body := obj{"@odata.context": s.graph + "/" + version + "/$metadata#users(id,userPrincipalName)", "value": rows}
	if end < len(members) {
		body["@odata.nextLink"] = s.graph + r.URL.Path + "?" + url.Values{"$select": {"id,userPrincipalName"}, "$skiptoken": {strconv.Itoa(end)}}.Encode()
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json; odata.metadata=minimal; charset=utf-8")
	s.writeBody(w, r, http.StatusOK, b, f)
	s.recordStatus(http.StatusOK)
}
