package fetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/authgate/authgate/snapshot"
)

// Summary modes, the values of --summaries.
const (
	// SummariesAuto asks Graph for every summary scope and, at the first 403
	// (the summaries are delegated-only), derives every scope it can from
	// the per-user list instead.
	SummariesAuto = "auto"
	// SummariesGraph asks Graph and fails on any error.
	SummariesGraph = "graph"
	// SummariesDerived never asks Graph: it derives what it can.
	SummariesDerived = "derived"
)

// SummaryModes lists the accepted summary modes.
var SummaryModes = []string{SummariesAuto, SummariesGraph, SummariesDerived}

// DefaultMaxPages is the default page cap of the per-user list: 5,000 pages
// of up to 999 users is about 5 million users.
const DefaultMaxPages = 5000

// Options configure Fetch.
type Options struct {
	// Credential gets the Graph tokens (see NewCredential). Required.
	Credential azcore.TokenCredential
	// AuthMode is recorded in the manifest ("custom" when empty).
	AuthMode AuthMode
	// TenantID is recorded in the manifest; when empty, the token's tid.
	TenantID string
	// Cloud gives the Graph endpoint and token scope. Required.
	Cloud Cloud
	// APIVersion is APIv1 (default) or APIBeta.
	APIVersion APIVersion
	// Summaries is SummariesAuto (default), SummariesGraph or SummariesDerived.
	Summaries SummaryMode
	// Rate paces every Graph request; the zero Rate does not pace.
	Rate Rate
	// MaxPages caps the per-user pages (DefaultMaxPages when 0).
	MaxPages int
	// HTTPClient sends the Graph requests (nil: a default client). Redirects
	// are never followed.
	HTTPClient *http.Client
	// MaxRetries, RetryDelay, MaxRetryDelay and TryTimeout tune azcore's
	// retry policy (defaults 5, 2 s, 2 min, 2 min).
	MaxRetries    int
	RetryDelay    time.Duration
	MaxRetryDelay time.Duration
	TryTimeout    time.Duration
	// Resume continues from the checkpoint an interrupted fetch to the same
	// output left, where Graph still accepts its nextLink.
	Resume bool
	// MaxPageBytes caps each answer's body after decompression
	// (DefaultMaxPageBytes when 0); a larger page ends the fetch.
	MaxPageBytes int64
	// HeaderTimeout bounds the wait for an answer's headers and IdleTimeout
	// the wait for the next byte of its body, on every Graph and token
	// request (DefaultHeaderTimeout and DefaultIdleTimeout when 0). A
	// request that runs out of either is retried like any network failure.
	HeaderTimeout time.Duration
	IdleTimeout   time.Duration
	// Progress, when not nil, receives a one-line progress display
	// (rewritten with \r); pass a terminal only.
	Progress io.Writer
	// ProgressLines, when not nil and Progress is nil, receives plain
	// progress lines (for logs): one every ProgressInterval (default 30 s),
	// one at each section's end, and one whenever a request stalls.
	ProgressLines    io.Writer
	ProgressInterval time.Duration
	// Tool is the authgate version, recorded in the manifest.
	Tool string
	// Usage adds the usage section (--include usage, see fetchUsage) over
	// UsagePeriod: d1, d7 or d30 (DefaultUsagePeriod when empty).
	Usage       bool
	UsagePeriod string
	// Roles adds the roles section (--include roles, see fetchRoles).
	Roles bool
	// ExclusionGroups are group ids whose transitive user members are
	// fetched into the exclusionGroups section (fetch --config).
	ExclusionGroups []string
	// MethodsPolicy adds the authentication methods policy section
	// (--include policy, see fetchMethodsPolicy).
	MethodsPolicy bool
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Result describes a completed fetch.
type Result struct {
	// Path is the snapshot written.
	Path string
	// Manifest is the manifest as written.
	Manifest snapshot.Manifest
	// Principal is who the token was issued to.
	Principal Principal
	// Resumed is true when the fetch continued from a checkpoint, and
	// Restarted when the checkpoint's nextLink was refused and it started over.
	Resumed, Restarted bool
	// Warnings are things the fetch worked around and the person running it
	// should know (rows Graph listed twice).
	Warnings []string
}

// fetcher is the state of one Fetch.
type fetcher struct {
	o     Options
	out   string
	cred  *recordingCredential
	cl    *client
	count counters
	cp    checkpoint
	w     *snapshot.Writer
	f     *os.File
	prog  *progress
	total int64 // users expected (from Graph's all/all summary), or 0

	userBuf []byte
	user    snapshot.UserRegistrationDetails
	rows    *rowSet // the users written so far, to spot repeats
	dec     *snapshot.UserDecoder
	roles   *snapshot.Roles // the roles section, when Options.Roles

	exclusionGroups []snapshot.RoleGroup    // when Options.ExclusionGroups
	usage           *snapshot.Usage         // the usage section, when Options.Usage
	policy          *snapshot.MethodsPolicy // the policy section, when Options.MethodsPolicy
}

// Fetch fetches the reports into a snapshot at out. The document is written
// to out+".partial" as pages arrive and renamed to out, mode 0600, once
// complete; out+".partial.json" holds the checkpoint. On failure nothing is
// left at out. When the failure is an interruption (ctx cancelled, network
// or Graph unavailable after retries) the partial file and checkpoint stay
// for Resume; otherwise they are removed.
func Fetch(ctx context.Context, out string, o Options) (_ *Result, err error) {
	if o.Credential == nil {
		return nil, errors.New("fetch: no credential")
	}
	if o.Cloud.GraphURL == "" {
		return nil, errors.New("fetch: no Graph endpoint")
	}
	if err := o.Validate(); err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	setDefaults(&o)
	ft := &fetcher{o: o, out: out, cred: &recordingCredential{cred: o.Credential, mode: string(o.AuthMode)}, rows: newRowSet()}
	ft.prog = newProgress(o.Progress, o.ProgressLines, o.ProgressInterval, &ft.count)
	defer ft.prog.stop()
	if ft.prog != nil {
		ft.cred.slow, ft.cred.slowAfter = ft.prog.note, o.HeaderTimeout
	}
	ft.cl, err = newClient(&ft.o, ft.cred, &ft.count, ft.prog.note)
	if err != nil {
		return nil, err
	}
	res := &Result{Path: out}
	resumable := false
	defer func() {
		if ft.f != nil {
			ft.f.Close()
		}
		if err != nil {
			if resumable && ft.cp.Offset > 0 && isInterruption(ctx, err) {
				var ge *GraphError
				if errors.As(err, &ge) && ge.RetryAfter > 0 {
					err = fmt.Errorf("%w (the fetched pages are kept: once Graph's wait is over, run again with --resume to continue)", err)
				} else {
					err = fmt.Errorf("%w (the fetched pages are kept: run again with --resume to continue)", err)
				}
				return
			}
			os.Remove(ft.partialPath())
			os.Remove(ft.checkpointPath())
		}
	}()

	if o.Resume {
		res.Resumed, err = ft.resume()
		if err != nil {
			return nil, err
		}
	}
	if !res.Resumed {
		if err := ft.start(); err != nil {
			return nil, err
		}
		if err := ft.summaries(ctx); err != nil {
			return nil, err
		}
		ft.prog.boundary("summaries complete")
	}
	resumable = true
	restarted, err := ft.users(ctx, res.Resumed)
	if err != nil {
		return nil, err
	}
	res.Restarted = restarted
	if err := ft.fetchUsage(ctx); err != nil {
		return nil, err
	}
	if o.Usage {
		ft.prog.boundary("usage complete")
	}
	if err := ft.fetchRoles(ctx); err != nil {
		return nil, err
	}
	if o.Roles {
		ft.prog.boundary("roles complete")
	}
	if err := ft.fetchMethodsPolicy(ctx); err != nil {
		return nil, err
	}
	m, err := ft.finish()
	if err != nil {
		return nil, err
	}
	res.Manifest = m
	res.Principal = ft.cred.Principal()
	if m.DuplicateRows > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("Graph listed %d user rows more than once with the same content (the report may have refreshed during the fetch); each user is kept once, and the manifest's duplicateRows says how many repeats were dropped", m.DuplicateRows))
	}
	return res, nil
}

