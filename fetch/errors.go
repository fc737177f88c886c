package fetch

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// GraphError is an error answer from Microsoft Graph that retrying did not
// cure. Code is Graph's error code; Remedy, when set, says how to fix it.
type GraphError struct {
	// Op names the call, e.g. "list userRegistrationDetails".
	Op         string
	StatusCode int
	Code       string
	Message    string
	RequestID  string
	Remedy     string
	// RetryAfter is the wait Graph asked for (Retry-After) when it was
	// longer than MaxWait, the longest wait the fetch honours.
	RetryAfter, MaxWait time.Duration
}

// Remedies for the 403 causes Graph reports on these reports.
const (
	RemedyPermission = "grant the application (or the signed-in user, for delegated access) the Microsoft Graph permission AuditLog.Read.All and have an administrator consent to it"
	RemedyRole       = "the signed-in user needs an Entra role that may read these reports: Reports Reader, Security Reader or Global Reader (or Security Administrator)"
	RemedyLicence    = "the tenant needs a Microsoft Entra ID P1 or P2 licence for the authentication-methods usage reports"
	RemedyToken      = "the token was refused after a refresh: check that the credential belongs to this tenant and cloud (the token's audience must be the Graph endpoint)"
)

func remedyFor(status int, code string) string {
	switch code {
	case "Authentication_MSGraphPermissionMissing", "Authentication_ApplicationHasNoReadAuditLogDataAccess":
		return RemedyPermission
	case "Authentication_RequestFromUnsupportedUserRole":
		return RemedyRole
	case "Authentication_RequestFromNonPremiumTenantOrB2CTenant":
		return RemedyLicence
	}
	switch status {
	case http.StatusUnauthorized:
		return RemedyToken
	case http.StatusForbidden:
		return "check that the principal has AuditLog.Read.All (consented), a reader role for delegated access, and that the tenant has Entra ID P1/P2"
	}
	return ""
}

func (e *GraphError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: Graph answered %d", e.Op, e.StatusCode)
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request-id %s)", e.RequestID)
	}
	if e.StatusCode == http.StatusOK {
		b.WriteString(" (an error object under a 200 status)")
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, "; Graph asked to wait %s before the next try (Retry-After), longer than the %s authgate waits: run again once that time has passed, not now", e.RetryAfter, e.MaxWait)
	}
	if e.Remedy != "" {
		fmt.Fprintf(&b, "; fix: %s", e.Remedy)
	}
	return b.String()
}

// Auth reports whether the error is an authentication, permission or
// licence failure (401 or 403).
func (e *GraphError) Auth() bool {
	return e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden
}

// CredentialError is a failure to get a token from the credential.
type CredentialError struct {
	Mode string
	Err  error
}

func (e *CredentialError) Error() string {
	return fmt.Sprintf("get token (--auth %s): %v; fix: check the credential settings, or choose another --auth mode", e.Mode, e.Err)
}

func (e *CredentialError) Unwrap() error { return e.Err }

// IsAuthFailure reports whether err is an authentication, permission or
// licence failure: a credential that gave no token, or a 401 or 403 from
// Graph.
func IsAuthFailure(err error) bool {
	var ce *CredentialError
	if errors.As(err, &ce) {
		return true
	}
	var ge *GraphError
	return errors.As(err, &ge) && ge.Auth()
}

// ErrPaging is wrapped by errors that break the paging chain: a repeated
// nextLink, too many pages, a nextLink that is relative, too long or to
// another origin.
var ErrPaging = errors.New("paging failed")

// ErrAnswer is wrapped by errors for a Graph answer that cannot be read as a
// page: malformed JSON, a body that is not JSON, a body over the size cap or
// an object that is not a collection page (no value array).
var ErrAnswer = errors.New("unusable answer from Graph")

// ErrRow is wrapped by errors for a row of a page that breaks the schema
// (a wrongly typed value, a missing id) or the size limits of its fields.
var ErrRow = errors.New("invalid row")

// ErrChanged is wrapped by the error for a user listed twice with different
// content: the report changed while it was being paged.
var ErrChanged = errors.New("the report changed during the fetch")

func answerErrorf(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrAnswer, fmt.Sprintf(format, a...))
}

func rowErrorf(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrRow, fmt.Sprintf(format, a...))
}

func pagingErrorf(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrPaging, fmt.Sprintf(format, a...))
}
