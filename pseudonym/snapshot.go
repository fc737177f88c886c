package pseudonym

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/authgate/authgate/internal/atomicfile"
	"github.com/authgate/authgate/snapshot"
)

// User replaces the id, user principal name and display name of a row with
// their tokens. With Info it makes p a snapshot.Rewriter: given as
// ScanOptions.Rewrite, the scan hands on a pseudonymised view of the
// snapshot, so an evaluation never sees a real identifier (check and run
// --pseudonymize), and Snapshot writes that view to a file (evidence).
func (p *Pseudonymizer) User(u *snapshot.UserRegistrationDetails) {
	u.ID, u.UserPrincipalName, u.UserDisplayName = p.ID(u.ID), p.UPN(u.UserPrincipalName), p.Name(u.UserDisplayName)
}

// Info replaces the identifiers in the rest of a snapshot: the manifest's
// principal (as a UPN: Reveal maps it back), the users the methods policy
// section names (group members, user targets), the users of the roles and
// exclusionGroups sections (principals and group members), and UPN- or GUID-shaped
// words in the reasons the manifest, the usage and the policy sections give
// (Graph's refusals may name the caller). The tenant id stays. Counts,
// methods, summaries and hashes are unchanged, so the view evaluates to the
// verdict of the original.
func (p *Pseudonymizer) Info(in *snapshot.Info) error {
	keep := map[string]bool{strings.ToLower(in.Manifest.TenantID): true}
	m := &in.Manifest
	m.Principal = p.UPN(m.Principal)
	for i := range m.Summaries {
		m.Summaries[i].Reason = p.Text(m.Summaries[i].Reason, nil, keep)
	}
	if u := in.Usage; u != nil {
		u.ActivityReason = p.Text(u.ActivityReason, nil, keep)
		u.SignInsReason = p.Text(u.SignInsReason, nil, keep)
	}
	if mp := in.MethodsPolicy; mp != nil {
		pol, err := p.methodsPolicy(mp, keep)
		if err != nil {
			return err
		}
		in.MethodsPolicy = pol
	}
	// The roles and exclusion groups name users with the tokens of their
	// rows: dropping or missing them would shrink the admin set (passing the
	// admin controls) or un-exclude users.
	roles, err := p.roles(in.Roles)
	if err != nil {
		return err
	}
	if roles != nil {
		roles.EligibilityReason = p.Text(roles.EligibilityReason, nil, keep)
		roles.GroupEligibilityReason = p.Text(roles.GroupEligibilityReason, nil, keep)
	}
	in.Roles = roles
	if in.ExclusionGroups != nil {
		if in.ExclusionGroups, err = p.groups(in.ExclusionGroups, "exclusionGroups"); err != nil {
			return err
		}
	}
	return nil
}

// Snapshot writes to dst the pseudonymised view of the snapshot at src
// (User, Info); usersSha256 and userCount describe the copy.
func (p *Pseudonymizer) Snapshot(ctx context.Context, src, dst string, opts snapshot.ScanOptions) error {
	opts.Rewrite = p
	return atomicfile.Write(dst, 0o600, func(w io.Writer) error {
		sw, err := snapshot.NewWriter(w)
		if err != nil {
			return err
		}
		info, err := snapshot.Scan(ctx, src, opts, func(chunk []snapshot.UserRegistrationDetails) error {
			for i := range chunk {
				b, err := json.Marshal(&chunk[i])
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
		// The usage section holds counts, no identifiers: dropping it would
		// skip the usage controls in the copy and change its verdict.
		sw.SetUsage(info.Usage)
		// Info pseudonymised the roles, exclusion groups and methods policy
		// sections of the view.
		sw.SetRoles(info.Roles)
		if info.ExclusionGroups != nil {
			sw.SetExclusionGroups(info.ExclusionGroups)
		}
		sw.SetMethodsPolicy(info.MethodsPolicy)
		_, err = sw.Close(info.UsersRegisteredByFeature, info.UsersRegisteredByMethod, info.Manifest)
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
	opts.Rewrite = nil // the original identifiers
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
			m := Match{Kind: "userPrincipalName", Value: u.UserPrincipalName, UserID: u.ID}
			add(p.UPN(u.UserPrincipalName), m)
			add(p.ID(u.UserPrincipalName), m) // the whole UPN's token, as tokens were once made
			if i := strings.LastIndexByte(u.UserPrincipalName, '@'); i > 0 {
				add(p.ID(u.UserPrincipalName[:i]), m) // the local part's token alone
			}
			add(p.Name(u.UserDisplayName), Match{Kind: "displayName", Value: u.UserDisplayName, UserID: u.ID})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if pr := info.Manifest.Principal; pr != "" {
		add(p.UPN(pr), Match{Kind: "manifest.principal", Value: pr})
		add(p.ID(pr), Match{Kind: "manifest.principal", Value: pr})
	}
	rolePeople(info.Roles, info.ExclusionGroups, func(id, upn, name string) {
		add(p.ID(id), Match{Kind: "id", Value: id, UserID: id})
		add(p.UPN(upn), Match{Kind: "userPrincipalName", Value: upn, UserID: id})
		add(p.ID(upn), Match{Kind: "userPrincipalName", Value: upn, UserID: id})
		add(p.Name(name), Match{Kind: "displayName", Value: name, UserID: id})
	})
	return out, nil
}
