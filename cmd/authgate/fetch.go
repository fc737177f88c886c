package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/authgate/authgate/fetch"
	"github.com/authgate/authgate/gate"
	"github.com/authgate/authgate/snapshot"
)

// fetchOptions are the flags of fetch (and of run, which adds check's).
type fetchOptions struct {
	out           string
	tenant        string
	clientID      string
	clientCert    string
	auth          string
	cloud         string
	graphURL      string
	authorityHost string
	api           string
	summaries     string
	rate          string
	resume        bool
	maxPages      int
	debug         bool
	include       []string
	usagePeriod   string
	maxPageBytes  string
	quiet         bool
	runOut        bool     // out is run's --snapshot-out
	config        string   // fetch --config: authgate.yaml whose exclusion groups to resolve
	groups        []string // exclusion groups to resolve (run: from check's --config)
}

// fetchEnv is where a fetch runs, when it is not the real world: the demo
// and the tests point it at the emulator. The zero fetchEnv is the real one.
type fetchEnv struct {
	httpClient *http.Client                // Graph and token requests (the emulator's TLS)
	lookupEnv  func(string) (string, bool) // the environment (os.LookupEnv when nil)
	tune       func(*fetch.Options)        // last-minute changes (retry delays in tests)
}

// addFetchFlags registers fetch's flags on fs, except the output file, which
// fetch calls -o and run calls --snapshot-out.
func addFetchFlags(fs *pflag.FlagSet, o *fetchOptions) {
	fs.StringVar(&o.tenant, "tenant", "", "Entra tenant `ID` (default: AZURE_TENANT_ID, or the token's tenant)")
	fs.StringVar(&o.clientID, "client-id", "", "application (client) `ID` (default: AZURE_CLIENT_ID)")
	fs.StringVar(&o.clientCert, "client-certificate", "", "PEM or PKCS#12 `FILE` with the certificate and key for --auth client-certificate (default: AZURE_CLIENT_CERTIFICATE_PATH; password in AZURE_CLIENT_CERTIFICATE_PASSWORD)")
	fs.StringVar(&o.auth, "auth", fetch.AuthAuto, "authentication `MODE`: "+strings.Join(fetch.AuthModes, "|")+"; "+fetch.AuthChainHelp+". The client secret is read from AZURE_CLIENT_SECRET only")
	fs.StringVar(&o.cloud, "cloud", "global", "national cloud: "+strings.Join(fetch.CloudNames(), "|"))
	fs.StringVar(&o.graphURL, "graph-url", "", "Graph root `URL` for a private cloud or an emulator (https; overrides --cloud's)")
	fs.StringVar(&o.authorityHost, "authority-host", "", "Entra authority `URL` (default: AZURE_AUTHORITY_HOST, else --cloud's); a host that is not Entra's disables instance discovery")
	fs.StringVar(&o.api, "api", "v1.0", "Graph API version: "+strings.Join(snapshot.APIVersions, "|"))
	fs.StringVar(&o.summaries, "summaries", fetch.SummariesAuto, "summary reports: auto (Graph, else derived from the per-user list after a 403)|graph|derived")
	fs.StringVar(&o.rate, "rate", fetch.DefaultRate.String(), "client-side pace of Graph requests, `N/DURATION` (the reports service allows about 5 per 10s); 0 or off disables")
	fs.BoolVar(&o.resume, "resume", false, "continue an interrupted fetch to the same output from its last completed page")
	fs.IntVar(&o.maxPages, "max-pages", fetch.DefaultMaxPages, "stop (inconclusive) after `N` pages of the per-user report")
	fs.BoolVar(&o.debug, "debug", false, "log every HTTP request to stderr: method, URL, status, duration, request id (secrets and tokens redacted)")
	fs.StringSliceVar(&o.include, "include", nil, "optional `SECTION`s to add: "+strings.Join(fetch.Includes, "|")+" (usage: registration and reset failure rates per method and the MFA sign-in mix, Graph beta; roles: directory role holders, PIM-eligible ones and role-assignable groups' members, needs "+fetch.RolesPermissions+"; policy: the authentication methods policy and its target groups' users, needs "+fetch.PermissionMethodsPolicy+" and "+fetch.PermissionGroupMembers+"; all: every section)")
	fs.StringVar(&o.usagePeriod, "usage-period", fetch.DefaultUsagePeriod, "period of --include usage: "+strings.Join(snapshot.UsagePeriods, "|"))
	fs.StringVar(&o.maxPageBytes, "max-page-bytes", "64MiB", "largest Graph answer accepted, after decompression, `SIZE` (e.g. 64MiB); a larger page ends the fetch (exit 4)")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "no progress display or progress lines on stderr")
	enumFlag(fs, "auth", fetch.AuthModes...)
	enumFlag(fs, "cloud", fetch.CloudNames()...)
	enumFlag(fs, "api", snapshot.APIVersions...)
	enumFlag(fs, "summaries", fetch.SummaryModes...)
	enumFlag(fs, "include", fetch.Includes...)
	enumFlag(fs, "usage-period", snapshot.UsagePeriods...)
}

