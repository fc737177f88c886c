// Package graphfake is an in-process emulator of the Microsoft services
// authgate talks to: the Entra ID token endpoint (OIDC metadata, the client
// credentials grant with a client secret, a certificate-signed client
// assertion or a federated token) and Microsoft Graph's three
// authentication-methods reports (usersRegisteredByFeature,
// usersRegisteredByMethod and the paged userRegistrationDetails list), in both
// v1.0 and beta, over TLS on the loopback interface.
//
// The emulated tenant is synthetic (package tenantgen): tenantgen.GenerateUser
// derives user i from a seed,
// so any page of a 1,000,000-user tenant is served without holding the tenant
// in memory. The server enforces the reports service's rate limit (429 with
// Retry-After), requires bearer tokens it issued, and can be armed with
// one-shot or N-shot faults (Server.Inject): 5xx, throttling bursts,
// connection resets, slow and truncated responses, expired tokens, the three
// 403 causes Graph reports, a foreign or looping nextLink.
//
// It fakes Microsoft's servers only: tests drive the real azidentity
// credentials and the real HTTP client against it, using Server.Client (or
// Server.CertPool) to trust its self-signed certificate, and
// azidentity options DisableInstanceDiscovery with
// Cloud.ActiveDirectoryAuthorityHost set to Server.AuthorityHost so that no
// request leaves for Microsoft's public hosts.
package graphfake
