package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Authentication modes, the values of --auth.
const (
	AuthClientSecret      = "client-secret"
	AuthClientCertificate = "client-certificate"
	AuthWorkloadIdentity  = "workload-identity"
	AuthManagedIdentity   = "managed-identity"
	AuthAzureCLI          = "azure-cli"
	AuthAzurePipelines    = "azure-pipelines"
	AuthDeviceCode        = "device-code"
	// AuthAuto tries, in this order and stopping at the first that yields a
	// token: the environment (AZURE_CLIENT_SECRET, else
	// AZURE_CLIENT_CERTIFICATE_PATH, with AZURE_TENANT_ID and AZURE_CLIENT_ID),
	// workload identity (when AZURE_FEDERATED_TOKEN_FILE is set), GitHub
	// Actions OIDC (when ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN are set, as
	// in a job with id-token: write), managed
	// identity (after a 1 s probe of the endpoint, so that it is skipped
	// quickly off Azure) and the Azure CLI's signed-in account. A source that
	// is not configured is skipped; one that is configured and fails stops
	// the chain with its error.
	AuthAuto = "auto"
)

// AuthModes lists the accepted authentication modes.
var AuthModes = []string{AuthAuto, AuthClientSecret, AuthClientCertificate, AuthWorkloadIdentity,
	AuthManagedIdentity, AuthAzureCLI, AuthAzurePipelines, AuthGitHubOIDC, AuthDeviceCode}

// AuthChainHelp describes AuthAuto for flag help.
const AuthChainHelp = "auto tries environment (AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH) → workload identity (AZURE_FEDERATED_TOKEN_FILE) → github-oidc (ACTIONS_ID_TOKEN_REQUEST_URL) → managed identity (1 s probe) → azure cli"

// CredentialOptions select and configure a credential. Empty fields are
// filled from the environment by ApplyEnv: flags override the environment.
// The client secret and certificate password are read from the environment
// only, never from flags.
type CredentialOptions struct {
	Mode     string
	TenantID string
	ClientID string
	// ClientSecret is AZURE_CLIENT_SECRET.
	ClientSecret string
	// CertificatePath is a PEM or PKCS#12 file holding the certificate and
	// its private key (AZURE_CLIENT_CERTIFICATE_PATH); CertificatePassword
	// decrypts it (AZURE_CLIENT_CERTIFICATE_PASSWORD).
	CertificatePath     string
	CertificatePassword string
	// FederatedTokenFile is AZURE_FEDERATED_TOKEN_FILE.
	FederatedTokenFile string
	// ServiceConnectionID and SystemAccessToken are Azure Pipelines'
	// AZURESUBSCRIPTION_SERVICE_CONNECTION_ID and SYSTEM_ACCESSTOKEN.
	ServiceConnectionID string
	SystemAccessToken   string
	// GitHubTokenURL and GitHubRequestToken are GitHub Actions'
	// ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN, set in
	// a job with `permissions: id-token: write` (AuthGitHubOIDC).
	GitHubTokenURL     string
	GitHubRequestToken string
	// Cloud gives the authority host; instance discovery is disabled for
	// hosts that are not Entra ID's.
	Cloud Cloud
	// Transport sends the token requests (nil: Go's default transport).
	// Redirects are never followed, whatever client it is: a token request
	// carries the secret or assertion.
	Transport policy.Transporter
	// HeaderTimeout and IdleTimeout bound each token request's wait for
	// headers and for the next byte of the body (DefaultHeaderTimeout and
	// DefaultIdleTimeout when 0); a stalled request is retried.
	HeaderTimeout, IdleTimeout time.Duration
	// Prompt receives the device code instructions (nil: os.Stderr).
	Prompt io.Writer
}

// ApplyEnv fills the empty fields of o from the environment, read through
// lookup (os.LookupEnv when nil). It returns the authority host from
// AZURE_AUTHORITY_HOST, for ResolveCloud, or "".
func (o *CredentialOptions) ApplyEnv(lookup func(string) (string, bool)) (authorityHost string) {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	fill := func(dst *string, names ...string) {
		for _, n := range names {
			if *dst != "" {
				return
			}
			if v, ok := lookup(n); ok {
				*dst = strings.TrimSpace(v)
			}
		}
	}
	fill(&o.TenantID, "AZURE_TENANT_ID")
	fill(&o.ClientID, "AZURE_CLIENT_ID")
	if o.Mode == AuthAzurePipelines {
		fill(&o.TenantID, "AZURESUBSCRIPTION_TENANT_ID")
		fill(&o.ClientID, "AZURESUBSCRIPTION_CLIENT_ID")
	}
	if v, ok := lookup("AZURE_CLIENT_SECRET"); ok && o.ClientSecret == "" {
		o.ClientSecret = v // not trimmed: a secret is used as given
	}
	fill(&o.CertificatePath, "AZURE_CLIENT_CERTIFICATE_PATH")
	if v, ok := lookup("AZURE_CLIENT_CERTIFICATE_PASSWORD"); ok && o.CertificatePassword == "" {
		o.CertificatePassword = v
	}
	fill(&o.FederatedTokenFile, "AZURE_FEDERATED_TOKEN_FILE")
	fill(&o.ServiceConnectionID, "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID")
	if v, ok := lookup("SYSTEM_ACCESSTOKEN"); ok && o.SystemAccessToken == "" {
		o.SystemAccessToken = v
	}
	fill(&o.GitHubTokenURL, "ACTIONS_ID_TOKEN_REQUEST_URL")
	if v, ok := lookup("ACTIONS_ID_TOKEN_REQUEST_TOKEN"); ok && o.GitHubRequestToken == "" {
		o.GitHubRequestToken = v
	}
	fill(&authorityHost, "AZURE_AUTHORITY_HOST")
	return authorityHost
}