func cmdFetch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o fetchOptions
	fs := newFlagSet("fetch", "fetch -o FILE [flags]", stdout)
	fs.StringVarP(&o.out, "output-file", "o", "", "snapshot `FILE` to write (required; written atomically, mode 0600)")
	addFetchFlags(fs, &o)
	fs.StringVar(&o.config, "config", "", "configuration `FILE` (authgate.yaml): fetch the members of the groups its exclusions name")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("fetch: unexpected argument %q", fs.Arg(0))
	}
	_, err := runFetch(ctx, &o, fetchEnv{}, stderr)
	return err
}

// runFetch fetches the snapshot to o.out and returns its path. It reports on
// stderr the auth mode, the principal and the counts. Authentication,
// permission and licence failures are *authError; flag errors *gate.InputError.
func runFetch(ctx context.Context, o *fetchOptions, env fetchEnv, stderr io.Writer) (string, error) {
	if o.out == "" {
		return "", usagef("fetch: -o FILE is required")
	}
	auth, err := fetch.ParseAuthMode(o.auth)
	if err != nil {
		return "", asUsage(err)
	}
	rate, err := fetch.ParseRate(o.rate)
	if err != nil {
		return "", usagef("--rate: %v", err)
	}
	sections, err := fetch.ParseIncludes(o.include)
	if err != nil {
		return "", asUsage(err)
	}
	fo := fetch.Options{AuthMode: auth, APIVersion: fetch.APIVersion(o.api), Summaries: fetch.SummaryMode(o.summaries),
		Rate: rate, MaxPages: o.maxPages, Resume: o.resume, Tool: readBuildInfo().Version, UsagePeriod: o.usagePeriod}
	sections.Apply(&fo)
	groups, err := gate.ExclusionGroups(o.config)
	if err != nil {
		return "", err
	}
	fo.ExclusionGroups = append(groups, o.groups...)
	if o.maxPages <= 0 {
		return "", usagef("--max-pages %d: want a positive number", o.maxPages)
	}
	if o.maxPageBytes != "" { // "" (demo): the default
		if fo.MaxPageBytes, err = fetch.ParseByteSize(o.maxPageBytes); err != nil {
			return "", usagef("--max-page-bytes: %v", err)
		}
	}
	if err := fo.Validate(); err != nil {
		return "", asUsage(err)
	}
	flag := "-o"
	if o.runOut {
		flag = "--snapshot-out"
	}
	if err := gate.CheckPaths([]gate.PathArg{{Flag: flag, Path: o.out}, {Flag: flag + " (the partial file)", Path: o.out + ".partial"},
		{Flag: flag + " (the checkpoint)", Path: o.out + ".partial.json"}},
		[]gate.PathArg{{Flag: "--client-certificate", Path: o.clientCert}, {Flag: "--config", Path: o.config}}); err != nil {
		return "", err
	}

	if o.debug {
		env.httpClient = fetch.NewDebugClient(env.httpClient, stderr)
	}
	co := fetch.CredentialOptions{Mode: o.auth, TenantID: o.tenant, ClientID: o.clientID, CertificatePath: o.clientCert, Prompt: stderr}
	envAuthority := co.ApplyEnv(env.lookupEnv)
	authority := o.authorityHost
	if authority == "" {
		authority = envAuthority
	}
	cloud, err := fetch.ResolveCloud(o.cloud, o.graphURL, authority)
	if err != nil {
		if !slices.Contains(fetch.CloudNames(), o.cloud) {
			return "", usagef("--cloud: %v", err)
		}
		return "", asUsage(err)
	}
	co.Cloud = cloud
	if env.httpClient != nil {
		co.Transport = env.httpClient
	}
	cred, err := fetch.NewCredential(co)
	if err != nil {
		return "", &authError{fmt.Errorf("set up credential: %w", err)}
	}

	fo.Credential, fo.TenantID, fo.Cloud, fo.HTTPClient = cred, co.TenantID, cloud, env.httpClient
	if !o.quiet {
		w := progressWriters(stderr)
		fo.Progress, fo.ProgressLines = w.Live, w.Lines
	}
	if env.tune != nil {
		env.tune(&fo)
	}
	fmt.Fprintf(stderr, "authgate: fetching from %s (%s, %s) with --auth %s, pace %s\n", cloud.GraphURL, cloud.Name, o.api, o.auth, rate)
	res, err := fetch.Fetch(ctx, o.out, fo)
	if err != nil {
		if fetch.IsAuthFailure(err) {
			return "", &authError{fmt.Errorf("fetch: %w", err)}
		}
		return "", fmt.Errorf("fetch: %w", err)
	}
	res.WriteReport(stderr)
	return res.Path, nil
}
