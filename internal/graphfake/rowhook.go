package graphfake

import (
	"bytes"
	"net/http"

	"github.com/authgate/authgate/internal/tenantgen"
	"github.com/authgate/authgate/snapshot"
)

// appendRow appends row i of the list as served: AppendUser's bytes, passed
// through Options.RowHook when set, so that a test can put on the wire any
// shape Microsoft's schema allows (or does not) without a server of its own.
func (s *Server) appendRow(b []byte, i int, u *snapshot.UserRegistrationDetails, beta bool) []byte {
	if s.opts.RowHook == nil {
		return tenantgen.AppendUser(b, u, beta)
	}
	return append(b, s.opts.RowHook(i, tenantgen.AppendUser(nil, u, beta))...)
}

// hookBody passes a successful report body through Options.BodyHook when
// set: a test serves a response exactly as Microsoft documents it (its
// published examples) through the emulator's paging, auth and faults.
func (s *Server) hookBody(ep Endpoint, r *http.Request, body []byte) []byte {
	if s.opts.BodyHook == nil {
		return body
	}
	// Copied into the pooled buffer: the hook's slice is the caller's.
	return append(body[:0], s.opts.BodyHook(ep, r, bytes.Clone(body))...)
}
