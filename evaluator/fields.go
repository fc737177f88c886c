package evaluator

import (
	"fmt"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
)

// userFields is the set of user properties the loaded controls can read,
// found once per engine from the compiled modules, so that the per-chunk
// conversion skips the rest. nil means every property: the analysis could
// not prove a property unread (a policy reads input or a user object with a
// key computed at run time, hands a user to a builtin, compares it, returns
// it, or uses a construct the analysis does not follow).
type userFields map[string]bool

// fieldsOnce holds the analysis of an engine's compiled controls, shared
// by its copies (Engine.WithExclusions), which compile nothing anew. It is
// found at the first large check, not at start-up.
type fieldsOnce struct {
	once   sync.Once
	fields userFields
}

// readFields runs readUserFields once per engine.
func (e *Engine) readFields() userFields {
	e.fields.once.Do(func() { e.fields.fields, _ = readUserFields(e.compiler) })
	return e.fields.fields
}

// has reports whether the property name must be converted.
func (f userFields) has(name string) bool { return f == nil || f[name] }

// kind is what a term may hold, as far as user objects go.
type kind uint8

const (
	noUser     kind = iota // no user object inside
	oneUser                // one user object
	manyUsers              // a collection whose elements are user objects
	wholeInput             // input itself
)

// readUserFields follows, through every rule and function of the compiled
// modules, where values taken from input.userRegistrationDetails go, and
// collects the properties read from them with a constant key (u.isAdmin,
// object.get(u, "id", "")). It returns nil (every property) at the first
// use it cannot account for.
func readUserFields(c *ast.Compiler) (fields userFields, why string) {
	a := &fieldAnalysis{
		rules:  map[string]kind{},
		params: map[string][]kind{},
		rets:   map[string]kind{},
		funcs:  map[string]bool{},
		read:   userFields{},
	}
	var rules []*ast.Rule
	defs := map[string]int{}
	for _, m := range c.Modules {
		for _, r := range m.Rules {
			rules = append(rules, r)
			defs[r.Ref().String()]++
			if len(r.Head.Args) > 0 {
				a.funcs[r.Ref().String()] = true
			}
		}
	}
	a.consts = map[string]string{}
	for _, r := range rules {
		if s, ok := constString(r); ok && defs[r.Ref().String()] == 1 {
			a.consts[r.Ref().String()] = s
		}
	}
	paths := make([]string, len(rules))
	for i, r := range rules {
		paths[i] = r.Ref().String()
	}
	defer func() {
		// Pruning is only an optimisation: should the analysis itself fail
		// on a module it was not written for, the check converts every
		// property rather than stopping.
		if v := recover(); v != nil {
			fields, why = nil, fmt.Sprintf("the analysis failed: %v", v)
		}
	}()
	// Kinds only grow (none -> user or users), so the fixed point comes
	// within a few passes; a policy that needs more is kept whole.
	for range 64 {
		a.changed = false
		for i, r := range rules {
			for ; r != nil && a.why == ""; r = r.Else {
				a.rule(paths[i], r)
			}
		}
		if a.why != "" {
			// Pruning is only an optimisation: a module the analysis
			// cannot follow keeps every property.
			return nil, a.why
		}
		if !a.changed {
			return a.read, ""
		}
	}
	return nil, "the analysis did not settle"
}

type fieldAnalysis struct {
	rules   map[string]kind    // rule path -> what the rule's document holds
	params  map[string][]kind  // function path -> what each argument may hold
	rets    map[string]kind    // function path -> what the function returns
	funcs   map[string]bool    // the paths of functions
	consts  map[string]string  // rule path -> its value, for rules that are one constant string
	strs    map[ast.Var]string // the variables of the rule bound to a constant string
	read    userFields
	changed bool
	env     map[ast.Var]kind // the variables of the rule being analysed
	uses    map[ast.Var]int  // how often each variable of the rule appears
	rule0   *ast.Rule        // the rule being analysed, for why
	expr0   *ast.Expr        // the expression being analysed, for why
	why     string           // the first use the analysis cannot follow; set, every property is kept
}

