package graphfake

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/authgate/authgate/internal/tenantgen"
	"github.com/authgate/authgate/snapshot"
)

// The usage endpoints (Graph beta only).
const (
	// EndpointRegistrationActivity is userRegistrationActivity(period=...),
	// delegated only.
	EndpointRegistrationActivity Endpoint = "userRegistrationActivity"
	// EndpointEventsSummary is the paged userEventsSummary list.
	EndpointEventsSummary Endpoint = "userEventsSummary"
	// EndpointMfaSignInSummary is userMfaSignInSummary.
	EndpointMfaSignInSummary Endpoint = "userMfaSignInSummary"
	// EndpointSignInsByMethod is userSignInsByAuthMethodSummary(period=...),
	// delegated only.
	EndpointSignInsByMethod Endpoint = "userSignInsByAuthMethodSummary"
)

// UsageDays is how many days of usage the emulator holds: Graph's longest
// period, d30.
const UsageDays = 30

// usageMethod is a usageAuthMethod value the generator draws for
// registration and reset events, with how often and how badly it fails.
type usageMethod struct {
	name                string
	weight              int
	failure             float64 // probability that an attempt fails
	registration, reset bool    // the features it serves
}

// usageMethods: SMS fails often (above AM-USE-01's 20%), security questions
// only reset, alternate mobile calls and FIDO keys only register, app
// passwords are rare (below AM-USE-01's 20 attempts in small tenants).
var usageMethods = []usageMethod{
	{"appNotification", 30, 0.04, true, true},
	{"appCode", 10, 0.06, true, true},
	{"mobileSMS", 24, 0.27, true, true},
	{"mobileCall", 6, 0.12, true, true},
	{"alternateMobileCall", 2, 0.10, true, false},
	{"officePhone", 3, 0.15, true, true},
	{"email", 12, 0.08, true, true},
	{"securityQuestion", 6, 0.22, false, true},
	{"fido", 5, 0.03, true, false},
	{"appPassword", 2, 0.30, true, false},
}

var usageWeightTotal = func() int {
	n := 0
	for _, m := range usageMethods {
		n += m.weight
	}
	return n
}()

var failureReasons = []string{
	"User did not complete the registration.",
	"The code entered was incorrect.",
	"A system error has occurred.",
	"The user did not answer the phone call.",
	"Too many attempts.",
}

// event is one generated registration or reset attempt, compactly.
type event struct {
	user    int32
	k       uint8 // the event's number among the user's
	method  uint8
	reset   bool
	success bool
	reason  uint8
	at      int64 // Unix seconds
}

// userEvents appends user i's events: 0 to 3 over the last UsageDays days.
// No event lies within an hour of a whole number of days before now, so a
// client whose clock is up to an hour off selects the same events for a
// period as the server does.
func userEvents(dst []event, seed int64, i int, now time.Time) []event {
	r := tenantgen.Rand(tenantgen.Mix(uint64(seed)*0x2545_f491_4f6c_dd1d ^ uint64(i) ^ 0xe7e7_5a5a))
	n := r.Intn(4)
	for k := range n {
		e := event{user: int32(i), k: uint8(k)}
		w := r.Intn(usageWeightTotal)
		for j, m := range usageMethods {
			if w < m.weight {
				e.method = uint8(j)
				break
			}
			w -= m.weight
		}
		m := usageMethods[e.method]
		switch {
		case m.registration && m.reset:
			e.reset = r.Chance(0.3)
		default:
			e.reset = m.reset
		}
		e.success = !r.Chance(m.failure)
		e.reason = uint8(r.Intn(len(failureReasons)))
		day := r.Intn(UsageDays)
		secs := 3600 + r.Intn(22*3600)
		e.at = now.Add(-time.Duration(day)*24*time.Hour - time.Duration(secs)*time.Second).Unix()
		dst = append(dst, e)
	}
	return dst
}

// usageEvents returns every generated event, newest first, computed once.
func (s *Server) usageEvents() []event {
	s.usageOnce.Do(func() {
		t := s.opts.Tenant
		var all []event
		for i := range t.Users {
			all = userEvents(all, t.Seed, i, t.Now)
		}
		slices.SortStableFunc(all, func(a, b event) int {
			return cmp.Or(cmp.Compare(b.at, a.at), cmp.Compare(a.user, b.user), cmp.Compare(a.k, b.k))
		})
		s.events = all
	})
	return s.events
}

