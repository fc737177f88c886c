package evaluator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/authgate/authgate/snapshot"
	"github.com/open-policy-agent/opa/v1/ast"
)

// kPolicy is the input key of the authentication methods policy section.
var kPolicy = ast.StringTerm(snapshot.ReportMethodsPolicy)

// MaxRetirementList bounds the users the retirement figures name: the
// count is always exact.
const MaxRetirementList = 100

// policyValue is the section as controls see it: apiVersion, source, reason
// and policy (Graph's object, verbatim) as stored, and groups as an object
// from group id to {source, reason, members}, members being an object from
// user id to true, so that a user control can test membership in constant
// time. Nil without a section.
func policyValue(p *snapshot.MethodsPolicy) (ast.Object, error) {
	if p == nil {
		return nil, nil
	}
	var pol any
	raw := p.Policy
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = []byte("null")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&pol); err != nil {
		return nil, fmt.Errorf("build policy input: %w", err)
	}
	pv, err := ast.InterfaceToValue(pol)
	if err != nil {
		return nil, fmt.Errorf("build policy input: %w", err)
	}
	groups := ast.NewObject()
	for _, g := range p.Groups {
		members := ast.NewObject()
		for _, m := range g.Members {
			members.Insert(ast.StringTerm(m.ID), ast.InternedTerm(true))
		}
		groups.Insert(ast.StringTerm(g.ID), ast.ObjectTerm(
			[2]*ast.Term{ast.StringTerm("source"), ast.StringTerm(g.Source)},
			[2]*ast.Term{ast.StringTerm("reason"), ast.StringTerm(g.Reason)},
			[2]*ast.Term{ast.StringTerm("members"), ast.NewTerm(members)},
		))
	}
	return ast.NewObject(
		[2]*ast.Term{ast.StringTerm("apiVersion"), ast.StringTerm(p.APIVersion)},
		[2]*ast.Term{ast.StringTerm("source"), ast.StringTerm(p.Source)},
		[2]*ast.Term{ast.StringTerm("reason"), ast.StringTerm(p.Reason)},
		[2]*ast.Term{ast.StringTerm("policy"), ast.NewTerm(pv)},
		[2]*ast.Term{ast.StringTerm("groups"), ast.NewTerm(groups)},
	), nil
}

// withPolicy adds the policy section (or null) to a tenant or document
// input, with the retirement figures the scan counted.
func withPolicy(in ast.Value, p *snapshot.MethodsPolicy, r *retirement) (ast.Value, error) {
	obj, ok := in.(ast.Object)
	if !ok {
		return in, nil
	}
	pv, err := policyValue(p)
	if err != nil {
		return nil, err
	}
	if pv == nil {
		obj.Insert(kPolicy, ast.NullTerm())
		return obj, nil
	}
	pv.Insert(ast.StringTerm("retirement"), r.term())
	obj.Insert(kPolicy, ast.NewTerm(pv))
	return obj, nil
}

// retiree is a user whose only MFA methods are telephony.
type retiree struct {
	id, upn string
	methods []string
}

// retirement counts the users that disabling SMS, voice and email OTP would
// leave without MFA: MFA-capable users none of whose registered MFA methods
// is outside the telephony class. It keeps the first MaxRetirementList by
// userPrincipalName then id, so that the list does not grow with the tenant
// and does not depend on the order workers saw the users in.
type retirement struct {
	mfa, telephony int // class indexes, -1 when the taxonomy lacks them
	count          int64
	users          []retiree
}

func newRetirement(t *taxonomy) *retirement {
	r := &retirement{mfa: slices.Index(t.classes, "mfa"), telephony: slices.Index(t.classes, "telephony")}
	return r
}

func (r *retirement) add(u *snapshot.UserRegistrationDetails, classOf map[string][]int) {
	if r.mfa < 0 || r.telephony < 0 || !u.IsMfaCapable {
		return
	}
	phone := false
	for _, m := range u.MethodsRegistered {
		cs := classOf[m]
		isMFA, isPhone := slices.Contains(cs, r.mfa), slices.Contains(cs, r.telephony)
		if isMFA && !isPhone {
			return
		}
		phone = phone || isPhone
	}
	if !phone {
		return
	}
	r.count++
	r.users = append(r.users, retiree{u.ID, u.UserPrincipalName, slices.Clone(u.MethodsRegistered)})
	if len(r.users) >= 2*MaxRetirementList {
		r.trim()
	}
}