// dynamic records the first use the analysis cannot account for, where it
// is, and so ends the analysis: every property is kept. Its callers return
// at once when what follows would read past what they checked.
func (a *fieldAnalysis) dynamic(why string) {
	if a.why != "" {
		return
	}
	if a.rule0 != nil && a.rule0.Location != nil {
		why = a.rule0.Location.String() + ": " + why
	}
	if a.expr0 != nil {
		why += " (in " + a.expr0.String() + ")"
	}
	a.why = why
}

func (a *fieldAnalysis) join(x, y kind) kind {
	switch {
	case x == y || y == noUser:
		return x
	case x == noUser:
		return y
	}
	a.dynamic("a user object where it cannot be followed")
	return x
}

func (a *fieldAnalysis) setRule(path string, k kind) {
	if j := a.join(a.rules[path], k); j != a.rules[path] {
		a.rules[path], a.changed = j, true
	}
}

func (a *fieldAnalysis) rule(path string, r *ast.Rule) {
	a.env = map[ast.Var]kind{}
	a.strs = map[ast.Var]string{}
	a.rule0, a.expr0 = r, nil
	a.uses = map[ast.Var]int{}
	ast.WalkVars(r, func(v ast.Var) bool {
		a.uses[v]++
		return false
	})
	if a.funcs[path] {
		ps := a.params[path]
		for i, arg := range r.Head.Args {
			if i >= len(ps) || ps[i] == noUser {
				continue
			}
			v, ok := arg.Value.(ast.Var)
			if !ok {
				a.dynamic("a pattern over a user object")
				return
			}
			a.env[v] = ps[i]
		}
	}
	for range 8 { // unifications may bind in any order within a body
		before := len(a.env)
		a.body(r.Body)
		if len(a.env) == before {
			break
		}
	}
	// What the rule's document holds.
	var k kind
	if hr := r.Head.Ref(); len(hr) > 1 && !hr[1:].IsGround() {
		for _, t := range hr[1:] {
			if a.term(t) != noUser {
				a.dynamic("a user object where it cannot be followed")
			}
		}
	}
	if r.Head.Key != nil && a.term(r.Head.Key) != noUser {
		if r.Head.Value != nil || a.term(r.Head.Key) != oneUser {
			a.dynamic("a user object where it cannot be followed")
		}
		k = manyUsers // a set of users
	}
	if r.Head.Value != nil {
		v := a.term(r.Head.Value)
		if v != noUser && (r.Head.Key != nil || len(r.Head.Ref()) > 1) {
			if v != oneUser {
				a.dynamic("a user object where it cannot be followed")
			}
			v = manyUsers // an object of users
		}
		k = a.join(k, v)
	}
	if a.funcs[path] {
		if j := a.join(a.rets[path], k); j != a.rets[path] {
			a.rets[path], a.changed = j, true
		}
		return
	}
	if k != noUser {
		a.setRule(groundPath(path, r), k)
	}
}

// groundPath is the path of the document rule r defines: for r[k] := v,
// the object r.
func groundPath(path string, r *ast.Rule) string {
	if r.Module == nil || r.Head.Ref().IsGround() {
		return path
	}
	return r.Ref().GroundPrefix().String()
}

func (a *fieldAnalysis) body(b ast.Body) {
	for _, e := range b {
		a.expr(e)
	}
}

func (a *fieldAnalysis) bind(t *ast.Term, k kind) {
	if k == noUser {
		return
	}
	v, ok := t.Value.(ast.Var)
	if !ok {
		a.dynamic("a user object unified with a pattern")
		return
	}
	if j := a.join(a.env[v], k); j != a.env[v] {
		a.env[v] = j
	}
}

func (a *fieldAnalysis) expr(e *ast.Expr) {
	a.expr0 = e
	if len(e.With) > 0 {
		a.dynamic("\"with input as ...\" replaces what was analysed")
		return
	}
	switch ts := e.Terms.(type) {
	case *ast.Term:
		a.term(ts) // a user object alone only tests that it is defined
		return
	case *ast.SomeDecl:
		for _, t := range ts.Symbols {
			if _, ok := t.Value.(ast.Var); !ok {
				a.dynamic("\"some x in xs\" left unrewritten")
			}
		}
		return
	case *ast.Every:
		a.every(ts)
		return
	case []*ast.Term:
	default:
		a.dynamic("a construct newer than the analysis")
		return
	}
	a.call(e.Operator().String(), e.Operands(), true)
}