// userEvent returns the userEventsSummary row of e.
func (s *Server) userEvent(e event) snapshot.UserEvent {
	t := s.opts.Tenant
	u := tenantgen.GenerateUser(t.Seed, int(e.user), t.Now)
	feature := "registration"
	if e.reset {
		feature = "reset"
	}
	ue := snapshot.UserEvent{
		ID:                tenantgen.GUID(tenantgen.Mix(uint64(t.Seed)^uint64(e.user)<<8^uint64(e.k)), tenantgen.Mix(uint64(e.at)^0xe0e0)),
		UserPrincipalName: u.UserPrincipalName,
		UserDisplayName:   u.UserDisplayName,
		AuthMethod:        usageMethods[e.method].name,
		Feature:           feature,
		IsSuccess:         e.success,
		EventDateTime:     time.Unix(e.at, 0).UTC().Format(time.RFC3339),
	}
	if !e.success {
		ue.FailureReason = failureReasons[e.reason]
	}
	return ue
}

// RegistrationActivity returns what userRegistrationActivity reports for
// period (d1, d7 or d30): the generated events of the last days of the
// period, counted per method and feature.
func (s *Server) RegistrationActivity(period string) ([]snapshot.RegistrationActivity, bool) {
	days, ok := snapshot.UsagePeriodDays(period)
	if !ok {
		return nil, false
	}
	since := s.opts.Tenant.Now.Add(-time.Duration(days) * 24 * time.Hour).Unix()
	tally := snapshot.ActivityTally{}
	for _, e := range s.usageEvents() {
		if e.at < since {
			continue
		}
		ue := snapshot.UserEvent{AuthMethod: usageMethods[e.method].name, Feature: "registration", IsSuccess: e.success}
		if e.reset {
			ue.Feature = "reset"
		}
		tally.Add(&ue)
	}
	return tally.Activity(), true
}

// MfaSignInDays returns the userMfaSignInSummary rows: one per day for the
// last UsageDays days (today included), oldest first. About 3% to 8% of a
// day's sign-ins are single-factor, depending on the seed and the day.
// Unless the tenant is ideal, one seeded day of the last week contradicts
// itself as Microsoft's own example does (ten times more multi-factor
// sign-ins than sign-ins), so the demo shows AM-DQ-04.
func (s *Server) MfaSignInDays() []snapshot.MfaSignInDay {
	out := s.mfaSignInDays()
	if t := s.opts.Tenant; !t.Ideal && len(out) > 1 {
		r := tenantgen.Rand(tenantgen.Mix(uint64(t.Seed)*0x2545_f491_4f6c_dd1d ^ 0x0dd_da7))
		d := &out[len(out)-1-(1+r.Intn(min(6, len(out)-1)))]
		d.MultiFactorSignIns = d.TotalSignIns*99/10 + 1
	}
	return out
}

// mfaSignInDays are the days as an ideal tenant has them: what the other
// usage reports count.
func (s *Server) mfaSignInDays() []snapshot.MfaSignInDay {
	t := s.opts.Tenant
	today := t.Now.UTC().Truncate(24 * time.Hour)
	out := make([]snapshot.MfaSignInDay, 0, UsageDays)
	for d := UsageDays - 1; d >= 0; d-- {
		r := tenantgen.Rand(tenantgen.Mix(uint64(t.Seed)*0x51_7cc1_b727_220a ^ uint64(d) ^ 0x6d6f_6661))
		total := int64(t.Users) + int64(r.Intn(t.Users+1))
		single := int64(float64(total) * (0.03 + 0.05*r.Float()))
		out = append(out, snapshot.MfaSignInDay{
			CreatedDateTime:     today.Add(-time.Duration(d) * 24 * time.Hour).Format(time.RFC3339),
			MultiFactorSignIns:  total - single,
			SingleFactorSignIns: single,
			TotalSignIns:        total,
		})
	}
	return out
}

// signInMethods split the multi-factor sign-ins among methods
// (userSignInsByAuthMethodSummary's vocabulary); single-factor sign-ins
// count as "password". SMS and voice (sms, mobilePhone, alternateMobilePhone,
// officePhone) take about 17%.
var signInMethods = []struct {
	name   string
	weight int64
}{
	{"microsoftAuthenticatorPush", 40},
	{"sms", 12},
	{"mobilePhone", 3},
	{"alternateMobilePhone", 1},
	{"officePhone", 1},
	{"oneTimePasscode", 8},
	{"microsoftAuthenticatorPasswordless", 10},
	{"windowsHelloForBusiness", 14},
	{"fido2SecurityKey", 4},
	{"passKeyDeviceBound", 6},
	{"temporaryAccessPass", 1},
}

