package pseudonym

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/authgate/authgate/internal/atomicfile"
	"github.com/authgate/authgate/snapshot"
)

// Snapshot writes to dst a copy of the snapshot at src whose ids, UPNs and
// display names are tokens, as is the manifest's principal. Counts,
// methods, flags, summaries and the usage section are unchanged, and the
// roles and exclusionGroups sections are kept with their users tokenised
// exactly as the rows are, so the copy evaluates to the same verdict;
// usersSha256 and userCount describe the copy.
func (p *Pseudonymizer) Snapshot(ctx context.Context, src, dst string, opts snapshot.ScanOptions) error {
	return atomicfile.Write(dst, 0o600, func(w io.Writer) error {
		sw, err := snapshot.NewWriter(w)
		if err != nil {
			return err
		}
		info, err := snapshot.Scan(ctx, src, opts, func(chunk []snapshot.UserRegistrationDetails) error {
			for i := range chunk {
				u := chunk[i]
				u.ID, u.UserPrincipalName, u.UserDisplayName = p.ID(u.ID), p.ID(u.UserPrincipalName), p.Name(u.UserDisplayName)
				b, err := json.Marshal(&u)
				if err != nil {
					return fmt.Errorf("pseudonymize snapshot: %w", err)
				}
				if err := sw.WriteUser(b); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		m := info.Manifest
		if m.Principal != "" {
			m.Principal = p.Text(m.Principal, nil, map[string]bool{})
		}
		// The usage section holds counts, no identifiers: dropping it would
		// skip the usage controls in the copy and change its verdict.
		sw.SetUsage(info.Usage)
		// Dropping the roles would shrink the admin set and pass the admin
		// controls; dropping the exclusion groups would un-exclude users.
		roles, err := p.roles(info.Roles)
		if err != nil {
			return err
		}
		sw.SetRoles(roles)
		if info.ExclusionGroups != nil {
			gs, err := p.groups(info.ExclusionGroups, "exclusionGroups")
			if err != nil {
				return err
			}
			sw.SetExclusionGroups(gs)
		}
		if info.MethodsPolicy != nil {
			pol, err := p.methodsPolicy(info.MethodsPolicy)
			if err != nil {
				return err
			}
			sw.SetMethodsPolicy(pol)
		}
		_, err = sw.Close(info.UsersRegisteredByFeature, info.UsersRegisteredByMethod, m)
		return err
	})
}

// Match is one identifier of a snapshot whose token was asked for.
type Match struct {
	// Kind is "id", "userPrincipalName", "displayName" or "manifest.principal".
	Kind string `json:"kind"`
	// Value is the identifier as the snapshot writes it.
	Value string `json:"value"`
	// UserID is the id of the user it belongs to ("" for the principal).
	UserID string `json:"userId,omitempty"`
}

// Reveal maps tokens back to the identifiers of the snapshot at path by
// recomputing the token of every id, UPN and display name. Tokens no
// identifier of the snapshot produces are absent from the map.
func (p *Pseudonymizer) Reveal(ctx context.Context, path string, tokens []string, opts snapshot.ScanOptions) (map[string][]Match, error) {
	want := map[string]bool{}
	for _, t := range tokens {
		want[t] = true
	}
	out := map[string][]Match{}
	add := func(tok string, m Match) {
		if want[tok] && !slices.Contains(out[tok], m) {
			out[tok] = append(out[tok], m)
		}
	}
	info, err := snapshot.Scan(ctx, path, opts, func(chunk []snapshot.UserRegistrationDetails) error {
		for i := range chunk {
			u := &chunk[i]
			add(p.ID(u.ID), Match{Kind: "id", Value: u.ID, UserID: u.ID})
			add(p.ID(u.UserPrincipalName), Match{Kind: "userPrincipalName", Value: u.UserPrincipalName, UserID: u.ID})
			add(p.Name(u.UserDisplayName), Match{Kind: "displayName", Value: u.UserDisplayName, UserID: u.ID})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if pr := info.Manifest.Principal; pr != "" {
		add(p.ID(pr), Match{Kind: "manifest.principal", Value: pr})
	}
	rolePeople(info.Roles, info.ExclusionGroups, func(id, upn, name string) {
		add(p.ID(id), Match{Kind: "id", Value: id, UserID: id})
		add(p.ID(upn), Match{Kind: "userPrincipalName", Value: upn, UserID: id})
		add(p.Name(name), Match{Kind: "displayName", Value: name, UserID: id})
	})
	return out, nil
}