// call follows a call of op with args; an expression's call (expr) has its
// output as the last operand, a call nested in a term returns it.
func (a *fieldAnalysis) call(op string, args []*ast.Term, expr bool) kind {
	switch op {
	case "eq", "assign":
		if len(args) != 2 {
			a.dynamic("a user object where it cannot be followed")
			return noUser
		}
		a.constVar(args[0], args[1])
		a.constVar(args[1], args[0])
		l, r := a.term(args[0]), a.term(args[1])
		if l != r {
			a.bind(args[0], r)
			a.bind(args[1], l)
		}
		return noUser
	}
	if a.funcs[op] {
		ps := a.params[op]
		for i, t := range args {
			k := a.term(t)
			if i >= len(ps) {
				ps = append(ps, noUser)
			}
			if j := a.join(ps[i], k); j != ps[i] {
				ps[i], a.changed = j, true
			}
		}
		a.params[op] = ps
		out := a.rets[op]
		if expr && out != noUser {
			// The output is the last operand past the declared arguments.
			a.bind(args[len(args)-1], out)
		}
		return out
	}
	if op == "array.concat" && len(args) >= 2 {
		// Concatenating collections of users keeps each element whole.
		out := noUser
		for _, t := range args[:2] {
			switch k := a.term(t); k {
			case noUser:
			case manyUsers:
				out = manyUsers
			default:
				a.dynamic("a builtin sees the whole object: its keys, its size, its JSON")
			}
		}
		if expr && len(args) == 3 {
			a.bind(args[2], out)
		}
		return out
	}
	for i, t := range args {
		k := a.term(t)
		switch {
		case k == noUser:
		case op == "object.get" && i == 0 && k == oneUser && len(args) > 1:
			s, ok := args[1].Value.(ast.String)
			if !ok {
				a.dynamic("a user object where it cannot be followed")
			}
			a.read[string(s)] = true
		case op == "count" && i == 0 && k == manyUsers:
		case op == "object.get" && i == 0 && k == wholeInput && len(args) > 1:
			// object.get(input, "usage", null): a tenant section.
			if s, ok := args[1].Value.(ast.String); !ok || s == "userRegistrationDetails" {
				a.dynamic("input read with a key the analysis cannot follow")
			}
		default:
			a.dynamic("a builtin sees the whole object: its keys, its size, its JSON")
		}
	}
	return noUser
}

// term returns what t may hold, recording the properties its references read.
func (a *fieldAnalysis) term(t *ast.Term) kind {
	switch v := t.Value.(type) {
	case ast.Var:
		if v == ast.InputRootDocument.Value.(ast.Var) {
			return wholeInput
		}
		if v == ast.DefaultRootDocument.Value.(ast.Var) {
			a.dynamic("the whole of data")
		}
		return a.env[v]
	case ast.Ref:
		return a.ref(v)
	case ast.Null, ast.Boolean, ast.Number, ast.String:
		return noUser
	case *ast.ArrayComprehension:
		a.body(v.Body)
		return a.elems(a.term(v.Term))
	case *ast.SetComprehension:
		a.body(v.Body)
		return a.elems(a.term(v.Term))
	case *ast.ObjectComprehension:
		a.body(v.Body)
		if a.term(v.Key) != noUser {
			a.dynamic("a user object where it cannot be followed")
		}
		return a.elems(a.term(v.Value))
	case *ast.Array:
		for i := range v.Len() {
			if a.term(v.Elem(i)) != noUser {
				a.dynamic("a user object where it cannot be followed")
			}
		}
	case ast.Set:
		v.Foreach(func(x *ast.Term) {
			if a.term(x) != noUser {
				a.dynamic("a user object where it cannot be followed")
			}
		})
	case ast.Object:
		v.Foreach(func(k, x *ast.Term) {
			if a.term(k) != noUser || a.term(x) != noUser {
				a.dynamic("a user object where it cannot be followed")
			}
		})
	case ast.Call:
		return a.call(v[0].String(), v[1:], false)
	default:
		a.dynamic("a term the analysis does not know")
	}
	return noUser
}

