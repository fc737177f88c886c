package fetch

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
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
		AppID, Azp, Oid, Upn, Tid, Idtyp string
		PreferredUsername                string `json:"preferred_username"`
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

	mu        sync.Mutex
	principal Principal
}

func (r *recordingCredential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tk, err := r.cred.GetToken(ctx, opts)
	if err != nil {
		if ctx.Err() != nil {
			return tk, err
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
