package evaluator

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/authgate/authgate/result"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/loader"
)

// reservedPackages are the parts of data.authgate that are not controls.
var reservedPackages = []string{"authgate.lib", "authgate.params", "authgate.taxonomy", "authgate.baseline"}

// reservedRoots are the documents under data.authgate that only authgate
// defines: its library, the parameters in force, the taxonomy, the baseline
// and the built-in controls. A user policy that defined a rule there would
// change what the built-in controls compute (a library function that calls
// every method phishing-resistant, a parameter nobody set): parameters
// reach Rego only through METADATA defaults, authgate.yaml and --set.
var reservedRoots = []string{"lib", "params", "taxonomy", "baseline", "builtin"}

// checkReserved refuses a user module whose package, or any of whose rules,
// lies in a reserved document. The shared test fixtures (authgate.fixtures)
// may be extended by test files only.
func checkReserved(m module) error {
	roots := reservedRoots
	if !m.test {
		roots = append(slices.Clone(roots), "fixtures")
	}
	reservedAt := func(r ast.Ref) string {
		for _, root := range roots {
			res := ast.MustParseRef("data.authgate." + root)
			if r.HasPrefix(res) {
				return strings.TrimPrefix(res.String(), "data.")
			}
		}
		return ""
	}
	pkg := m.parsed.Package
	if res := reservedAt(pkg.Path); res != "" {
		return &PolicyError{File: m.name, Line: pkg.Location.Row, Msg: fmt.Sprintf("package %s is reserved: %s belongs to authgate and cannot be defined or extended by a policy (parameters are set with METADATA defaults, authgate.yaml or --set)", strings.TrimPrefix(pkg.Path.String(), "data."), res)}
	}
	var internal *ast.Location
	ast.WalkRefs(m.parsed, func(r ast.Ref) bool {
		if internal == nil && r.String() == runningBuiltin {
			internal = r[0].Location
		}
		return internal != nil
	})
	if internal != nil {
		return &PolicyError{File: m.name, Line: internal.Row, Msg: fmt.Sprintf("%s is authgate's own and cannot be called by a policy", runningBuiltin)}
	}
	for _, r := range m.parsed.Rules {
		path := pkg.Path.Extend(r.Head.Ref().GroundPrefix())
		if res := reservedAt(path); res != "" {
			return &PolicyError{File: m.name, Line: r.Location.Row, Msg: fmt.Sprintf("rule %s is in %s, which is reserved: it belongs to authgate and cannot be defined or extended by a policy (parameters are set with METADATA defaults, authgate.yaml or --set)", strings.TrimPrefix(path.String(), "data."), res)}
		}
	}
	return nil
}

// builtinPrefix is the package prefix of the built-in pack.
const builtinPrefix = "authgate.builtin."

// module is one parsed Rego file.
type module struct {
	name    string // file name shown in errors
	parsed  *ast.Module
	builtin bool
	test    bool
}

// loadFS parses every .rego file under the given roots of fsys, leaving
// the *_test.rego files unread unless withTests is set (they are larger than
// the controls: parsing them cost a quarter of check's start-up). Names are
// prefixed with prefix so errors point at the repository path.
func loadFS(fsys fs.FS, roots []string, prefix string, withTests bool) ([]module, error) {
	var out []module
	for _, root := range roots {
		err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(p, ".rego") || (!withTests && strings.HasSuffix(p, "_test.rego")) {
				return nil
			}
			src, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			name := path.Join(prefix, p)
			m, err := parseModule(name, src)
			if err != nil {
				return err
			}
			out = append(out, module{name: name, parsed: m, builtin: true, test: strings.HasSuffix(p, "_test.rego")})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// loadPaths parses the .rego files at the given paths (files or folders).
func loadPaths(paths []string, withTests bool) ([]module, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	for _, p := range paths {
		if err := checkPolicyFiles(p); err != nil {
			return nil, err
		}
	}
	res, err := loader.NewFileLoader().
		WithProcessAnnotation(true).
		WithRegoVersion(ast.RegoV1).
		Filtered(paths, func(_ string, info fs.FileInfo, _ int) bool {
			if info.IsDir() {
				return false
			}
			if !strings.HasSuffix(info.Name(), ".rego") {
				return true
			}
			return !withTests && strings.HasSuffix(info.Name(), "_test.rego")
		})
	if err != nil {
		return nil, loaderError(err)
	}
	var out []module
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range res.Modules {
			if !yield(k) {
				return
			}
		}
	}) {
		f := res.Modules[name]
		m := module{name: f.Name, parsed: f.Parsed, test: strings.HasSuffix(f.Name, "_test.rego")}
		if err := checkReserved(m); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		return nil, &PolicyError{File: strings.Join(paths, ", "), Msg: "no .rego files found"}
	}
	return out, nil
}