// SignInsByMethod returns what userSignInsByAuthMethodSummary reports for
// period: the sign-ins of the period's days (see MfaSignInDays), each counted
// once, by its second factor (password for single-factor sign-ins).
func (s *Server) SignInsByMethod(period string) ([]snapshot.SignInsByMethod, bool) {
	days, ok := snapshot.UsagePeriodDays(period)
	if !ok {
		return nil, false
	}
	rows := s.mfaSignInDays()
	var multi, single int64
	for _, d := range rows[len(rows)-days:] {
		multi += d.MultiFactorSignIns
		single += d.SingleFactorSignIns
	}
	var wsum int64
	for _, m := range signInMethods {
		wsum += m.weight
	}
	out := []snapshot.SignInsByMethod{{AuthenticationMethod: "password", SuccessActivityCount: single}}
	left := multi
	for k, m := range signInMethods {
		n := multi * m.weight / wsum
		if k == len(signInMethods)-1 {
			n = left
		}
		left -= n
		out = append(out, snapshot.SignInsByMethod{AuthenticationMethod: m.name, SuccessActivityCount: n})
	}
	return out, true
}

// parsePeriod parses "(period='d7')".
func parsePeriod(arg string) (string, error) {
	inner, opened := strings.CutPrefix(arg, "(")
	inner, closed := strings.CutSuffix(inner, ")")
	if !opened || !closed {
		return "", graphMessage("Resource not found for the segment '" + arg + "'.")
	}
	name, val, ok := strings.Cut(strings.TrimSpace(inner), "=")
	if !ok || name != "period" || len(val) < 2 || val[0] != '\'' || val[len(val)-1] != '\'' {
		return "", graphMessage("The function parameter 'period' is missing or not a quoted string literal.")
	}
	p := val[1 : len(val)-1]
	if _, ok := snapshot.UsagePeriodDays(p); !ok {
		return "", graphMessage("The value '" + p + "' is not valid for the parameter 'period'.")
	}
	return p, nil
}

// eventFilter is a parsed userEventsSummary $filter: eventDateTime bounds
// joined by "and".
type eventFilter struct {
	ge, lt int64 // Unix seconds, inclusive lower and exclusive upper bound
}

func parseEventFilter(f string) (eventFilter, error) {
	ef := eventFilter{ge: -1 << 62, lt: 1 << 62}
	if strings.TrimSpace(f) == "" {
		return ef, nil
	}
	for c := range strings.SplitSeq(f, " and ") {
		parts := strings.Fields(c)
		if len(parts) != 3 || parts[0] != "eventDateTime" {
			return ef, graphMessage("Invalid filter clause: '" + c + "'. The emulator supports eventDateTime ge|gt|le|lt <DateTimeOffset> joined by 'and'.")
		}
		t, err := time.Parse(time.RFC3339Nano, parts[2])
		if err != nil {
			return ef, graphMessage("The DateTimeOffset '" + parts[2] + "' in the filter is not valid.")
		}
		sec := t.Unix()
		frac := t.Nanosecond() > 0
		switch parts[1] {
		case "ge":
			if frac {
				sec++
			}
			ef.ge = max(ef.ge, sec)
		case "gt":
			ef.ge = max(ef.ge, sec+1)
		case "lt":
			if frac {
				sec++
			}
			ef.lt = min(ef.lt, sec)
		case "le":
			ef.lt = min(ef.lt, sec+1)
		default:
			return ef, graphMessage("Unsupported operator '" + parts[1] + "' in the filter.")
		}
	}
	return ef, nil
}

// eventsToken returns the $skiptoken that continues a userEventsSummary
// listing at position pos of the event list, bound to the filter, the page
// size and the skip-token generation.
func (s *Server) eventsToken(filter string, size, pos int) string {
	s.mu.Lock()
	gen := s.tokenGen
	s.mu.Unlock()
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("events|" + filter + "|" + strconv.Itoa(size) + "|" + strconv.Itoa(pos) + "|" + strconv.FormatUint(gen, 10)))
	return hex.EncodeToString(m.Sum(nil)[:16]) + "_" + strconv.Itoa(pos)
}