// isInterruption reports whether err leaves a fetch that a later run could
// continue: a cancelled context or a network or server failure, as opposed
// to an authentication or paging failure that would recur.
func isInterruption(ctx context.Context, err error) bool {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	if IsAuthFailure(err) || errors.Is(err, ErrPaging) || errors.Is(err, ErrAnswer) || errors.Is(err, ErrRow) || errors.Is(err, ErrChanged) {
		return false
	}
	var ge *GraphError
	if errors.As(err, &ge) {
		return ge.StatusCode == http.StatusTooManyRequests || ge.StatusCode >= 500
	}
	var pe *os.PathError
	return !errors.As(err, &pe) // a network error, not a local file error
}

func (ft *fetcher) partialPath() string    { return ft.out + ".partial" }
func (ft *fetcher) checkpointPath() string { return ft.out + ".partial.json" }

func (ft *fetcher) endpoint() string {
	return ft.o.Cloud.GraphURL + "/" + string(ft.o.APIVersion) + "/reports/authenticationMethods/"
}

func (ft *fetcher) firstLink() string { return ft.endpoint() + "userRegistrationDetails?$top=999" }

// start creates an empty partial document and a fresh checkpoint.
func (ft *fetcher) start() error {
	f, err := os.OpenFile(ft.partialPath(), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("create snapshot: %w", err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("create snapshot: %w", err)
	}
	ft.f = f
	ft.w, err = snapshot.NewWriter(f)
	if err != nil {
		return err
	}
	ft.cp = checkpoint{
		Version:       checkpointVersion,
		GraphEndpoint: ft.o.Cloud.GraphURL,
		APIVersion:    string(ft.o.APIVersion),
		TenantID:      ft.o.TenantID,
		StartedAt:     ft.o.Now().UTC().Format(time.RFC3339),
		NextLink:      ft.firstLink(),
	}
	return nil
}

// restart discards the users fetched so far, keeping the summaries.
func (ft *fetcher) restart() error {
	if err := ft.f.Truncate(0); err != nil {
		return fmt.Errorf("restart snapshot: %w", err)
	}
	if _, err := ft.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("restart snapshot: %w", err)
	}
	var err error
	ft.w, err = snapshot.NewWriter(ft.f)
	if err != nil {
		return err
	}
	cp := &ft.cp
	cp.NextLink, cp.Offset, cp.Users, cp.Pages, cp.DuplicateRows = ft.firstLink(), 0, 0, 0, 0
	ft.rows.reset()
	cp.HashState, cp.Tally, cp.LastMin, cp.LastMax, cp.lastMin, cp.lastMax = nil, snapshot.Tally{}, "", "", time.Time{}, time.Time{}
	return nil
}

