package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-json-experiment/json"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// AuthGitHubOIDC signs in from a GitHub Actions job with the workflow's
// OpenID Connect token: the job needs `permissions: id-token: write`, and the
// app registration a federated credential for the repository. No client
// secret and no Azure CLI step are needed.
const AuthGitHubOIDC = "github-oidc"

// GitHubAudience is the audience Entra ID expects of a federated token.
const GitHubAudience = "api://AzureADTokenExchange"

// maxOIDCAnswer bounds the GitHub token service's answer.
const maxOIDCAnswer = 1 << 20

// newGitHubOIDCCredential exchanges the workflow's OIDC token, fetched
// afresh for every Entra token request, through azidentity's client
// assertion credential.
func newGitHubOIDCCredential(o CredentialOptions, co azcore.ClientOptions, noDiscovery bool) (azcore.TokenCredential, error) {
	u, err := url.Parse(o.GitHubTokenURL)
	if err != nil || !u.IsAbs() {
		return nil, errors.New("--auth github-oidc: ACTIONS_ID_TOKEN_REQUEST_URL is not an absolute URL")
	}
	q := u.Query()
	q.Set("audience", GitHubAudience)
	u.RawQuery = q.Encode()
	tokenURL, requestToken, transport := u.String(), o.GitHubRequestToken, o.Transport
	getAssertion := func(ctx context.Context) (string, error) {
		return gitHubOIDCToken(ctx, transport, tokenURL, requestToken)
	}
	return azidentity.NewClientAssertionCredential(o.TenantID, o.ClientID, getAssertion,
		&azidentity.ClientAssertionCredentialOptions{ClientOptions: co, DisableInstanceDiscovery: noDiscovery})
}

// gitHubOIDCToken asks the GitHub Actions token service for the job's OIDC
// token. The request token and the answer never appear in errors.
func gitHubOIDCToken(ctx context.Context, transport policy.Transporter, tokenURL, requestToken string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, tokenURL, nil)
	if err != nil {
		return "", fmt.Errorf("request the GitHub OIDC token: %w", err)
	}
	req.Header.Set("Authorization", "bearer "+requestToken)
	req.Header.Set("Accept", "application/json")
	if transport == nil {
		transport = http.DefaultClient
	}
	resp, err := transport.Do(req)
	if err != nil {
		return "", fmt.Errorf("request the GitHub OIDC token from %s: %w", hostOf(tokenURL), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxOIDCAnswer))
	if err != nil {
		return "", fmt.Errorf("read the GitHub OIDC token: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("request the GitHub OIDC token from %s: answered %d; fix: give the job `permissions: id-token: write`", hostOf(tokenURL), resp.StatusCode)
	}
	var answer struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(body, &answer); err != nil || strings.Count(answer.Value, ".") != 2 {
		return "", fmt.Errorf("read the GitHub OIDC token from %s: the answer holds no token", hostOf(tokenURL))
	}
	return answer.Value, nil
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return "the token service"
}