// appendUsage answers a usage endpoint. It writes an error answer itself
// and returns false when the request is refused.
func (s *Server) appendUsage(w http.ResponseWriter, r *http.Request, b []byte, ep Endpoint, arg, version string, delegated bool, base string) ([]byte, bool) {
	if version != "beta" {
		s.graphError(w, r, http.StatusBadRequest, CodeBadRequest, "Resource not found for the segment '"+string(ep)+"'.")
		return b, false
	}
	if !delegated && (ep == EndpointRegistrationActivity || ep == EndpointSignInsByMethod) {
		s.graphError(w, r, http.StatusForbidden, CodeAppOnlyUnsupported,
			"Application-only access is not supported for "+string(ep)+": call it with a delegated (signed-in user) token.")
		return b, false
	}
	ctx := base + "/$metadata#"
	switch ep {
	case EndpointRegistrationActivity, EndpointSignInsByMethod:
		period, err := parsePeriod(arg)
		if err != nil {
			s.graphError(w, r, http.StatusBadRequest, CodeBadRequest, err.Error())
			return b, false
		}
		var v any
		if ep == EndpointRegistrationActivity {
			v, _ = s.RegistrationActivity(period)
			ctx += "Collection(microsoft.graph.userRegistrationActivitySummary)"
		} else {
			v, _ = s.SignInsByMethod(period)
			ctx += "Collection(microsoft.graph.userSignInUsageByAuthMethodActivity)"
		}
		return appendCollection(b, ctx, "", v), true
	case EndpointMfaSignInSummary:
		return appendCollection(b, ctx+"reports/authenticationMethods/userMfaSignInSummary", "", s.MfaSignInDays()), true
	}
	// userEventsSummary: paged, $filter on eventDateTime, $top up to 1000.
	q := r.URL.Query()
	filter := q.Get("$filter")
	ef, err := parseEventFilter(filter)
	if err != nil {
		s.graphError(w, r, http.StatusBadRequest, CodeBadRequest, err.Error())
		return b, false
	}
	size := min(s.opts.PageSize, 1000)
	if t := q.Get("$top"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 {
			s.graphError(w, r, http.StatusBadRequest, CodeBadRequest, "Invalid value '"+t+"' for query option $top.")
			return b, false
		}
		size = min(size, n)
	}
	all := s.usageEvents()
	pos := 0
	if st := q.Get("$skiptoken"); st != "" {
		_, p, _ := strings.Cut(st, "_")
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > len(all) || !hmac.Equal([]byte(s.eventsToken(filter, size, n)), []byte(st)) {
			s.graphError(w, r, http.StatusBadRequest, CodeBadRequest, "The $skiptoken is invalid or has expired. Start the request again without it.")
			return b, false
		}
		pos = n
	}
	page := make([]snapshot.UserEvent, 0, size)
	for ; pos < len(all) && len(page) < size; pos++ {
		if e := all[pos]; e.at >= ef.ge && e.at < ef.lt {
			page = append(page, s.userEvent(e))
		}
	}
	for pos < len(all) && (all[pos].at < ef.ge || all[pos].at >= ef.lt) {
		pos++ // so that the last page has no nextLink
	}
	next := ""
	if pos < len(all) {
		v := url.Values{}
		if filter != "" {
			v.Set("$filter", filter)
		}
		if t := q.Get("$top"); t != "" {
			v.Set("$top", t)
		}
		v.Set("$skiptoken", s.eventsToken(filter, size, pos))
		next = base + "/reports/authenticationMethods/userEventsSummary?" + v.Encode()
	}
	return appendCollection(b, ctx+"reports/authenticationMethods/userEventsSummary", next, page), true
}

// appendCollection writes {"@odata.context":..., ["@odata.nextLink":...,] "value":[...]}.
func appendCollection(b []byte, context, next string, value any) []byte {
	b = append(b, `{"@odata.context":`...)
	b = tenantgen.AppendString(b, context)
	if next != "" {
		b = append(b, `,"@odata.nextLink":`...)
		b = tenantgen.AppendString(b, next)
	}
	v, _ := json.Marshal(value)
	b = append(b, `,"value":`...)
	b = append(b, v...)
	return append(b, '}')
}