// maxPolicyFileBytes caps one .rego file: the whole built-in pack is a
// fraction of it.
const maxPolicyFileBytes = 4 << 20

// checkPolicyFiles refuses, before anything is read, the .rego files under
// root that a hostile checkout could use to hang or exhaust the process or
// to read files outside it: FIFOs, devices and sockets (a link to /dev/zero
// is read forever), links leading outside root, and files larger than
// maxPolicyFileBytes. root itself was named on the command line and may be
// a link.
func checkPolicyFiles(root string) error {
	check := func(p string, info fs.FileInfo) error {
		if !info.Mode().IsRegular() {
			return &PolicyError{File: p, Msg: fmt.Sprintf("not a regular file (%s): refused", info.Mode().Type())}
		}
		if info.Size() > maxPolicyFileBytes {
			return &PolicyError{File: p, Msg: fmt.Sprintf("%d bytes: larger than the %d MiB a policy file may have", info.Size(), maxPolicyFileBytes>>20)}
		}
		return nil
	}
	info, err := os.Stat(root)
	if err != nil {
		return nil // the loader names a missing path
	}
	if !info.IsDir() {
		if !strings.HasSuffix(root, ".rego") {
			return nil
		}
		return check(root, info)
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return &PolicyError{File: root, Msg: err.Error()}
	}
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return &PolicyError{File: p, Msg: err.Error()}
		}
		if d.IsDir() || !strings.HasSuffix(d.Name(), ".rego") {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			real, err := filepath.EvalSymlinks(p)
			if err != nil {
				return &PolicyError{File: p, Msg: err.Error()}
			}
			if rel, err := filepath.Rel(realRoot, real); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				return &PolicyError{File: p, Msg: "a link to a file outside the policy folder: refused"}
			}
		}
		info, err := os.Stat(p)
		if err != nil {
			return &PolicyError{File: p, Msg: err.Error()}
		}
		return check(p, info)
	})
}

func parseModule(name string, src []byte) (*ast.Module, error) {
	m, err := ast.ParseModuleWithOpts(name, string(src), ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
	if err != nil {
		return nil, astError(err)
	}
	return m, nil
}

// astError turns OPA's error lists into one PolicyError for the first
// error, mentioning how many more there are.
func astError(err error) error {
	var errs ast.Errors
	switch e := err.(type) {
	case ast.Errors:
		errs = e
	case *ast.Error:
		errs = ast.Errors{e}
	default:
		return &PolicyError{Msg: err.Error()}
	}
	if len(errs) == 0 {
		return &PolicyError{Msg: err.Error()}
	}
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Location.Compare(errs[j].Location) < 0 })
	first := errs[0]
	pe := &PolicyError{Msg: first.Message}
	if first.Code != "" {
		pe.Msg = first.Code + ": " + first.Message
	}
	if first.Location != nil {
		pe.File, pe.Line, pe.Col = first.Location.File, first.Location.Row, first.Location.Col
	}
	if len(errs) > 1 {
		pe.Msg += fmt.Sprintf(" (and %d more errors)", len(errs)-1)
	}
	return pe
}

func loaderError(err error) error {
	var errs loader.Errors
	if e, ok := err.(loader.Errors); ok {
		errs = e
	}
	for _, e := range errs {
		if ae, ok := e.(*ast.Error); ok {
			return astError(ae)
		}
	}
	if len(errs) > 0 {
		return &PolicyError{Msg: errs[0].Error()}
	}
	return &PolicyError{Msg: err.Error()}
}

// controlDef is a control as declared in METADATA.
type controlDef struct {
	result.Control                       // metadata part; outcome fields unused here
	ruleName       string                // "violation" or "deny"
	hasSkip        bool                  // the package defines skip
	params         map[string]any        // declared params with defaults
	ranges         map[string]paramRange // declared ranges of numeric params
	path           ast.Ref               // data.authgate.x
	anchor         string                // "manifest" or a summary key, for tenant findings
}

var requiredMeta = []string{"id", "severity", "scope", "remediation", "references"}

