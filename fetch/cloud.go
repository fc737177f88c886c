package fetch

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Cloud names the Microsoft Graph and Entra ID endpoints of one cloud.
type Cloud struct {
	// Name is global, usgov, usgovdod, china or custom (see snapshot.Clouds).
	Name string
	// GraphURL is the Graph root without the API version, e.g.
	// https://graph.microsoft.com.
	GraphURL string
	// AuthorityHost is the Entra ID authority, e.g.
	// https://login.microsoftonline.com/.
	AuthorityHost string
}

// National clouds: each has its own Graph and Entra hosts.
var (
	CloudGlobal   = Cloud{"global", "https://graph.microsoft.com", "https://login.microsoftonline.com/"}
	CloudUSGov    = Cloud{"usgov", "https://graph.microsoft.us", "https://login.microsoftonline.us/"}
	CloudUSGovDoD = Cloud{"usgovdod", "https://dod-graph.microsoft.us", "https://login.microsoftonline.us/"}
	CloudChina    = Cloud{"china", "https://microsoftgraph.chinacloudapi.cn", "https://login.chinacloudapi.cn/"}
)

var clouds = []Cloud{CloudGlobal, CloudUSGov, CloudUSGovDoD, CloudChina}

// CloudNames lists the names ResolveCloud accepts.
func CloudNames() []string {
	names := make([]string, len(clouds))
	for i, c := range clouds {
		names[i] = c.Name
	}
	return names
}

// knownAuthorities are Entra ID's public authority hosts, for which instance
// discovery is left on.
var knownAuthorities = []string{
	"login.microsoftonline.com", "login.microsoftonline.us", "login.chinacloudapi.cn",
	"login.microsoft.com", "login.windows.net", "login.partner.microsoftonline.cn",
}

// ResolveCloud returns the endpoints of the named cloud ("" means global),
// overridden by graphURL and authorityHost when they are not empty. A Graph
// URL other than a national cloud's makes the cloud "custom". Both URLs must
// be https; a trailing /v1.0 or /beta on the Graph URL is dropped (the API
// version is chosen separately).
func ResolveCloud(name, graphURL, authorityHost string) (Cloud, error) {
	if name == "" {
		name = CloudGlobal.Name
	}
	i := slices.IndexFunc(clouds, func(c Cloud) bool { return c.Name == name })
	if i < 0 {
		return Cloud{}, fmt.Errorf("unknown cloud %q (valid: %s)", name, strings.Join(CloudNames(), ", "))
	}
	c := clouds[i]
	if graphURL != "" {
		u, err := httpsURL("--graph-url", graphURL)
		if err != nil {
			return Cloud{}, err
		}
		p := strings.TrimSuffix(u.Path, "/")
		p = strings.TrimSuffix(strings.TrimSuffix(p, "/v1.0"), "/beta")
		u.Path, u.RawPath, u.RawQuery, u.Fragment = p, "", "", ""
		if g := u.String(); g != c.GraphURL {
			c.GraphURL, c.Name = g, "custom"
		}
	}
	if authorityHost != "" {
		u, err := httpsURL("--authority-host", authorityHost)
		if err != nil {
			return Cloud{}, err
		}
		if !strings.HasSuffix(u.Path, "/") {
			u.Path += "/"
		}
		c.AuthorityHost = u.String()
	}
	return c, nil
}

func httpsURL(flag, s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("%s %q: want an absolute https URL", flag, s)
	}
	if u.Scheme != "https" {
		return nil, fmt.Errorf("%s %q: want https (a bearer token is never sent in clear text)", flag, s)
	}
	return u, nil
}

// KnownAuthority reports whether the authority host is one of Entra ID's
// public hosts. For any other host instance discovery must be disabled, so
// that no request leaves for Microsoft's hosts.
func (c Cloud) KnownAuthority() bool {
	u, err := url.Parse(c.AuthorityHost)
	if err != nil {
		return false
	}
	return slices.Contains(knownAuthorities, strings.ToLower(u.Hostname())) && u.Port() == ""
}

// Scope is the .default scope of the cloud's Graph.
func (c Cloud) Scope() string { return c.GraphURL + "/.default" }
