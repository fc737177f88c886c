package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/snapshot"
)

// Taxonomy is the part of the pack's method taxonomy the aggregates use.
type Taxonomy struct {
	Classes []string         // sorted class names
	ClassOf map[string][]int // method name -> indexes into Classes
}

// LoadTaxonomy reads data/taxonomy.json of the pack.
func LoadTaxonomy(fsys fs.FS) (*Taxonomy, error) {
	b, err := fs.ReadFile(fsys, "data/taxonomy.json")
	if err != nil {
		return nil, fmt.Errorf("load taxonomy: %w", err)
	}
	var raw struct {
		Classes map[string][]string `json:"classes"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("load taxonomy: %w", err)
	}
	t := &Taxonomy{Classes: slices.Sorted(maps.Keys(raw.Classes)), ClassOf: map[string][]int{}}
	for i, c := range t.Classes {
		for _, m := range raw.Classes[c] {
			t.ClassOf[m] = append(t.ClassOf[m], i)
		}
	}
	return t, nil
}

// Aggregates wraps the evaluator's figures with the JSON shape of input.aggregates.
type Aggregates struct{ *evaluator.Aggregates }

// Compute counts the aggregates of the snapshot at path in one streaming
// pass, as the evaluator does: users per scope by capability, method and
// method class, users with no method, the rows' lastUpdatedDateTime range,
// and the rows of the watched (break-glass) accounts.
func Compute(path string, tax *Taxonomy, watched []string) (*Aggregates, error) {
	var tally snapshot.Tally
	scopes := []string{"all", "member", "guest", "admin"}
	perClass := map[string][]int64{}
	noMethods := map[string]int64{}
	for _, s := range scopes {
		perClass[s] = make([]int64, len(tax.Classes))
	}
	watch := map[string][]string{}
	for _, e := range slices.Compact(slices.Sorted(slices.Values(watched))) {
		k := strings.ToLower(e)
		watch[k] = append(watch[k], e)
	}
	accounts := map[string]*evaluator.AccountRow{}
	mark := make([]bool, len(tax.Classes))
	add := func(scope string, u *snapshot.UserRegistrationDetails) {
		for i, on := range mark {
			if on {
				perClass[scope][i]++
			}
		}
		if len(u.MethodsRegistered) == 0 {
			noMethods[scope]++
		}
	}
	info, err := snapshot.Scan(context.Background(), path, snapshot.ScanOptions{}, func(chunk []snapshot.UserRegistrationDetails) error {
		for k := range chunk {
			u := &chunk[k]
			tally.Add(u)
			clear(mark)
			for _, m := range u.MethodsRegistered {
				for _, c := range tax.ClassOf[m] {
					mark[c] = true
				}
			}
			add("all", u)
			switch u.UserType {
			case "member", "guest":
				add(u.UserType, u)
			}
			if u.IsAdmin {
				add("admin", u)
			}
			for _, key := range []string{strings.ToLower(u.ID), strings.ToLower(u.UserPrincipalName)} {
				for _, e := range watch[key] {
					accounts[e] = &evaluator.AccountRow{ID: u.ID, UserPrincipalName: u.UserPrincipalName, UserDisplayName: u.UserDisplayName, MethodsRegistered: u.MethodsRegistered, Offset: u.Offset}
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &evaluator.Aggregates{Users: tally.All.Users, Scopes: map[string]*evaluator.ScopeCounts{}, LastUpdated: info.LastUpdated, Accounts: map[string]*evaluator.AccountRow{}}
	for _, name := range scopes {
		typ, role := "all", "all"
		switch name {
		case "member", "guest":
			typ = name
		case "admin":
			role = "admin"
		}
		sc := &evaluator.ScopeCounts{Counts: *tally.Counts(snapshot.Scope{UserTypes: typ, UserRoles: role}), Classes: map[string]int64{}, NoMethods: noMethods[name]}
		if sc.Methods == nil {
			sc.Methods = map[string]int64{}
		}
		for i, n := range perClass[name] {
			sc.Classes[tax.Classes[i]] = n
		}
		out.Scopes[name] = sc
	}
	for _, e := range watched {
		out.Accounts[e] = accounts[e]
	}
	return &Aggregates{out}, nil
}

// JSON returns the aggregates in the documented shape of input.aggregates.
func (a *Aggregates) JSON() map[string]any {
	scopes := map[string]any{}
	for name, s := range a.Scopes {
		scopes[name] = map[string]any{
			"users":                  s.Users,
			"mfaCapable":             s.MfaCapable,
			"mfaRegistered":          s.MfaRegistered,
			"passwordlessCapable":    s.PasswordlessCapable,
			"ssprCapable":            s.SsprCapable,
			"ssprEnabled":            s.SsprEnabled,
			"ssprRegistered":         s.SsprRegistered,
			"systemPreferredEnabled": s.SystemPreferredEnabled,
			"methods":                s.Methods,
			"classes":                s.Classes,
			"noMethods":              s.NoMethods,
		}
	}
	accounts := map[string]any{}
	for k, row := range a.Accounts {
		if row == nil {
			accounts[k] = nil
			continue
		}
		ms := row.MethodsRegistered
		if ms == nil {
			ms = []string{}
		}
		accounts[k] = map[string]any{"id": row.ID, "userPrincipalName": row.UserPrincipalName, "userDisplayName": row.UserDisplayName, "methodsRegistered": ms}
	}
	var lu any
	if a.LastUpdated != nil {
		lu = map[string]any{"min": a.LastUpdated.Min, "max": a.LastUpdated.Max}
	}
	return map[string]any{"users": a.Users, "scopes": scopes, "lastUpdatedDateTime": lu, "accounts": accounts}
}
