package evaluator

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/authgate/authgate/result"
	"github.com/authgate/authgate/snapshot"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// Evaluate judges the snapshot at path and returns the result, with
// Verdict and Summary left for Result.Decide.
func (e *Engine) Evaluate(ctx context.Context, path string, scan snapshot.ScanOptions) (res *result.Result, err error) {
	if scan.Rewrite == nil {
		scan.Rewrite = e.cfg.rewrite
	}
	size := fileSize(path)
	nworkers, prune := e.planFor(size, &scan.ChunkSize)
	ctx, stop := withLimit(ctx, e.cfg.timeout)
	defer stop()
	limit := heapLimit(e.cfg.maxMemory, size)
	ctx, unwatch := watchHeap(ctx, limit)
	defer func() {
		unwatch()
		// Evaluation cut short by the heap bound is no verdict, whichever
		// stage noticed the cancellation first.
		var me *MemoryError
		switch {
		case err == nil || !heapPassed(ctx):
		case errors.As(err, &me):
			me.Limit = limit
		default:
			res, err = nil, &MemoryError{Limit: limit}
		}
	}()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// The sections user controls judge rows against follow the users in the
	// file: one pass reads them ahead (unless the caller did), with the
	// manifest. A snapshot the pass cannot read is left for the scan, which
	// names its fault like any other.
	sec := scan.Ahead
	if sec == nil {
		sec, err = snapshot.PeekSections(ctx, path)
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		if err != nil {
			sec, err = &snapshot.Sections{}, nil
		}
	}

	now := e.cfg.now
	if now.IsZero() && e.usesNow() {
		m, err := sec.ReadManifest(path)
		if err != nil {
			return nil, err
		}
		if now, err = m.FetchedTime(path); err != nil {
			return nil, err
		}
	}
	nowSet := !now.IsZero()

	keepAll := e.cfg.mode == ModeDocument || slices.ContainsFunc(e.controls, func(c *controlDef) bool { return c.Scope == result.ScopeDocument })
	streamUsers := e.cfg.mode == ModeStream && e.userQuery != nil
	peeked, userPolicy, err := e.peekPolicy(path, sec, streamUsers, scan.Rewrite)
	if err != nil {
		return nil, err
	}
	targeting := newPolicyTargeting(peeked)
	roles, groups, err := e.rolesFor(path, sec, scan.Rewrite)
	if err != nil {
		return nil, err
	}
	var fields userFields // nil: every property
	if prune {
		fields = e.readFields()
	}
	workers := make([]*worker, nworkers)
	for i := range workers {
		workers[i] = e.newWorker()
		workers[i].roles, workers[i].ex = roles, e.newExcl(groups)
		workers[i].policy, workers[i].allowed = userPolicy, targeting.counter()
		workers[i].users = newUserBuilder(fields, roles)
	}
	jobs := make(chan []snapshot.UserRegistrationDetails, len(workers))
	var wg sync.WaitGroup
	var once sync.Once
	var workErr error
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for chunk := range jobs {
				if err := w.process(ctx, chunk, streamUsers, now); err != nil {
					once.Do(func() { workErr = err; cancel() })
				} else if e.cfg.progress != nil {
					e.cfg.progress(len(chunk))
				}
			}
		}()
	}
	var all []snapshot.UserRegistrationDetails
	info, scanErr := snapshot.Scan(ctx, path, scan, func(chunk []snapshot.UserRegistrationDetails) error {
		if keepAll {
			all = append(all, chunk...)
		}
		select {
		case jobs <- chunk:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	close(jobs)
	wg.Wait()
	if workErr != nil {
		return nil, workErr
	}
	if scanErr != nil {
		if isDeadline(ctx, scanErr) {
			return nil, e.timeoutAt(-1)
		}
		return nil, scanErr
	}
	if err := info.Complete(); err != nil {
		return nil, err
	}
	if err := samePolicy(path, peeked, info.MethodsPolicy); err != nil {
		return nil, err
	}
	if !nowSet {
		t, err := info.Manifest.FetchedTime(path)
		if err != nil {
			return nil, err
		}
		now = t
	}

	agg := workers[0].agg
	for _, w := range workers[1:] {
		agg.Merge(w.agg)
		workers[0].mergeScope(w)
		workers[0].retire.merge(w.retire)
		workers[0].allowed.merge(w.allowed)
	}
	aggregates := agg.Finish(info.LastUpdated, e.breakGlass())
	aggregates.Roles = rolesResult(roles, workers[0].seen)

	found := make([][]result.Violation, len(e.controls))
	skips := make([][]string, len(e.controls))
	if e.cfg.mode == ModeDocument {
		in, err := documentInput(info, all, aggregates, roles)
		if err == nil {
			in, err = withPolicy(in, info.MethodsPolicy, workers[0].retire)
		}
		if err != nil {
			return nil, err
		}
		if err := e.evalInto(ctx, e.docQuery, in, now, nil, found, skips, nil); err != nil {
			return nil, err
		}
	} else {
		for _, w := range workers {
			for i, vs := range w.found {
				found[i] = append(found[i], vs...)
			}
		}
		in, err := tenantInput(info, aggregates)
		if err == nil {
			in, err = withPolicy(in, info.MethodsPolicy, workers[0].retire)
		}
		if err != nil {
			return nil, err
		}
		if err := e.evalInto(ctx, e.tenantQuery, in, now, nil, found, skips, nil); err != nil {
			return nil, err
		}
		if keepAll {
			in, err := documentInput(info, all, aggregates, roles)
			if err == nil {
				in, err = withPolicy(in, info.MethodsPolicy, workers[0].retire)
			}
			if err != nil {
				return nil, err
			}
			only := func(i int) bool { return e.controls[i].Scope == result.ScopeDocument }
			if err := e.evalInto(ctx, e.docQuery, in, now, only, found, skips, nil); err != nil {
				return nil, err
			}
		}
	}
	excluded, err := e.applyExclusions(ctx, workers[0].ex, info, aggregates, roles, found, now)
	if err != nil {
		return nil, err
	}
	if keepAll {
		e.resolveOffsets(found, all)
	}
	res = e.assemble(info, aggregates, found, skips)
	res.Exclusions = excluded
	res.MethodsPolicy = summarizePolicy(info.MethodsPolicy, workers[0].allowed)
	return res, nil
}

// usesNow reports whether any compiled rule calls time.now_ns.
func (e *Engine) usesNow() bool {
	used := false
	for _, m := range e.compiler.Modules {
		ast.WalkTerms(m, func(t *ast.Term) bool {
			if r, ok := t.Value.(ast.Ref); ok && r.String() == "time.now_ns" {
				used = true
			}
			return used
		})
		if used {
			return true
		}
	}
	return false
}

func (e *Engine) breakGlass() []string {
	raw, _ := e.params["break_glass_accounts"].([]any)
	var out []string
	for _, v := range raw {
		if s, ok := v.(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}

// worker evaluates chunks of users and counts them.
type worker struct {
	e     *Engine
	agg   *result.Aggregator
	mark  []bool
	users *userBuilder
	found [][]result.Violation

	roles *roleSet        // the roles section's administrator set, or nil
	seen  map[string]bool // role holders' ids seen in the report -> their isAdmin
	ex    *exclState      // the exclusions' counts, or nil
	// retire counts the users SMS and voice retirement would strand, and
	// policy is the methods policy section user controls see (nil: none).
	retire  *retirement
	policy  *ast.Term
	allowed *policyCounter // users each method configuration allows (nil: no policy)
}

func (e *Engine) newWorker() *worker {
	return &worker{
		e:      e,
		agg:    result.NewAggregator(e.taxonomy.classOf, e.taxonomy.classes, result.WatchList(e.breakGlass())),
		mark:   make([]bool, len(e.taxonomy.classes)),
		found:  make([][]result.Violation, len(e.controls)),
		retire: newRetirement(e.taxonomy),
	}
}

func (w *worker) process(ctx context.Context, chunk []snapshot.UserRegistrationDetails, evaluate bool, now time.Time) error {
	for i := range chunk {
		u := w.withRoles(&chunk[i])
		w.agg.Add(u, w.mark)
		w.retire.add(u, w.e.taxonomy.classOf)
		w.allowed.add(u)
		if w.ex != nil {
			w.ex.see(u, w.mark)
		}
	}
	if !evaluate {
		return nil
	}
	in := w.users.chunk(chunk)
	if w.policy != nil {
		in.Insert(kPolicy, w.policy)
	}
	return w.e.evalInto(ctx, w.e.userQuery, in, now, nil, w.found, nil, chunk)
}

// evalInto runs a prepared query and appends each control's violations (and
// skip reasons) to found and skips. only, when set, limits the controls
// read. chunk, when set, resolves the subjects' offsets.
func (e *Engine) evalInto(ctx context.Context, q *rego.PreparedEvalQuery, in ast.Value, now time.Time, only func(int) bool, found [][]result.Violation, skips [][]string, chunk []snapshot.UserRegistrationDetails) error {
	if q == nil {
		return nil
	}
	rctx, running := withRunning(ctx)
	rs, err := q.Eval(rctx, rego.EvalParsedInput(in), rego.EvalTime(now), rego.EvalGenerateJSON(rawTerm), rego.EvalVirtualCache(newCallCache()))
	if err != nil {
		if isDeadline(ctx, err) {
			return e.timeoutAt(running.Load())
		}
		if heapPassed(ctx) {
			return e.memoryAt(running.Load())
		}
		return e.runtimeError(err)
	}
	if len(rs) != 1 {
		return &PolicyError{Msg: fmt.Sprintf("query gave %d results, want 1", len(rs))}
	}
	var offsets map[string]int64
	for name, val := range rs[0].Bindings {
		var idx int
		if _, err := fmt.Sscanf(name[1:], "%d", &idx); err != nil || idx >= len(e.controls) {
			continue
		}
		if only != nil && !only(idx) {
			continue
		}
		c := e.controls[idx]
		term, _ := val.(*ast.Term)
		var items ast.Set
		if term != nil {
			items, _ = term.Value.(ast.Set)
		}
		if items == nil {
			return &PolicyError{File: c.Source, Line: c.Line, Control: c.ID, Msg: fmt.Sprintf("%s must be a set", c.ruleName)}
		}
		if name[0] == 's' {
			if skips == nil {
				continue
			}
			err := items.Iter(func(it *ast.Term) error {
				s, ok := it.Value.(ast.String)
				if !ok {
					return &PolicyError{File: c.Source, Line: c.Line, Control: c.ID, Msg: fmt.Sprintf("skip must hold strings, got %s", termJSON(it))}
				}
				skips[idx] = append(skips[idx], string(s))
				return nil
			})
			if err != nil {
				return err
			}
			continue
		}
		err := items.Iter(func(it *ast.Term) error {
			v, err := toViolation(c, it)
			if err != nil {
				return err
			}
			if v.Subject != nil && chunk != nil {
				if offsets == nil {
					offsets = make(map[string]int64, len(chunk))
					for i := range chunk {
						offsets[chunk[i].ID] = chunk[i].Offset
					}
				}
				if off, ok := offsets[v.Subject.ID]; ok {
					v.Offset = off
				}
			}
			found[idx] = append(found[idx], v)
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// runtimeError names the file, line and control of a Rego runtime error
// (conflicting outputs, a builtin error under strict mode, ...).
func (e *Engine) runtimeError(err error) error {
	var te *topdown.Error
	if topdown.IsCancel(err) {
		// Cancelled by the caller (an interrupt): not a policy error.
		return context.Canceled
	}
	if errors.As(err, &te) {
		pe := &PolicyError{Msg: te.Code + ": " + strings.Join(strings.Fields(te.Message), " ")}
		if te.Location != nil {
			pe.File, pe.Line, pe.Col = te.Location.File, te.Location.Row, te.Location.Col
			pe.Control = e.controlAt(te.Location.File)
		}
		return pe
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return &PolicyError{Msg: err.Error()}
}

// controlAt returns the id of the control defined in file, if exactly one is.
func (e *Engine) controlAt(file string) string {
	id := ""
	for _, c := range e.controls {
		if c.Source == file {
			if id != "" {
				return ""
			}
			id = c.ID
		}
	}
	return id
}

func toViolation(c *controlDef, raw *ast.Term) (result.Violation, error) {
	bad := func(format string, a ...any) (result.Violation, error) {
		return result.Violation{}, &PolicyError{File: c.Source, Line: c.Line, Control: c.ID, Msg: fmt.Sprintf(c.ruleName+" "+format, a...)}
	}
	obj, ok := raw.Value.(ast.Object)
	if !ok {
		return bad("must hold objects like {\"message\": ...}, got %s", termJSON(raw))
	}
	msg := stringAt(obj, kMessage)
	if msg == "" {
		if msg = stringAt(obj, kMsg); msg == "" {
			return bad("object has no \"message\" string: %s", termJSON(raw))
		}
	}
	v := result.Violation{Message: msg, Offset: -1}
	if s := obj.Get(kSubject); s != nil && s.Value.Compare(ast.Null{}) != 0 {
		sm, ok := s.Value.(ast.Object)
		if !ok {
			return bad("subject must be an object with id, userPrincipalName, displayName, got %s", termJSON(s))
		}
		sub := &result.Subject{
			ID:                stringAt(sm, kID),
			UserPrincipalName: stringAt(sm, kUPN),
			DisplayName:       stringAt(sm, kSubjectName),
		}
		if rs := sm.Get(kRoles); rs != nil {
			if arr, ok := rs.Value.(*ast.Array); ok {
				for i := range arr.Len() {
					if r, ok := arr.Elem(i).Value.(ast.String); ok && r != "" {
						sub.Roles = append(sub.Roles, string(r))
					}
				}
			}
		}
		if sub.ID == "" && sub.UserPrincipalName == "" {
			return bad("subject has neither an \"id\" nor a \"userPrincipalName\" string: %s", termJSON(s))
		}
		v.Subject = sub
	}
	for _, n := range [...]struct {
		key *ast.Term
		dst **float64
	}{{kValue, &v.Value}, {kThreshold, &v.Threshold}} {
		x := obj.Get(n.key)
		if x == nil || x.Value.Compare(ast.Null{}) == 0 {
			continue
		}
		num, ok := x.Value.(ast.Number)
		if !ok {
			return bad("%s must be a number, got %s", n.key.Value.(ast.String), termJSON(x))
		}
		f, err := json.Number(num).Float64()
		if err != nil {
			return bad("%s: %v", n.key.Value.(ast.String), err)
		}
		*n.dst = &f
	}
	return v, nil
}

// The members of a finding the evaluator reads, as terms built once.
var (
	kMessage     = ast.StringTerm("message")
	kMsg         = ast.StringTerm("msg")
	kSubject     = ast.StringTerm("subject")
	kSubjectName = ast.StringTerm("displayName")
	kRoles       = ast.StringTerm("roles")
	kValue       = ast.StringTerm("value")
	kThreshold   = ast.StringTerm("threshold")
)

// stringAt returns obj[key] when it is a string, "" otherwise.
func stringAt(obj ast.Object, key *ast.Term) string {
	if t := obj.Get(key); t != nil {
		if s, ok := t.Value.(ast.String); ok {
			return string(s)
		}
	}
	return ""
}

// termJSON renders a result term as JSON for an error message.
func termJSON(t *ast.Term) string {
	v, err := ast.JSON(t.Value)
	if err != nil {
		return t.String()
	}
	return jsonString(v)
}

// rawTerm hands query results over as OPA terms: the evaluator reads
// findings straight from them, without first building Go maps of every
// finding.
func rawTerm(t *ast.Term, _ *rego.EvalContext) (any, error) { return t, nil }

// resolveOffsets points user findings at their rows when the whole
// document was evaluated at once.
func (e *Engine) resolveOffsets(found [][]result.Violation, all []snapshot.UserRegistrationDetails) {
	var offsets map[string]int64
	for _, vs := range found {
		for i := range vs {
			if vs[i].Subject == nil || vs[i].Offset >= 0 {
				continue
			}
			if offsets == nil {
				offsets = make(map[string]int64, len(all))
				for j := range all {
					offsets[all[j].ID] = all[j].Offset
				}
			}
			if off, ok := offsets[vs[i].Subject.ID]; ok {
				vs[i].Offset = off
			}
		}
	}
}

// assemble builds the sorted, deterministic result.
func (e *Engine) assemble(info *snapshot.Info, agg *result.Aggregates, found [][]result.Violation, skips [][]string) *result.Result {
	r := &result.Result{
		SchemaVersion: 1,
		Snapshot: result.SnapshotRef{
			Path: info.Path, SHA256: info.SHA256, TenantID: info.Manifest.TenantID,
			FetchedAt: info.Manifest.FetchedAt, Users: info.Users, ManifestOffset: info.ManifestOffset,
			Unverified: !info.Verified,
		},
		Aggregates: agg,
		Usage:      result.SummarizeUsageWith(info.Usage, &e.taxonomy.usage),
	}
	if agg != nil {
		for name, sc := range agg.Scopes {
			if sc != nil && sc.Unknown > 0 {
				if r.Unknown == nil {
					r.Unknown = make(map[string]int64, len(agg.Scopes))
				}
				r.Unknown[name] = sc.Unknown
			}
		}
		if r.Unknown != nil { // every scope, so a reader sees the zeros too
			for name, sc := range agg.Scopes {
				if sc != nil {
					r.Unknown[name] = sc.Unknown
				}
			}
		}
	}
	anchors := map[string]int64{"manifest": info.ManifestOffset}
	for _, s := range info.UsersRegisteredByFeature {
		if s.UserTypes == "all" && s.UserRoles == "all" {
			anchors["usersRegisteredByFeature"] = s.Offset
		}
	}
	for _, s := range info.UsersRegisteredByMethod {
		if s.UserTypes == "all" && s.UserRoles == "all" {
			anchors["usersRegisteredByMethod"] = s.Offset
		}
	}
	if info.Usage != nil {
		anchors["usage"] = info.Usage.Offset // custom.anchor: usage (the AM-USE controls)
	}
	if info.Roles != nil {
		anchors["roles"] = info.Roles.Offset // custom.anchor: roles (AM-ADM-05, AM-ADM-06)
	}
	sortAll(found)
	meta := e.Controls()
	for i, def := range e.controls {
		c := meta[i]
		vs := found[i]
		for j := range vs {
			if vs[j].Subject != nil && vs[j].Offset < 0 {
				vs[j].Offset = accountOffset(agg, vs[j].Subject)
			}
			if vs[j].Offset < 0 {
				off, ok := anchors[def.anchor]
				if !ok {
					off = info.ManifestOffset
				}
				vs[j].Offset = off
			}
		}
		vs = slices.CompactFunc(vs, sameViolation)
		if vs == nil {
			vs = []result.Violation{}
		}
		c.Violations = vs
		reasons := slices.Compact(slices.Sorted(slices.Values(skips[i])))
		switch {
		case len(reasons) > 0:
			c.Status, c.SkipReason, c.Violations = result.StatusSkipped, strings.Join(reasons, "; "), []result.Violation{}
		case len(vs) > 0:
			c.Status = result.StatusFail
		default:
			c.Status = result.StatusPass
		}
		r.Controls = append(r.Controls, c)
	}
	return r
}

// accountOffset finds the row of a tenant finding's subject among the
// watched accounts, or -1.
func accountOffset(agg *result.Aggregates, s *result.Subject) int64 {
	for _, row := range agg.Accounts {
		if row != nil && ((s.ID != "" && strings.EqualFold(row.ID, s.ID)) || (s.UserPrincipalName != "" && strings.EqualFold(row.UserPrincipalName, s.UserPrincipalName))) {
			return row.Offset
		}
	}
	return -1
}

func subjectID(v *result.Violation) string {
	if v.Subject == nil {
		return ""
	}
	if v.Subject.ID == "" { // an account named in a parameter but absent from the report
		return v.Subject.UserPrincipalName
	}
	return v.Subject.ID
}

// sortAll sorts each control's findings, the controls in parallel: at a
// million users a check has hundreds of thousands of findings to order
// after the last chunk, when the other cores are idle.
func sortAll(found [][]result.Violation) {
	idx := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(found)) {
		wg.Go(func() {
			for i := range idx {
				sortViolations(found[i])
			}
		})
	}
	// The largest first, so that one does not start last.
	order := make([]int, len(found))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(len(found[b]), len(found[a])) })
	for _, i := range order {
		idx <- i
	}
	close(idx)
	wg.Wait()
}

// sortViolations orders tenant findings first, then by subject id, then by message.
func sortViolations(vs []result.Violation) {
	slices.SortFunc(vs, func(a, b result.Violation) int {
		return cmp.Or(cmp.Compare(subjectID(&a), subjectID(&b)), cmp.Compare(a.Message, b.Message))
	})
}

func sameViolation(a, b result.Violation) bool {
	return subjectID(&a) == subjectID(&b) && a.Message == b.Message && jsonEqual(a.Value, b.Value) && jsonEqual(a.Threshold, b.Threshold)
}

// callCache is OPA's per-query cache of rule values and function results,
// minus the results of functions called with an object: there a user
// control calls lib.name(u) or lib.subject(u) once for each user, every
// key is new, and keeping them costs a hash and an allocation per call
// for entries nobody reads again.
type callCache struct{ topdown.VirtualCache }

func newCallCache() topdown.VirtualCache { return callCache{topdown.NewVirtualCache()} }

func objectKey(ref ast.Ref) bool {
	for i := len(ref) - 1; i > 0; i-- {
		if _, ok := ref[i].Value.(ast.Object); ok {
			return true
		}
	}
	return false
}

func (c callCache) Get(ref ast.Ref) (*ast.Term, bool) {
	if objectKey(ref) {
		return nil, false
	}
	return c.VirtualCache.Get(ref)
}

func (c callCache) Put(ref ast.Ref, v *ast.Term) {
	if !objectKey(ref) {
		c.VirtualCache.Put(ref, v)
	}
}
