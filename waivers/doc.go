// Package waivers reads, validates and applies waivers: accepted risks that
// cover a control's violations, each with a reason, an owner and an end date.
//
// A waivers file is YAML with one key, waivers, a list of entries:
//
//	waivers:
//	  - control: AM-ADM-02          # required: a known control id
//	    subject: bg-1@contoso.com   # optional: user id or UPN (case-insensitive)
//	    reason: break-glass account, FIDO2 key on order
//	    owner: secops@contoso.com
//	    expires: 2026-12-31         # required: YYYY-MM-DD, at most MaxDays ahead
//	    ticket: SEC-1234            # optional
//
// A waiver without a subject covers every violation of its control (the only
// form a tenant-level control takes). A waiver applies through its expires
// date; after it, it stops applying and is reported expired. A waiver in
// force that matched nothing is reported orphaned.
package waivers
