package tenantgen

import (
	"slices"

	"github.com/authgate/authgate/snapshot"
)

// ServiceAccountsGroup is a group of the emulated tenant that holds no role:
// a few member accounts a demo exclusion names (shared mailboxes and
// service accounts), see RoleFixture.ServiceAccounts.
const (
	ServiceAccountsGroup     = "5e2f1a3b-7c4d-4e5f-8a6b-9c0d1e2f3a4b"
	serviceAccountsGroupName = "Shared-and-Service-Accounts"
)

// Built-in role template ids the emulator assigns (Microsoft's).
const (
	RoleGlobalAdmin          = "62e90394-69f5-4237-9190-012177145e10"
	RolePrivilegedRoleAdmin  = "e8611ab8-c189-46e8-94e1-60213ab1f814"
	RoleSecurityAdmin        = "194ae4cb-b126-40b2-bd5b-6091b380977d"
	RoleUserAdmin            = "fe930be7-5e62-47db-91af-98c3a49a38b1"
	RoleHelpdeskAdmin        = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
	RoleExchangeAdmin        = "29232cdf-9323-42fd-ade2-1d097af3e4de"
	RoleReportsReader        = "4a5d8f65-41da-4de4-8968-e035b65339cf"
	RoleCustomAuditorID      = "3f5a6c1e-0b7d-4e2a-9c8f-1d2e3f4a5b6c"
	RoleGroupPIMAdmins       = "7c1f0e2a-5b3d-4a6e-8f9c-0d1e2f3a4b5c"
	RoleGroupHelpdesk        = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
	RoleOrphanPrincipal      = "d4c3b2a1-0f9e-4d8c-b7a6-958473625140"
	RoleServicePrincipal     = "aa11bb22-cc33-4d44-8e55-ff6600778899"
	RoleOrphanPrincipalUPN   = "former.admin@" + Domain
	roleGroupPIMAdminsName   = "PIM-Admins"
	roleGroupHelpdeskName    = "Helpdesk-Operators"
	RoleCustomAuditorName    = "Tenant Auditor (custom)"
	roleFixtureScan          = 5000
	roleFixtureBlindSpotWant = 3
)

// BuiltinRoles are the built-in role definitions the emulator serves, with
// whether Microsoft labels them privileged.
var BuiltinRoles = []struct {
	ID, Name   string
	Privileged bool
}{
	{RoleGlobalAdmin, "Global Administrator", true},
	{RolePrivilegedRoleAdmin, "Privileged Role Administrator", true},
	{RoleSecurityAdmin, "Security Administrator", true},
	{RoleUserAdmin, "User Administrator", true},
	{RoleHelpdeskAdmin, "Helpdesk Administrator", true},
	{RoleExchangeAdmin, "Exchange Administrator", false},
	{RoleReportsReader, "Reports Reader", false},
}

// RoleGrant is one assignment the emulator serves: a user (or group, or
// service principal) holding or eligible for a role.
type RoleGrant struct {
	ID             string
	PrincipalID    string
	PrincipalType  string // user, group, servicePrincipal
	PrincipalName  string // UPN of a user, displayName otherwise
	RoleTemplateID string
	Eligible       bool
}

// RoleFixture is what the emulator serves for a tenant's roles.
type RoleFixture struct {
	Grants []RoleGrant
	// Groups maps a group id to its name and its members' indexes (or -1
	// for none).
	Groups map[string]RoleFixtureGroup
	// BlindSpot are the UPNs of report users who hold or are eligible for a
	// role although their row says isAdmin false.
	BlindSpot []string
	// GroupHeld are the UPNs of users who hold a role only through a group.
	GroupHeld []string
	// EligibleOnly are the UPNs of users whose only role is eligible.
	EligibleOnly []string
	// EligibleGlobalAdmin is the UPN of the member isAdmin misses who is
	// eligible for Global Administrator directly.
	EligibleGlobalAdmin string
	// GroupEligible are the UPNs of users eligible to become members of a
	// role-assignable group (PIM for Groups).
	GroupEligible []string
	// ServiceAccounts are the UPNs of ServiceAccountsGroup's members.
	ServiceAccounts []string
}

// RoleFixtureGroup is a role-assignable group of the fixture.
type RoleFixtureGroup struct {
	Name    string
	Members []int // user indexes
	// Eligible are the users eligible to become members (PIM for Groups).
	Eligible []int
	// NoRole marks a group that holds no role.
	NoRole bool
}