// summaries fetches (or plans to derive) the two summary reports.
func (ft *fetcher) summaries(ctx context.Context) error {
	cp := &ft.cp
	derive := ""
	if ft.o.Summaries == SummariesDerived {
		derive = "--summaries derived"
	}
	for _, s := range snapshot.SummaryScopes {
		for _, report := range []string{"usersRegisteredByFeature", "usersRegisteredByMethod"} {
			src := snapshot.SummarySource{Report: report, UserTypes: s.UserTypes, UserRoles: s.UserRoles}
			if derive == "" {
				link := fmt.Sprintf("%s%s(includedUserTypes='%s',includedUserRoles='%s')", ft.endpoint(), report, s.UserTypes, s.UserRoles)
				body, err := ft.cl.get(ctx, report, report, link)
				var ge *GraphError
				if err != nil && ft.o.Summaries == SummariesAuto && errors.As(err, &ge) && ge.StatusCode == http.StatusForbidden {
					derive = fmt.Sprintf("Graph answered 403 %s: the summaries are delegated-only", ge.Code)
				} else if err != nil {
					return err
				} else {
					if err := cp.addSummary(report, body); err != nil {
						return err
					}
					if report == "usersRegisteredByFeature" && s == (snapshot.Scope{UserTypes: "all", UserRoles: "all"}) {
						ft.total = cp.Feature[len(cp.Feature)-1].TotalUserCount
					}
					src.Source = snapshot.SourceGraph
					cp.Sources = append(cp.Sources, src)
					continue
				}
			}
			src.Source, src.Reason = snapshot.SourceDerived, derive
			if !slices.Contains(snapshot.DerivableScopes, s) {
				src.Source, src.Reason = snapshot.SourceOmitted, derive+"; includedUserRoles=privilegedAdmin cannot be derived from the per-user list (it says only isAdmin)"
			}
			cp.Sources = append(cp.Sources, src)
		}
	}
	cp.Total = ft.total
	return nil
}

