package snapshot

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// ReportMethodsPolicy names the authentication methods policy section, the
// snapshot member fetch --include policy writes.
const ReportMethodsPolicy = "authenticationMethodsPolicy"

// MethodsPolicy is the optional "authenticationMethodsPolicy" member of a
// snapshot: Graph's authenticationMethodsPolicy (every method configuration
// with its targets and settings) kept verbatim, and the transitive user
// members of the groups the configurations name as targets, so controls can
// say who a configuration allows.
type MethodsPolicy struct {
	// APIVersion is the Graph version the policy was read from: the beta
	// policy carries settings v1.0 lacks (systemCredentialPreferences,
	// reportSuspiciousActivitySettings).
	APIVersion string `json:"apiVersion"`
	// Source is "graph", or "omitted" when Graph refused the policy (Reason
	// says why); controls on the policy then skip with that reason.
	Source string `json:"source"`
	Reason string `json:"reason,omitempty"`
	// Policy is Graph's answer verbatim (null when omitted).
	Policy json.RawMessage `json:"policy"`
	// Groups are the groups named as include or exclude targets, sorted by id.
	Groups []PolicyGroup `json:"groups"`

	// Offset is the byte offset of the object in the snapshot, or -1.
	Offset int64 `json:"-"`
}

// PolicyGroup is one target group and its transitive user members.
type PolicyGroup struct {
	ID string `json:"id"`
	// Source is "graph", or "omitted" when Graph refused the members
	// (Reason says why): nobody is then known to be in the group.
	Source string `json:"source"`
	Reason string `json:"reason,omitempty"`
	// Members are the group's users, direct or through nested groups,
	// sorted by id.
	Members []GroupMember `json:"members"`
}

// GroupMember is a user of a target group, as Graph's transitiveMembers
// lists it ($select=id,userPrincipalName).
type GroupMember struct {
	ID                string `json:"id"`
	UserPrincipalName string `json:"userPrincipalName,omitempty"`
}

// PolicySource is what the manifest records of the policy section.
type PolicySource struct {
	Source     string `json:"source"`
	APIVersion string `json:"apiVersion"`
	Reason     string `json:"reason,omitempty"`
}

// AllUsersTarget is the id Graph gives the "all users" target of a method
// configuration.
const AllUsersTarget = "all_users"

// NoGroupTarget is the id Graph's feature settings give an empty include or
// exclude target.
const NoGroupTarget = "00000000-0000-0000-0000-000000000000"

// validate checks a decoded policy section; it returns the JSON path and the
// problem of the first fault.
func (p *MethodsPolicy) validate() (path, msg string) {
	const at = ReportMethodsPolicy
	if !slices.Contains(APIVersions, p.APIVersion) {
		return at + ".apiVersion", fmt.Sprintf("%q is not one of %s", p.APIVersion, strings.Join(APIVersions, ", "))
	}
	switch p.Source {
	case SourceGraph:
		if k := firstByte(p.Policy); k != '{' {
			return at + ".policy", "want the policy object"
		}
	case SourceOmitted:
		if p.Reason == "" {
			return at + ".reason", "missing: an omitted policy says why"
		}
	default:
		return at + ".source", fmt.Sprintf("%q is not one of graph, omitted", p.Source)
	}
	for i, g := range p.Groups {
		if g.ID == "" {
			return fmt.Sprintf("%s.groups[%d].id", at, i), "missing or empty"
		}
		if g.Source != SourceGraph && g.Source != SourceOmitted {
			return fmt.Sprintf("%s.groups[%d].source", at, i), fmt.Sprintf("%q is not one of graph, omitted", g.Source)
		}
		for j, m := range g.Members {
			if m.ID == "" {
				return fmt.Sprintf("%s.groups[%d].members[%d].id", at, i, j), "missing or empty"
			}
		}
	}
	return "", ""
}

func firstByte(b []byte) byte {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return c
		}
	}
	return 0
}