// Roles returns the tenant's directory roles, consistent with its users:
// each isAdmin user of the first users holds an active role (every third
// one only an eligible one); three members whom isAdmin misses are eligible
// for Global Administrator directly or hold a role through a group; a
// former administrator absent from the report and a service principal hold
// active roles; a custom, non-privileged role is assigned to one more
// member.
func (t Tenant) Roles() RoleFixture {
	f := RoleFixture{Groups: map[string]RoleFixtureGroup{}}
	var admins, plain []int
	for i := range min(t.Users, roleFixtureScan) {
		u := GenerateUser(t.Seed, i, t.Now)
		switch {
		case u.IsAdmin:
			admins = append(admins, i)
		case u.UserType == "member" && len(plain) < 10:
			plain = append(plain, i)
		}
	}
	upn := func(i int) string { return GenerateUser(t.Seed, i, t.Now).UserPrincipalName }
	n := 0
	grant := func(pid, ptype, pname, role string, eligible bool) {
		n++
		f.Grants = append(f.Grants, RoleGrant{
			ID: guid(mix(uint64(t.Seed)^0x201e), uint64(n)), PrincipalID: pid, PrincipalType: ptype,
			PrincipalName: pname, RoleTemplateID: role, Eligible: eligible,
		})
	}
	cycle := []string{RoleGlobalAdmin, RoleUserAdmin, RoleSecurityAdmin, RoleHelpdeskAdmin, RoleExchangeAdmin}
	for k, i := range admins {
		grant(userID(t.Seed, i), "user", upn(i), cycle[k%len(cycle)], k%3 == 2)
		if k%3 == 2 {
			f.EligibleOnly = append(f.EligibleOnly, upn(i))
		}
	}
	if len(plain) >= 4 {
		// The blind spot: eligible directly, eligible through a group,
		// active through a group.
		grant(userID(t.Seed, plain[0]), "user", upn(plain[0]), RoleGlobalAdmin, true)
		f.EligibleOnly = append(f.EligibleOnly, upn(plain[0]))
		pim := RoleFixtureGroup{Name: roleGroupPIMAdminsName, Members: []int{plain[1]}}
		if len(plain) >= 9 {
			pim.Eligible = []int{plain[8]} // PIM for Groups: eligible to become a member
		}
		if len(admins) > 0 {
			pim.Members = append(pim.Members, admins[0])
		}
		f.Groups[RoleGroupPIMAdmins] = pim
		grant(RoleGroupPIMAdmins, "group", roleGroupPIMAdminsName, RolePrivilegedRoleAdmin, true)
		f.Groups[RoleGroupHelpdesk] = RoleFixtureGroup{Name: roleGroupHelpdeskName, Members: []int{plain[2]}}
		grant(RoleGroupHelpdesk, "group", roleGroupHelpdeskName, RoleHelpdeskAdmin, false)
		f.BlindSpot = []string{upn(plain[0]), upn(plain[1]), upn(plain[2])}
		f.GroupHeld = []string{upn(plain[1]), upn(plain[2])}
		f.EligibleGlobalAdmin = upn(plain[0])
		for _, i := range pim.Eligible {
			f.BlindSpot = append(f.BlindSpot, upn(i))
			f.GroupHeld = append(f.GroupHeld, upn(i))
			f.EligibleOnly = append(f.EligibleOnly, upn(i))
			f.GroupEligible = append(f.GroupEligible, upn(i))
		}
		grant(userID(t.Seed, plain[3]), "user", upn(plain[3]), RoleCustomAuditorID, false)
		f.BlindSpot = append(f.BlindSpot, upn(plain[3]))
	}
	if len(plain) >= 8 {
		f.Groups[ServiceAccountsGroup] = RoleFixtureGroup{Name: serviceAccountsGroupName, Members: plain[5:8], NoRole: true}
		for _, i := range plain[5:8] {
			f.ServiceAccounts = append(f.ServiceAccounts, upn(i))
		}
	}
	grant(RoleOrphanPrincipal, "user", RoleOrphanPrincipalUPN, RoleExchangeAdmin, false)
	grant(RoleServicePrincipal, "servicePrincipal", "Provisioning Connector", RoleUserAdmin, false)
	slices.Sort(f.BlindSpot)
	return f
}

// GroupMemberUsers are the users of group id of the fixture, as the
// emulator lists its transitive members.
func (f RoleFixture) GroupMemberUsers(t Tenant, id string) []snapshot.UserRegistrationDetails {
	return users(t, f.Groups[id].Members)
}

// GroupEligibleUsers are the users eligible to join group id (PIM for
// Groups).
func (f RoleFixture) GroupEligibleUsers(t Tenant, id string) []snapshot.UserRegistrationDetails {
	return users(t, f.Groups[id].Eligible)
}

func users(t Tenant, idx []int) []snapshot.UserRegistrationDetails {
	out := make([]snapshot.UserRegistrationDetails, len(idx))
	for k, i := range idx {
		out[k] = GenerateUser(t.Seed, i, t.Now)
	}
	return out
}