// addSummary decodes one summary answer.
func (cp *checkpoint) addSummary(report string, body []byte) error {
	var err error
	switch report {
	case "usersRegisteredByFeature":
		var v snapshot.FeatureSummary
		if err = json.Unmarshal(body, &v); err == nil {
			cp.Feature = append(cp.Feature, v)
		}
	default:
		var v snapshot.MethodSummary
		if err = json.Unmarshal(body, &v); err == nil {
			cp.Method = append(cp.Method, v)
		}
	}
	if msg, ok := snapshot.TypeError(report, err); ok {
		return answerErrorf("Graph's summary breaks its schema: %s", printable(msg, 300))
	}
	if err != nil {
		return answerErrorf("%s: Graph's answer is not a valid summary: %v", report, err)
	}
	return nil
}

// users pages through userRegistrationDetails from the checkpoint's
// nextLink. When resuming and Graph refuses the link, it starts over once.
//
// Fetching and writing overlap: while one goroutine decodes, writes and
// checkpoints page N, the other already requests page N+1 (whose link it
// reads from page N with a light pass). The checkpoint only ever names the
// page after the last one written, so an interruption loses at most the
// page in flight.
func (ft *fetcher) users(parent context.Context, resumed bool) (restarted bool, err error) {
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	cp := &ft.cp
	type job struct {
		body []byte
		next string
	}
	jobs := make(chan job, 1)
	procDone := make(chan error, 1)
	go func() {
		var perr error
		for j := range jobs {
			if perr != nil {
				continue
			}
			next, err := ft.page(j.body)
			if err == nil && next != j.next {
				err = pagingErrorf("page %d: two readings of the page disagree on its nextLink", cp.Pages+1)
			}
			if err == nil {
				cp.Pages++
				cp.NextLink = next
				err = ft.save()
				ft.prog.update(cp.Pages, cp.Users, ft.total, false)
			}
			if err != nil {
				perr = err
				cancel(err)
			}
		}
		procDone <- perr
	}()

	ferr := func() error {
		link, pages, sent := cp.NextLink, cp.Pages, 0
		seen := make(linkSet)
		for link != "" {
			if err := ctx.Err(); err != nil {
				return err
			}
			if pages >= int64(ft.o.MaxPages) {
				return pagingErrorf("more than %d pages of userRegistrationDetails (raise --max-pages if the tenant is that large)", ft.o.MaxPages)
			}
			if !seen.add(link) {
				return pagingErrorf("page %d of userRegistrationDetails: Graph returned a nextLink it had already returned: paging would loop", pages)
			}
			ft.prog.section(fmt.Sprintf("page %d of userRegistrationDetails", pages+1))
			body, err := ft.cl.get(ctx, "list userRegistrationDetails", fmt.Sprintf("page %d of userRegistrationDetails", pages+1), link)
			var ge *GraphError
			if err != nil && resumed && !restarted && sent == 0 && cp.Pages > 0 && link != ft.firstLink() && errors.As(err, &ge) && refusedLink(ge.StatusCode) {
				// No page is in flight: the writer is idle.
				if err := ft.restart(); err != nil {
					return err
				}
				restarted = true
				link, pages = cp.NextLink, 0
				clear(seen)
				continue
			}
			if err != nil {
				return err
			}
			next, ok := nextLinkOf(body)
			select {
			case jobs <- job{body, next}:
			case <-ctx.Done():
				return ctx.Err()
			}
			sent++
			pages++
			if !ok {
				return nil // the writer reports what is wrong with the page
			}
			link = next
		}
		return nil
	}()
	close(jobs)
	if perr := <-procDone; perr != nil {
		return restarted, perr
	}
	if ferr != nil {
		if c := context.Cause(ctx); parent.Err() == nil && c != nil && c != ferr && !errors.Is(ferr, c) && ctx.Err() != nil {
			return restarted, c
		}
		if parent.Err() != nil {
			return restarted, parent.Err()
		}
		return restarted, ferr
	}
	if cp.NextLink != "" {
		return restarted, pagingErrorf("paging stopped before the last page")
	}
	ft.prog.update(cp.Pages, cp.Users, ft.total, true)
	return restarted, nil
}