// NewCredential returns the one credential that o.Mode names. It checks that
// the mode's settings are present but does not contact anyone: the first
// token is requested by the first Graph call.
func NewCredential(o CredentialOptions) (azcore.TokenCredential, error) {
	if o.Mode == "" {
		o.Mode = AuthAuto
	}
	if !slices.Contains(AuthModes, o.Mode) {
		return nil, fmt.Errorf("unknown auth mode %q (valid: %s)", o.Mode, strings.Join(AuthModes, ", "))
	}
	o.Transport = tokenTransport(o)
	co := azcore.ClientOptions{Transport: o.Transport}
	if o.Cloud.AuthorityHost != "" {
		co.Cloud = cloud.Configuration{ActiveDirectoryAuthorityHost: o.Cloud.AuthorityHost}
	}
	noDiscovery := o.Cloud.AuthorityHost != "" && !o.Cloud.KnownAuthority()
	need := func(what ...string) error {
		var missing []string
		for i := 0; i+1 < len(what); i += 2 {
			if what[i+1] == "" {
				missing = append(missing, what[i])
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("--auth %s needs %s", o.Mode, strings.Join(missing, ", "))
		}
		return nil
	}
	switch o.Mode {
	case AuthClientSecret:
		if err := need("a tenant (--tenant or AZURE_TENANT_ID)", o.TenantID, "a client id (--client-id or AZURE_CLIENT_ID)", o.ClientID, "AZURE_CLIENT_SECRET", o.ClientSecret); err != nil {
			return nil, err
		}
		return azidentity.NewClientSecretCredential(o.TenantID, o.ClientID, o.ClientSecret,
			&azidentity.ClientSecretCredentialOptions{ClientOptions: co, DisableInstanceDiscovery: noDiscovery})
	case AuthClientCertificate:
		if err := need("a tenant (--tenant or AZURE_TENANT_ID)", o.TenantID, "a client id (--client-id or AZURE_CLIENT_ID)", o.ClientID, "a certificate (--client-certificate or AZURE_CLIENT_CERTIFICATE_PATH)", o.CertificatePath); err != nil {
			return nil, err
		}
		data, err := os.ReadFile(o.CertificatePath)
		if err != nil {
			return nil, fmt.Errorf("read client certificate: %w", err)
		}
		var pw []byte
		if o.CertificatePassword != "" {
			pw = []byte(o.CertificatePassword)
		}
		certs, key, err := azidentity.ParseCertificates(data, pw)
		if err != nil {
			return nil, fmt.Errorf("read client certificate %s: %w", o.CertificatePath, err)
		}
		return azidentity.NewClientCertificateCredential(o.TenantID, o.ClientID, certs, key,
			&azidentity.ClientCertificateCredentialOptions{ClientOptions: co, DisableInstanceDiscovery: noDiscovery, SendCertificateChain: true})
	case AuthWorkloadIdentity:
		if err := need("a tenant (--tenant or AZURE_TENANT_ID)", o.TenantID, "a client id (--client-id or AZURE_CLIENT_ID)", o.ClientID, "AZURE_FEDERATED_TOKEN_FILE", o.FederatedTokenFile); err != nil {
			return nil, err
		}
		return azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
			ClientOptions: co, DisableInstanceDiscovery: noDiscovery,
			TenantID: o.TenantID, ClientID: o.ClientID, TokenFilePath: o.FederatedTokenFile})
	case AuthManagedIdentity:
		mo := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: co}
		if o.ClientID != "" {
			mo.ID = azidentity.ClientID(o.ClientID)
		}
		return azidentity.NewManagedIdentityCredential(mo)
	case AuthAzureCLI:
		return azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: o.TenantID})
	case AuthAzurePipelines:
		if err := need("a tenant (--tenant, AZURE_TENANT_ID or AZURESUBSCRIPTION_TENANT_ID)", o.TenantID,
			"a client id (--client-id, AZURE_CLIENT_ID or AZURESUBSCRIPTION_CLIENT_ID)", o.ClientID,
			"AZURESUBSCRIPTION_SERVICE_CONNECTION_ID", o.ServiceConnectionID, "SYSTEM_ACCESSTOKEN", o.SystemAccessToken); err != nil {
			return nil, err
		}
		return azidentity.NewAzurePipelinesCredential(o.TenantID, o.ClientID, o.ServiceConnectionID, o.SystemAccessToken,
			&azidentity.AzurePipelinesCredentialOptions{ClientOptions: co, DisableInstanceDiscovery: noDiscovery})
	case AuthGitHubOIDC:
		if err := need("a tenant (--tenant or AZURE_TENANT_ID)", o.TenantID, "a client id (--client-id or AZURE_CLIENT_ID)", o.ClientID,
			"ACTIONS_ID_TOKEN_REQUEST_URL (a GitHub Actions job with `permissions: id-token: write`)", o.GitHubTokenURL,
			"ACTIONS_ID_TOKEN_REQUEST_TOKEN", o.GitHubRequestToken); err != nil {
			return nil, err
		}
		return newGitHubOIDCCredential(o, co, noDiscovery)
	case AuthDeviceCode:
		prompt := o.Prompt
		if prompt == nil {
			prompt = os.Stderr
		}
		return azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
			ClientOptions: co, DisableInstanceDiscovery: noDiscovery, TenantID: o.TenantID, ClientID: o.ClientID,
			UserPrompt: func(_ context.Context, m azidentity.DeviceCodeMessage) error {
				_, err := fmt.Fprintln(prompt, m.Message)
				return err
			}})
	}
	return newAutoCredential(o)
}