// elems is the kind of a collection of elements of kind k.
func (a *fieldAnalysis) elems(k kind) kind {
	switch k {
	case noUser:
		return noUser
	case oneUser:
		return manyUsers
	}
	a.dynamic("a user object where it cannot be followed")
	return noUser
}

func (a *fieldAnalysis) ref(r ast.Ref) kind {
	var k kind
	rest := r[1:]
	switch h := r[0].Value.(type) {
	case ast.Var:
		switch {
		case r[0].Equal(ast.DefaultRootDocument):
			k, rest = a.dataRef(r)
		case r[0].Equal(ast.InputRootDocument):
			k = wholeInput
		default:
			k = a.env[h]
		}
	default:
		k = a.term(r[0])
	}
	for _, key := range rest {
		if a.term(key) != noUser {
			a.dynamic("a user object used as a key")
		}
		switch k {
		case wholeInput:
			s, ok := key.Value.(ast.String)
			if !ok {
				a.dynamic("input[x]: a section chosen at run time")
			}
			k = noUser
			if s == "userRegistrationDetails" {
				k = manyUsers
			}
		case manyUsers:
			// In a set the key is the element itself: a user. The
			// variable iterating a collection of users must be used
			// nowhere else, or it could carry a user unseen.
			if v, ok := key.Value.(ast.Var); ok && a.uses[v] > 1 {
				a.dynamic("the key of a collection of users used elsewhere")
			}
			k = oneUser
		case oneUser:
			s, ok := key.Value.(ast.String)
			if v, isVar := key.Value.(ast.Var); isVar {
				var c string
				c, ok = a.strs[v]
				s = ast.String(c)
			}
			if !ok {
				a.dynamic("u[k]: a property chosen at run time")
			}
			a.read[string(s)] = true
			k = noUser
		}
	}
	return k
}

// dataRef resolves a reference into data: the rule it reaches and the keys
// after it. A reference that stops above a rule holding users (a package
// read whole, data.pkg[x]) is dynamic.
func (a *fieldAnalysis) dataRef(r ast.Ref) (kind, ast.Ref) {
	ground := r.GroundPrefix()
	for i := 2; i <= len(ground); i++ {
		if k, ok := a.rules[ground[:i].String()]; ok {
			return k, r[i:]
		}
	}
	prefix := ground.String()
	for path, k := range a.rules {
		if k != noUser && len(path) > len(prefix) && path[:len(prefix)] == prefix && (path[len(prefix)] == '.' || path[len(prefix)] == '[') {
			a.dynamic("a user object where it cannot be followed")
		}
	}
	return noUser, nil
}

// every follows "every k, v in xs { body }": over a collection of users v
// is a user (and k too, for a set, so k must be unused); over a user or
// input itself, the keys are chosen at run time.
func (a *fieldAnalysis) every(ev *ast.Every) {
	switch a.term(ev.Domain) {
	case noUser:
	case manyUsers:
		if ev.Key != nil {
			if v, ok := ev.Key.Value.(ast.Var); !ok || a.uses[v] > 1 {
				a.dynamic("the key of a collection of users used elsewhere")
			}
		}
		a.bind(ev.Value, oneUser)
	default:
		a.dynamic("every over a user's or input's keys")
	}
	a.body(ev.Body)
}

// constVar records that the variable v (when it is one) holds the constant
// string of t: a string, or a rule that is one (unknown_key := "...").
func (a *fieldAnalysis) constVar(v, t *ast.Term) {
	x, ok := v.Value.(ast.Var)
	if !ok {
		return
	}
	switch c := t.Value.(type) {
	case ast.String:
		a.strs[x] = string(c)
	case ast.Ref:
		if s, ok := a.consts[c.String()]; ok {
			a.strs[x] = s
		}
	}
}

// constString reports the value of a rule that is one constant string
// (unknown_key := "..."): with no arguments, key, else or default, whatever
// its body, it holds that string or nothing.
func constString(r *ast.Rule) (string, bool) {
	if len(r.Head.Args) > 0 || r.Head.Key != nil || r.Head.Value == nil || r.Else != nil || r.Default || !r.Head.Ref().IsGround() {
		return "", false
	}
	s, ok := r.Head.Value.Value.(ast.String)
	return string(s), ok
}