var nextLinkKey = []byte(`"@odata.nextLink":"`)

// nextLinkOf reads the @odata.nextLink of a page without decoding its users.
// ok is false when the page is not a valid JSON object. It looks for the
// compact form of the member first: a quote inside a JSON string is always
// escaped, so the pattern cannot come from a user's data, and the writer
// checks the link against its full decoding of the page anyway.
func nextLinkOf(body []byte) (next string, ok bool) {
	if i := bytes.Index(body, nextLinkKey); i >= 0 && !bytes.Contains(body[i+len(nextLinkKey):], nextLinkKey) {
		d := jsontext.NewDecoder(bytes.NewReader(body[i+len(nextLinkKey)-1:]))
		if tok, err := d.ReadToken(); err == nil && tok.Kind() == '"' {
			return tok.String(), true
		}
	} else if i < 0 && !bytes.Contains(body, []byte("@odata.nextLink")) {
		return "", true // the last page; the writer validates the JSON
	}
	d := jsontext.NewDecoder(bytesReader(body))
	if tok, err := d.ReadToken(); err != nil || tok.Kind() != '{' {
		return "", false
	}
	for d.PeekKind() != '}' {
		tok, err := d.ReadToken()
		if err != nil {
			return "", false
		}
		if tok.String() == "@odata.nextLink" && d.PeekKind() == '"' {
			t, err := d.ReadToken()
			if err != nil {
				return "", false
			}
			next = t.String()
			continue
		}
		if err := d.SkipValue(); err != nil {
			return "", false
		}
	}
	return next, true
}

// refusedLink reports whether a status means Graph no longer accepts a
// (stale) nextLink, so a resumed fetch should start over.
func refusedLink(status int) bool {
	return status == http.StatusBadRequest || status == http.StatusNotFound || status == http.StatusGone
}

// page streams the users of one page to the writer and returns its nextLink.
func (ft *fetcher) page(body []byte) (string, error) {
	n := ft.cp.Pages + 1
	return readPage(body, "userRegistrationDetails", n, func(row jsontext.Value, i int) error {
		return ft.addUser(row, n, i)
	})
}

