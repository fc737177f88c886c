package fetch

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Principal is who a token was issued to, read from the access token's
// claims. The token itself is never kept.
type Principal struct {
	AppID    string // appid or azp
	ObjectID string // oid
	UPN      string // upn, else preferred_username, for delegated tokens
	TenantID string // tid
}

// String returns the UPN for a delegated token, "app <appid>" for an
// application token, or "" when the token said neither.
func (p Principal) String() string {
	switch {
	case p.UPN != "":
		return p.UPN
	case p.AppID != "":
		return "app " + p.AppID
	case p.ObjectID != "":
		return "object " + p.ObjectID
	}
	return ""
}

// principalFromToken decodes the claims of a JWT access token without
// checking its signature (the claims only label the manifest; Graph checks
// the token). It returns the zero Principal for anything else.
func principalFromToken(token string) Principal {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return Principal{}
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return Principal{}
	}
	var c struct {
		AppID             string `json:"appid"`
		Azp               string `json:"azp"`
		Oid               string `json:"oid"`
		Upn               string `json:"upn"`
		Tid               string `json:"tid"`
		Idtyp             string `json:"idtyp"`
		PreferredUsername string `json:"preferred_username"`
	}
	if json.Unmarshal(payload, &c) != nil {
		return Principal{}
	}
	p := Principal{AppID: c.AppID, ObjectID: c.Oid, TenantID: c.Tid}
	if p.AppID == "" {
		p.AppID = c.Azp
	}
	if c.Idtyp != "app" {
		p.UPN = c.Upn
		if p.UPN == "" {
			p.UPN = c.PreferredUsername
		}
	}
	return p
}

// recordingCredential wraps a credential: it keeps the principal of the
// last token and marks token failures as *CredentialError.
type recordingCredential struct {
	cred azcore.TokenCredential
	mode string
	// slow, when set, hears when a token takes longer than slowAfter, so
	// that a stalled authority is not silent.
	slow      func(string)
	slowAfter time.Duration

	mu        sync.Mutex
	principal Principal
}

func (r *recordingCredential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	if r.slow != nil && r.slowAfter > 0 {
		start := time.Now()
		t := time.AfterFunc(r.slowAfter, func() {
			r.slow(fmt.Sprintf("no token from the authority after %s (--auth %s): still trying", time.Since(start).Round(time.Second), r.mode))
		})
		defer t.Stop()
	}
	tk, err := r.cred.GetToken(ctx, opts)
	if err != nil {
		if ctx.Err() != nil {
			return tk, err
		}
		if unreachable(err) {
			return tk, fmt.Errorf("get token (--auth %s): the Entra authority could not be reached: %w", r.mode, err)
		}
		return tk, &CredentialError{Mode: r.mode, Err: err}
	}
	p := principalFromToken(tk.Token)
	r.mu.Lock()
	r.principal = p
	r.mu.Unlock()
	return tk, nil
}

func (r *recordingCredential) Principal() Principal {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.principal
}

// networkMarkers are the texts of transport failures. azidentity flattens
// the cause of an AuthenticationFailedError into its message, so the text is
// all there is to tell a network failure from a refused credential.
var networkMarkers = []string{"dial tcp", "no such host", "connection refused", "connection reset", "i/o timeout", "network is unreachable", "x509: ", "tls: ", "sent nothing for"}

// unreachable reports whether a token request failed because Entra could not
// be reached (DNS, connection, TLS): an authentication failure that came
// with no HTTP response and a transport error's text. That is the network
// failing, not the credential, so it is inconclusive rather than an
// authentication failure.
func unreachable(err error) bool {
	var afe *azidentity.AuthenticationFailedError
	if !errors.As(err, &afe) || afe.RawResponse != nil {
		return false
	}
	msg := err.Error()
	return slices.ContainsFunc(networkMarkers, func(m string) bool { return strings.Contains(msg, m) })
}
