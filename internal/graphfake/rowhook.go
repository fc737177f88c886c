package graphfake

import "github.com/authgate/authgate/snapshot"

// appendRow appends row i of the list as served: AppendUser's bytes, passed
// through Options.RowHook when set, so that a test can put on the wire any
// shape Microsoft's schema allows (or does not) without a server of its own.
func (s *Server) appendRow(b []byte, i int, u *snapshot.UserRegistrationDetails, beta bool) []byte {
	if s.opts.RowHook == nil {
		return AppendUser(b, u, beta)
	}
	return append(b, s.opts.RowHook(i, AppendUser(nil, u, beta))...)
}