// readPage reads one Graph collection page, {"value": [...],
// "@odata.nextLink": "..."}, handing each row of value to row in order, and
// returns the nextLink ("" on the last page). op names the report in errors.
func readPage(body []byte, op string, n int64, row func(raw jsontext.Value, i int) error) (string, error) {
	d := jsontext.NewDecoder(bytesReader(body))
	bad := func(err error) error { return answerErrorf("page %d of %s is not valid JSON: %v", n, op, err) }
	envelope := func(what string) error {
		return answerErrorf("page %d of %s is not a Graph collection page: %s", n, op, what)
	}
	if tok, err := d.ReadToken(); err != nil {
		return "", bad(err)
	} else if tok.Kind() != '{' {
		return "", envelope("it is not a JSON object")
	}
	next, haveValue := "", false
	for d.PeekKind() != '}' {
		tok, err := d.ReadToken()
		if err != nil {
			return "", bad(err)
		}
		switch tok.String() {
		case "value":
			if d.PeekKind() != '[' {
				return "", envelope("value is not an array")
			}
			if _, err := d.ReadToken(); err != nil {
				return "", bad(err)
			}
			for i := 0; d.PeekKind() != ']'; i++ {
				raw, err := d.ReadValue()
				if err != nil {
					return "", bad(err)
				}
				if err := row(raw, i); err != nil {
					return "", err
				}
			}
			if _, err := d.ReadToken(); err != nil {
				return "", bad(err)
			}
			haveValue = true
		case "@odata.nextLink":
			if d.PeekKind() != '"' {
				return "", pagingErrorf("page %d of %s: @odata.nextLink is not a string, so the next page cannot be found", n, op)
			}
			t, err := d.ReadToken()
			if err != nil {
				return "", bad(err)
			}
			next = t.String()
		default:
			if err := d.SkipValue(); err != nil {
				return "", bad(err)
			}
		}
	}
	if _, err := d.ReadToken(); err != nil {
		return "", bad(err)
	}
	if _, err := d.ReadToken(); err != io.EOF {
		return "", bad(errors.New("data after the end of the object"))
	}
	if !haveValue {
		return "", envelope("it has no value array")
	}
	return next, nil
}

// addUser validates, tallies, hashes and writes one user row, the index'th
// of its page. A row repeated with the same content is counted and dropped;
// one repeated with other content ends the fetch.
func (ft *fetcher) addUser(v jsontext.Value, page int64, index int) error {
	cp := &ft.cp
	where := fmt.Sprintf("page %d row %d", page, index+1)
	if len(v) > MaxRowBytes {
		return rowErrorf("%s: the row is %s long, more than the %s a userRegistrationDetails row may have", where, byteSize(int64(len(v))), byteSize(MaxRowBytes))
	}
	ft.userBuf = append(ft.userBuf[:0], v...)
	raw := jsontext.Value(ft.userBuf)
	if hasSpace(raw) {
		if err := raw.Compact(); err != nil {
			return rowErrorf("%s: the row is not valid JSON: %v", where, err)
		}
	}
	u := &ft.user
	if ft.dec == nil {
		ft.dec = snapshot.NewUserDecoder()
	}
	// The same validation as check's loader: a row check would refuse
	// fails the fetch here, naming the page, the row and the property.
	if err := ft.dec.Decode(where, raw, int(cp.Users), u); err != nil {
		return rowErrorf("%v", err)
	}
	if err := checkFieldLimits(where, u); err != nil {
		return err
	}
	switch prev, seen := ft.rows.add(u.ID, raw, page); {
	case seen && prev.same:
		cp.DuplicateRows++
		return nil
	case seen:
		first := fmt.Sprintf("page %d", prev.page)
		if prev.page == 0 {
			first = "a page fetched before --resume"
		}
		return fmt.Errorf("%w: user %s is listed on %s and again on page %d with different content: the report changed while it was being paged; fetch again", ErrChanged, printable(u.ID, 100), first, page)
	}
	if s := u.LastUpdatedDateTime; s != "" && s != cp.LastMin && s != cp.LastMax {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return rowErrorf("%s: userRegistrationDetails[%d].lastUpdatedDateTime: %q is not an RFC 3339 time", where, cp.Users, s)
		}
		if cp.LastMin == "" || t.Before(cp.lastMin) {
			cp.LastMin, cp.lastMin = s, t
		}
		if cp.LastMax == "" || t.After(cp.lastMax) {
			cp.LastMax, cp.lastMax = s, t
		}
	}
	cp.Tally.Add(u)
	if err := ft.w.WriteUser(raw); err != nil {
		return err
	}
	cp.Users++
	return nil
}