// SetMethodsPolicy makes Close write p as the "authenticationMethodsPolicy"
// member, before the manifest. Without it no such member is written.
func (w *Writer) SetMethodsPolicy(p *MethodsPolicy) { w.policy = p }

func (w *Writer) writeMethodsPolicy() error {
	if w.policy == nil {
		return nil
	}
	b, err := json.Marshal(w.policy)
	if err != nil {
		return fmt.Errorf("write snapshot methods policy: %w", err)
	}
	if err := w.write(",\n\""+ReportMethodsPolicy+"\":", false); err != nil {
		return err
	}
	return w.writeBytes(b, false)
}

// methodsPolicy decodes the optional policy member (null reads as absent).
func (s *scanner) methodsPolicy() (err error) {
	s.info.MethodsPolicy, err = optionalSection[MethodsPolicy](s, ReportMethodsPolicy)
	return err
}

func (p *MethodsPolicy) setOffset(off int64) { p.Offset = off }

// PeekMethodsPolicy reads only the authentication methods policy section of
// the snapshot at path, or nil when it has none. The writer puts the
// section after the users, so an evaluation that judges users against the
// policy reads it first with this; Scan then validates the whole document
// and the caller compares the two readings.
//
// Decoding every user to reach the section would cost a second full JSON
// pass; instead the file is searched backwards from its end for the member
// name followed by a colon (which inside a JSON string can never appear
// unescaped), and the last such place is decoded: the section follows every
// user row, so it is found within the last few megabytes, and a row carrying
// a member of that name comes before it. Without a section the search reads
// the whole file, at the speed of reading it.
func PeekMethodsPolicy(path string) (*MethodsPolicy, error) {
	return PeekMethodsPolicyContext(context.Background(), path)
}

// PeekMethodsPolicyContext is PeekMethodsPolicy, stopping with ctx's error
// when ctx is done: without a section it reads the whole file.
func PeekMethodsPolicyContext(ctx context.Context, path string) (*MethodsPolicy, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open snapshot: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("open snapshot: %w", err)
	}
	size := st.Size()
	marker := []byte(`"` + ReportMethodsPolicy + `"`)
	const chunk = 4 << 20
	buf := make([]byte, chunk+len(marker))
	var carry []byte // the first bytes of the chunk after this one
	for end := size; end > 0; {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		start := max(0, end-chunk)
		n := int(end - start)
		if _, err := f.ReadAt(buf[:n], start); err != nil && err != io.EOF {
			return nil, fmt.Errorf("read snapshot: %w", err)
		}
		window := append(buf[:n], carry...)
		for lim := len(window); ; {
			i := bytes.LastIndex(window[:lim], marker)
			if i < 0 {
				break
			}
			if at, ok := colonAfter(f, start+int64(i+len(marker)), size); ok {
				return peekPolicyAt(f, path, at, size)
			}
			lim = i + len(marker) - 1
		}
		carry = append(carry[:0], buf[:min(n, len(marker)-1)]...)
		end = start
	}
	return nil, nil
}

// colonAfter reports whether only whitespace and then a colon follow offset
// at, and returns the offset after the colon.
func colonAfter(f *os.File, at, size int64) (int64, bool) {
	br := bufio.NewReader(io.NewSectionReader(f, at, size-at))
	for {
		c, err := br.ReadByte()
		if err != nil {
			return 0, false
		}
		at++
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case ':':
			return at, true
		}
		return 0, false
	}
}

// peekPolicyAt decodes and validates the section value starting at offset at.
func peekPolicyAt(f *os.File, path string, at, size int64) (*MethodsPolicy, error) {
	r := bufio.NewReaderSize(io.NewSectionReader(f, at, size-at), 1<<20)
	s := &scanner{path: path, dec: jsontext.NewDecoder(r), info: &Info{Path: path}}
	if err := s.methodsPolicy(); err != nil {
		return nil, err
	}
	if p := s.info.MethodsPolicy; p != nil {
		p.Offset += at
	}
	return s.info.MethodsPolicy, nil
}