func (r *retirement) trim() {
	slices.SortFunc(r.users, func(a, b retiree) int {
		if c := strings.Compare(a.upn, b.upn); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	if len(r.users) > MaxRetirementList {
		r.users = r.users[:MaxRetirementList]
	}
}

func (r *retirement) merge(o *retirement) {
	r.count += o.count
	r.users = append(r.users, o.users...)
	r.trim()
}

// term is {"count": n, "users": [{id, userPrincipalName, methodsRegistered}]}.
func (r *retirement) term() *ast.Term {
	var users []*ast.Term
	if r != nil {
		r.trim()
		for _, u := range r.users {
			ms := make([]*ast.Term, len(u.methods))
			for i, m := range u.methods {
				ms[i] = ast.StringTerm(m)
			}
			users = append(users, ast.ObjectTerm(
				[2]*ast.Term{ast.StringTerm("id"), ast.StringTerm(u.id)},
				[2]*ast.Term{ast.StringTerm("userPrincipalName"), ast.StringTerm(u.upn)},
				[2]*ast.Term{ast.StringTerm("methodsRegistered"), ast.ArrayTerm(ms...)},
			))
		}
	}
	n := int64(0)
	if r != nil {
		n = r.count
	}
	return ast.ObjectTerm(
		[2]*ast.Term{ast.StringTerm("count"), ast.InternedTerm(int(n))},
		[2]*ast.Term{ast.StringTerm("users"), ast.ArrayTerm(users...)},
	)
}

// peekPolicy prepares the policy section read ahead of the users (it
// follows them in the file), so that user controls see it while the users
// stream and the scan can count whom each configuration allows. The term
// is for streamed user controls only.
func (e *Engine) peekPolicy(path string, sec *snapshot.Sections, streamUsers bool, rw snapshot.Rewriter) (*snapshot.MethodsPolicy, *ast.Term, error) {
	p := sec.MethodsPolicy
	if p == nil {
		return nil, nil, nil
	}
	if rw != nil {
		// The rows are rewritten as they are read (a pseudonymised view):
		// the section read ahead must be the same view, or members would
		// not match their rows and samePolicy would see two sections.
		in := &snapshot.Info{Path: path, MethodsPolicy: p}
		if m, err := sec.ReadManifest(path); err == nil {
			in.Manifest = *m
		}
		if err := rw.Info(in); err != nil {
			return nil, nil, err
		}
		p = in.MethodsPolicy
	}
	if !streamUsers {
		return p, nil, nil
	}
	v, err := policyValue(p)
	if err != nil {
		return nil, nil, err
	}
	v.Insert(ast.StringTerm("retirement"), ast.NullTerm()) // counted by the scan: tenant scope only
	return p, ast.NewTerm(v), nil
}

// samePolicy checks that the section read ahead is the one Scan read: a
// file rewritten between the two reads must not mix two snapshots.
func samePolicy(path string, peeked, scanned *snapshot.MethodsPolicy) error {
	if peeked == nil && scanned == nil {
		return nil
	}
	if peeked != nil && scanned != nil && peeked.Source == scanned.Source && peeked.APIVersion == scanned.APIVersion &&
		bytes.Equal(peeked.Policy, scanned.Policy) && reflect.DeepEqual(peeked.Groups, scanned.Groups) {
		return nil
	}
	return &snapshot.Error{File: path, Path: snapshot.ReportMethodsPolicy, Msg: "the section read ahead of the users is not the one the document holds (a user row carries a member of that name, or the file changed while it was read)"}
}

// baselinePolicy is the baseline's policy section in data.authgate.baseline:
// {"apiVersion", "source", "reason", "policy"}, or nil.
func baselinePolicy(p *snapshot.MethodsPolicy) any {
	if p == nil {
		return nil
	}
	pol := json.RawMessage(p.Policy)
	if len(bytes.TrimSpace(pol)) == 0 {
		pol = json.RawMessage("null")
	}
	return map[string]any{"apiVersion": p.APIVersion, "source": p.Source, "reason": p.Reason, "policy": pol}
}