// finish closes the document and renames it into place.
func (ft *fetcher) finish() (snapshot.Manifest, error) {
	cp := &ft.cp
	feature, method := slices.Clone(cp.Feature), slices.Clone(cp.Method)
	for _, src := range cp.Sources {
		if src.Source != snapshot.SourceDerived {
			continue
		}
		s := snapshot.Scope{UserTypes: src.UserTypes, UserRoles: src.UserRoles}
		if src.Report == "usersRegisteredByFeature" {
			if v, ok := cp.Tally.FeatureSummary(s); ok {
				feature = append(feature, v)
			}
		} else if v, ok := cp.Tally.MethodSummary(s); ok {
			method = append(method, v)
		}
	}
	now := ft.o.Now().UTC().Format(time.RFC3339)
	complete := true
	p := ft.cred.Principal()
	tenant := cp.TenantID
	if tenant == "" {
		tenant = p.TenantID
	}
	m := snapshot.Manifest{
		TenantID:       tenant,
		Cloud:          ft.o.Cloud.Name,
		GraphEndpoint:  ft.o.Cloud.GraphURL,
		APIVersion:     string(ft.o.APIVersion),
		FetchedAt:      now,
		Tool:           "authgate " + ft.o.Tool,
		AuthMode:       string(ft.o.AuthMode),
		Principal:      p.String(),
		StartedAt:      cp.StartedAt,
		FinishedAt:     now,
		PagingComplete: &complete,
		Requests:       cp.Requests + ft.count.requests.Load(),
		Pages:          cp.Pages,
		Retries:        cp.Retries + ft.count.retries(),
		Throttled:      cp.Throttled + ft.count.throttled.Load(),
		DuplicateRows:  cp.DuplicateRows,
		Summaries:      cp.Sources,
	}
	if m.Tool == "authgate " {
		m.Tool = "authgate"
	}
	if cp.LastMin != "" {
		m.LastUpdated = &snapshot.TimeRange{Min: cp.LastMin, Max: cp.LastMax}
	}
	ft.attachUsage(&m)
	ft.attachRoles(&m)
	ft.attachMethodsPolicy(&m)
	m, err := ft.w.Close(feature, method, m)
	if err != nil {
		return m, err
	}
	if err := ft.f.Sync(); err != nil {
		return m, fmt.Errorf("write snapshot: %w", err)
	}
	if err := ft.f.Close(); err != nil {
		ft.f = nil
		return m, fmt.Errorf("write snapshot: %w", err)
	}
	ft.f = nil
	if err := os.Rename(ft.partialPath(), ft.out); err != nil {
		return m, fmt.Errorf("write snapshot: %w", err)
	}
	os.Remove(ft.checkpointPath())
	return m, nil
}

// hasSpace reports whether a valid JSON value has whitespace outside its
// strings, that is, whether it needs compacting to fit on one line. It jumps
// from quote to quote, so that it costs little on compact rows.
func hasSpace(v []byte) bool {
	for len(v) > 0 {
		q := bytes.IndexByte(v, '"')
		gap := v
		if q >= 0 {
			gap = v[:q]
		}
		for _, c := range gap {
			if c == ' ' || c == '\n' || c == '\r' || c == '\t' {
				return true
			}
		}
		if q < 0 {
			return false
		}
		v = v[q+1:]
		for { // skip to the end of the string
			e := bytes.IndexByte(v, '"')
			if e < 0 {
				return false
			}
			n := 0
			for k := e - 1; k >= 0 && v[k] == '\\'; k-- {
				n++
			}
			v = v[e+1:]
			if n%2 == 0 {
				break
			}
		}
	}
	return false
}
