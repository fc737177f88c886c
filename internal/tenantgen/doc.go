// Package tenantgen generates a synthetic Entra tenant: GenerateUser
// derives user i of a seed without state, so a page of a 1,000,000-user
// tenant costs only its own users, and WriteSnapshot writes a whole tenant
// as a snapshot. The Graph emulator (internal/graphfake) serves these
// users; tests, benchmarks and the demo write snapshots of them directly.
package tenantgen