// tokenTransport bounds the token requests as the Graph requests are
// bounded (time, size) and refuses redirects, naming them.
func tokenTransport(o CredentialOptions) policy.Transporter {
	if _, ok := o.Transport.(tokenGuard); ok {
		return o.Transport // already wrapped (the auto chain builds its sources through NewCredential)
	}
	h, idle := o.HeaderTimeout, o.IdleTimeout
	if h <= 0 {
		h = DefaultHeaderTimeout
	}
	if idle <= 0 {
		idle = DefaultIdleTimeout
	}
	return tokenGuard{&guard{next: noRedirects(o.Transport), limit: maxTokenBytes, header: h, idle: idle}}
}

// newAutoCredential builds the AuthAuto chain.
func newAutoCredential(o CredentialOptions) (azcore.TokenCredential, error) {
	var sources []azcore.TokenCredential
	add := func(mode string) error {
		oo := o
		oo.Mode = mode
		c, err := NewCredential(oo)
		if err != nil {
			return fmt.Errorf("--auth auto: %w", err)
		}
		sources = append(sources, c)
		return nil
	}
	switch {
	case o.ClientSecret != "":
		if err := add(AuthClientSecret); err != nil {
			return nil, err
		}
	case o.CertificatePath != "":
		if err := add(AuthClientCertificate); err != nil {
			return nil, err
		}
	}
	if o.FederatedTokenFile != "" {
		if err := add(AuthWorkloadIdentity); err != nil {
			return nil, err
		}
	}
	if o.GitHubTokenURL != "" && o.GitHubRequestToken != "" {
		if err := add(AuthGitHubOIDC); err != nil {
			return nil, err
		}
	}
	oo := o
	oo.Mode = AuthManagedIdentity
	mi, err := NewCredential(oo)
	if err != nil {
		return nil, fmt.Errorf("--auth auto: %w", err)
	}
	sources = append(sources, &probedCredential{cred: mi, timeout: time.Second, what: "managed identity"})
	if err := add(AuthAzureCLI); err != nil {
		return nil, err
	}
	return azidentity.NewChainedTokenCredential(sources, nil)
}

// probedCredential gives its first token request a short deadline and turns
// a failure to reach the endpoint into "credential unavailable", so that a
// chain moves on quickly where there is no managed identity endpoint.
type probedCredential struct {
	cred    azcore.TokenCredential
	timeout time.Duration
	what    string
	probed  bool
}

func (p *probedCredential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	if p.probed {
		return p.cred.GetToken(ctx, opts)
	}
	pctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	tk, err := p.cred.GetToken(pctx, opts)
	if err != nil {
		var af *azidentity.AuthenticationFailedError
		if ctx.Err() == nil && !errors.As(err, &af) {
			return tk, azidentity.NewCredentialUnavailableError(fmt.Sprintf("%s: no endpoint answered within %s", p.what, p.timeout))
		}
		return tk, err
	}
	p.probed = true
	return tk, nil
}