// controlsFrom reads the controls out of the compiled modules' METADATA.
func controlsFrom(c *ast.Compiler, mods []module) ([]*controlDef, error) {
	byPkg := map[string]*controlDef{}
	ids := map[string]string{}
	var out []*controlDef
	for _, m := range mods {
		if m.test {
			continue
		}
		pkg := strings.TrimPrefix(m.parsed.Package.Path.String(), "data.")
		if !strings.HasPrefix(pkg, "authgate.") {
			return nil, &PolicyError{File: m.name, Line: m.parsed.Package.Location.Row, Msg: fmt.Sprintf("package %s is outside authgate.: controls live in packages under authgate.", pkg)}
		}
		if !m.builtin && strings.HasPrefix(pkg+".", builtinPrefix) {
			return nil, &PolicyError{File: m.name, Line: m.parsed.Package.Location.Row, Msg: fmt.Sprintf("package %s is reserved for the built-in pack", pkg)}
		}
		reserved := slices.ContainsFunc(reservedPackages, func(r string) bool { return pkg == r || strings.HasPrefix(pkg, r+".") })
		var ann *ast.Annotations
		for _, a := range m.parsed.Annotations {
			if a.Scope == "package" && a.Custom["id"] != nil {
				ann = a
			}
		}
		if reserved {
			if ann != nil && !m.builtin {
				return nil, &PolicyError{File: m.name, Line: m.parsed.Package.Location.Row, Msg: fmt.Sprintf("package %s is reserved", pkg)}
			}
			continue
		}
		if ann == nil {
			if definesRule(m.parsed, "violation") || definesRule(m.parsed, "deny") {
				if _, ok := byPkg[pkg]; !ok {
					return nil, &PolicyError{File: m.name, Line: m.parsed.Package.Location.Row, Msg: fmt.Sprintf("package %s defines violation but has no package METADATA with custom.id", pkg)}
				}
			}
			continue
		}
		def, err := controlFromAnnotation(m, pkg, ann)
		if err != nil {
			return nil, err
		}
		if prev, ok := ids[def.ID]; ok {
			return nil, &PolicyError{File: m.name, Line: ann.Location.Row, Control: def.ID, Msg: fmt.Sprintf("id clashes with the control in %s", prev)}
		}
		if other, ok := byPkg[pkg]; ok {
			return nil, &PolicyError{File: m.name, Line: ann.Location.Row, Control: def.ID, Msg: fmt.Sprintf("package %s already declares control %s", pkg, other.ID)}
		}
		ids[def.ID] = fmt.Sprintf("%s:%d", m.name, ann.Location.Row)
		byPkg[pkg] = def
		out = append(out, def)
	}
	for _, def := range out {
		viol := c.GetRulesExact(def.path.Append(ast.StringTerm("violation")))
		deny := c.GetRulesExact(def.path.Append(ast.StringTerm("deny")))
		switch {
		case len(viol) > 0 && len(deny) > 0:
			return nil, &PolicyError{File: def.Source, Line: def.Line, Control: def.ID, Msg: "defines both violation and deny; use one"}
		case len(viol) > 0:
			def.ruleName = "violation"
		case len(deny) > 0:
			def.ruleName = "deny"
		default:
			return nil, &PolicyError{File: def.Source, Line: def.Line, Control: def.ID, Msg: "defines no violation rule (violation contains v if { ... })"}
		}
		for _, r := range append(viol, deny...) {
			if r.Head.RuleKind() != ast.MultiValue {
				return nil, &PolicyError{File: r.Location.File, Line: r.Location.Row, Control: def.ID, Msg: fmt.Sprintf("%s must be a set: write `%s contains v if { ... }`", def.ruleName, def.ruleName)}
			}
		}
		skip := c.GetRulesExact(def.path.Append(ast.StringTerm("skip")))
		for _, r := range skip {
			if r.Head.RuleKind() != ast.MultiValue {
				return nil, &PolicyError{File: r.Location.File, Line: r.Location.Row, Control: def.ID, Msg: "skip must be a set of strings: write `skip contains reason if { ... }`"}
			}
		}
		def.hasSkip = len(skip) > 0
	}
	slices.SortFunc(out, func(a, b *controlDef) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

func definesRule(m *ast.Module, name string) bool {
	for _, r := range m.Rules {
		if r.Head.Name.String() == name || (len(r.Head.Reference) > 0 && r.Head.Reference[0].Value.String() == name) {
			return true
		}
	}
	return false
}

func controlFromAnnotation(m module, pkg string, ann *ast.Annotations) (*controlDef, error) {
	id, _ := ann.Custom["id"].(string)
	perr := func(format string, a ...any) error {
		return &PolicyError{File: m.name, Line: ann.Location.Row, Control: id, Msg: fmt.Sprintf(format, a...)}
	}
	if id == "" {
		return nil, perr("METADATA custom.id must be a non-empty string")
	}
	if ann.Title == "" {
		return nil, perr("METADATA title is missing")
	}
	if ann.Description == "" {
		return nil, perr("METADATA description is missing")
	}
	for _, f := range requiredMeta {
		if ann.Custom[f] == nil {
			return nil, perr("METADATA custom.%s is missing", f)
		}
	}
	sevName, _ := ann.Custom["severity"].(string)
	sev, err := result.ParseSeverity(sevName)
	if err != nil {
		return nil, perr("METADATA custom.severity: %v", err)
	}
	scopeName, _ := ann.Custom["scope"].(string)
	scope := result.Scope(scopeName)
	if scope != result.ScopeUser && scope != result.ScopeTenant && scope != result.ScopeDocument {
		return nil, perr("METADATA custom.scope %q is not one of user, tenant, document", scopeName)
	}
	remediation, ok := ann.Custom["remediation"].(string)
	if !ok || remediation == "" {
		return nil, perr("METADATA custom.remediation must be a non-empty string")
	}
	refs, err := parseReferences(ann.Custom["references"])
	if err != nil {
		return nil, perr("METADATA custom.references: %v", err)
	}
	params := map[string]any{}
	if raw, ok := ann.Custom["params"]; ok && raw != nil {
		pm, ok := raw.(map[string]any)
		if !ok {
			return nil, perr("METADATA custom.params must be a map of name: default")
		}
		for k, v := range pm {
			params[k] = normalize(v)
		}
	}
	ranges, err := parseParamSchema(ann.Custom["param_schema"], params)
	if err != nil {
		return nil, perr("METADATA custom.param_schema: %v", err)
	}
	anchor := "manifest"
	if a, ok := ann.Custom["anchor"].(string); ok && a != "" {
		anchor = a
	}
	family := result.FamilyOf(id)
	builtin := m.builtin
	if !builtin || family == "" {
		family = strings.TrimPrefix(pkg, "authgate.") // outputs prefix it with "authgate."
	}
	path := ast.MustParseRef("data." + pkg)
	return &controlDef{
		Control: result.Control{
			ID: id, Title: strings.TrimSpace(ann.Title), Description: strings.TrimSpace(ann.Description),
			Severity: sev, Scope: scope, Remediation: strings.TrimSpace(remediation), References: refs,
			Package: pkg, Family: family, Builtin: builtin, Source: m.name, Line: m.parsed.Package.Location.Row,
		},
		params: params,
		ranges: ranges,
		path:   path,
		anchor: anchor,
	}, nil
}

func parseReferences(raw any) ([]result.Reference, error) {
	list, ok := raw.([]any)
	if !ok || len(list) == 0 {
		return nil, fmt.Errorf("want a non-empty list of {id, description, url}")
	}
	var out []result.Reference
	for i, item := range list {
		switch v := item.(type) {
		case string:
			out = append(out, result.Reference{ID: v})
		case map[string]any:
			var r result.Reference
			r.ID, _ = v["id"].(string)
			r.Description, _ = v["description"].(string)
			r.URL, _ = v["url"].(string)
			if r.ID == "" && r.URL == "" && r.Description == "" {
				return nil, fmt.Errorf("[%d] has none of id, description, url", i)
			}
			out = append(out, r)
		default:
			return nil, fmt.Errorf("[%d] want a string or an object", i)
		}
	}
	return out, nil
}

// normalize turns YAML/JSON-decoded values into the JSON shapes OPA's store
// accepts (numbers as json.Number, maps with string keys).
func normalize(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return v
	}
	return out
}

// nameControl fills PolicyError.Control with the id the erring file's
// package METADATA declares, when it declares one.
func nameControl(err error, mods []module) error {
	pe, ok := err.(*PolicyError)
	if !ok || pe.Control != "" || pe.File == "" {
		return err
	}
	for _, m := range mods {
		if m.name != pe.File {
			continue
		}
		for _, a := range m.parsed.Annotations {
			if id, ok := a.Custom["id"].(string); ok && a.Scope == "package" {
				pe.Control = id
			}
		}
	}
	return pe
}
