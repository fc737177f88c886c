package snapshot

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// DefaultChunkSize is how many users Scan hands over at a time.
const DefaultChunkSize = 2048

// DefaultMaxBytes is the largest snapshot Scan reads unless told otherwise.
const DefaultMaxBytes int64 = 4 << 30

// ScanOptions tune Scan.
type ScanOptions struct {
	// ChunkSize is the number of users per chunk (DefaultChunkSize if <= 0).
	ChunkSize int
	// MaxBytes refuses larger files (DefaultMaxBytes if <= 0).
	MaxBytes int64
	// Rewrite, when set, changes every row as it is decoded, before fn sees
	// it, and the Info before Scan returns it: a view of the snapshot (such
	// as a pseudonymised one) without a second copy of the file. Hashes and
	// counts stay those of the file.
	Rewrite Rewriter
	// Ahead, when set, is what PeekSections read of the same file: a
	// caller that needed the manifest first hands it on, so that the file
	// is walked ahead of the scan once. Evaluate reads it itself otherwise.
	Ahead *Sections
}

// Rewriter changes what Scan hands over (ScanOptions.Rewrite).
type Rewriter interface {
	// User rewrites one row in place.
	User(u *UserRegistrationDetails)
	// Info rewrites everything else the snapshot holds, in place; an error
	// fails the scan.
	Info(in *Info) error
}

// Info is everything a snapshot holds except the per-user rows, plus what
// Scan learned while reading them.
type Info struct {
	// Path is the file as given to Scan.
	Path string
	// SHA256 is the hex SHA-256 of the whole file.
	SHA256        string
	Size          int64
	SchemaVersion int
	Manifest      Manifest
	// ManifestOffset is the byte offset of the "manifest" key.
	ManifestOffset           int64
	UsersRegisteredByFeature []FeatureSummary
	UsersRegisteredByMethod  []MethodSummary
	// Users is the number of rows in userRegistrationDetails.
	Users int
	// LastUpdated is the range of the rows' lastUpdatedDateTime, compared as
	// instants; nil when no row has one.
	LastUpdated *TimeRange
	// UsersSHA256 is the hex SHA-256 of the userRegistrationDetails array
	// as it stands in the file, from '[' to ']': what a fetch records as
	// manifest.usersSha256.
	UsersSHA256 string
	// Verified is true when the manifest carries usersSha256 and the users
	// array matches it (and userCount, when present). A snapshot without
	// them loads but is unverified: nothing shows it was not cut or edited.
	Verified bool
	// Usage is the optional usage section (fetch --include usage); nil when
	// the snapshot has none (or it is null).
	Usage *Usage
	// Roles is the optional roles section (fetch --include roles); nil
	// when the snapshot has none.
	Roles *Roles
	// ExclusionGroups are the groups exclusions name, with their members
	// (fetch --config); nil when the snapshot has none.
	ExclusionGroups []RoleGroup
	// MethodsPolicy is the optional authentication methods policy section
	// (fetch --include policy); nil when the snapshot has none.
	MethodsPolicy *MethodsPolicy
}

// Complete returns an error wrapping ErrIncomplete when the manifest says
// paging did not complete.
func (in *Info) Complete() error {
	if p := in.Manifest.PagingComplete; p != nil && !*p {
		return fmt.Errorf("%s: manifest.pagingComplete is false: the fetch stopped before the last page: %w", in.Path, ErrIncomplete)
	}
	return nil
}

// Scan reads the snapshot at path in one pass, validating it as it goes, and
// calls fn with successive chunks of users in file order. Each chunk is a
// fresh slice that fn may keep or hand to another goroutine. An error from fn
// or ctx stops the scan and is returned as is; bad content is returned as an
// *Error.
func Scan(ctx context.Context, path string, opts ScanOptions, fn func(chunk []UserRegistrationDetails) error) (info *Info, err error) {
	if opts.ChunkSize <= 0 {
		opts.ChunkSize = DefaultChunkSize
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if rw := opts.Rewrite; rw != nil {
		inner := fn
		fn = func(chunk []UserRegistrationDetails) error {
			for i := range chunk {
				rw.User(&chunk[i])
			}
			return inner(chunk)
		}
		defer func() {
			if info != nil {
				if rerr := rw.Info(info); rerr != nil {
					info, err = nil, rerr
				}
			}
		}()
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open snapshot: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("open snapshot: %w", err)
	}
	if st.IsDir() {
		return nil, &Error{File: path, Msg: "is a directory, not a snapshot file"}
	}
	if st.Size() > opts.MaxBytes {
		return nil, &Error{File: path, Msg: fmt.Sprintf("is %d bytes, larger than the limit of %d (raise --max-snapshot-bytes)", st.Size(), opts.MaxBytes)}
	}
	h := sha256.New()
	feed := newFeedReader(f, opts.MaxBytes, h, sha256.New())
	s := &scanner{
		path: path,
		ctx:  ctx,
		// Duplicate names are checked by hand (known properties and the
		// top level): the decoder's own check hashes every name of every
		// user and cost 8% of a scan.
		dec:    jsontext.NewDecoder(feed, jsontext.AllowDuplicateNames(true)),
		feed:   feed,
		chunk:  opts.ChunkSize,
		fn:     fn,
		intern: make(map[string]string),
		info:   &Info{Path: path, Size: st.Size()},
		ids:    newIDSet(path),
	}
	err = s.document()
	if err == nil {
		s.info.SHA256 = hex.EncodeToString(h.Sum(nil))
		err = s.integrity()
	}
	if err != nil {
		var se *Error
		if errors.As(err, &se) && se.Line == 0 && s.errOffset >= 0 {
			se.Line = lineAt(path, s.errOffset)
		}
		if feed.tooBig {
			return nil, &Error{File: path, Msg: fmt.Sprintf("is larger than the limit of %d bytes (raise --max-snapshot-bytes)", opts.MaxBytes)}
		}
		return nil, err
	}
	return s.info, nil
}

type scanner struct {
	path      string
	ctx       context.Context
	dec       *jsontext.Decoder
	feed      *feedReader // nil when decoding rows one at a time (UserDecoder)
	ids       *idSet      // nil when decoding rows one at a time
	chunk     int
	fn        func([]UserRegistrationDetails) error
	intern    map[string]string
	info      *Info
	errOffset int64
	scratch   []byte
	lastValue int64 // the byte offset of the value s.value read last

	// the previous lastUpdatedDateTime and its parsed value: rows of one
	// report refresh share it, so most rows skip the parse.
	prevTime   string
	prevParsed time.Time
	minTime    time.Time
	maxTime    time.Time
	minStr     string
	maxStr     string
}

func (s *scanner) fail(path, format string, a ...any) error {
	s.errOffset = -1
	return &Error{File: s.path, Path: path, Msg: fmt.Sprintf(format, a...)}
}

// syntax turns a decoder error into an *Error with the path and line where
// the JSON broke.
func (s *scanner) syntax(err error) error {
	if err == nil {
		return nil
	}
	var se *jsontext.SyntacticError
	if errors.As(err, &se) {
		s.errOffset = se.ByteOffset
		msg := se.Err.Error()
		if errors.Is(se.Err, io.ErrUnexpectedEOF) {
			msg = "unexpected end of file: the snapshot is truncated"
		}
		return &Error{File: s.path, Path: pointerPath(se.JSONPointer), Msg: "malformed JSON: " + msg}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		s.errOffset = -1
		return &Error{File: s.path, Msg: "malformed JSON: unexpected end of file: the snapshot is truncated"}
	}
	return fmt.Errorf("read snapshot %s: %w", s.path, err)
}

// pointerPath renders a JSON pointer as a path like a.b[3].c.
// TypeError words err, from decoding a value at path with the package's
// JSON library, as the loader words a wrongly typed value
// ("usersRegisteredByFeature.totalUserCount: want integer, got string"), so
// fetch names a broken answer as check would; ok is false when err is not
// about a value's type.
func TypeError(path string, err error) (msg string, ok bool) {
	var se *json.SemanticError
	if !errors.As(err, &se) || se.JSONKind == 0 {
		return "", false
	}
	if sub := pointerPath(se.JSONPointer); sub != "" {
		path = strings.Replace(path+"."+sub, ".[", "[", 1)
	}
	return fmt.Sprintf("%s: want %s, got %s", path, goKind(se), kindName(se.JSONKind)), true
}

func pointerPath(p jsontext.Pointer) string {
	var b strings.Builder
	for tok := range p.Tokens() {
		if _, err := strconv.Atoi(tok); err == nil && b.Len() > 0 {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}

func kindName(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 't', 'f':
		return "boolean"
	case '"':
		return "string"
	case '0':
		return "number"
	case '{':
		return "object"
	case '[':
		return "array"
	}
	return "nothing"
}

func (s *scanner) document() error {
	d := s.dec
	if k := d.PeekKind(); k != '{' {
		if k == 0 {
			_, err := d.ReadToken()
			if err == io.EOF {
				return s.fail("", "empty file: want a JSON object")
			}
			return s.syntax(err)
		}
		return s.fail("", "want a JSON object, got %s", kindName(k))
	}
	if _, err := d.ReadToken(); err != nil {
		return s.syntax(err)
	}
	var haveVersion, haveManifest, haveUsers bool
	seen := map[string]bool{}
	for d.PeekKind() != '}' {
		// Keep the bytes from here until the users array, if this is
		// it, has begun: its hash starts at its '['.
		s.feed.holdFrom(d.InputOffset())
		raw, err := s.name()
		if err != nil {
			return err
		}
		name := string(raw)
		if name != "userRegistrationDetails" {
			s.feed.unhold()
		}
		if seen[name] {
			return s.fail(name, "appears twice")
		}
		seen[name] = true
		switch name {
		case "schemaVersion":
			if err := s.schemaVersion(); err != nil {
				return err
			}
			haveVersion = true
		case "manifest":
			s.info.ManifestOffset = d.InputOffset() - int64(len(`"manifest"`))
			if err := s.value("manifest", &s.info.Manifest); err != nil {
				return err
			}
			if err := s.validateManifest(); err != nil {
				return err
			}
			haveManifest = true
		case "usersRegisteredByFeature":
			if err := scanSummaries(s, name, &s.info.UsersRegisteredByFeature, func(v *FeatureSummary, off int64) { v.Offset = off }); err != nil {
				return err
			}
		case "usersRegisteredByMethod":
			if err := scanSummaries(s, name, &s.info.UsersRegisteredByMethod, func(v *MethodSummary, off int64) { v.Offset = off }); err != nil {
				return err
			}
		case "usage":
			if err := s.usage(); err != nil {
				return err
			}
		case "roles":
			if err := s.roles(); err != nil {
				return err
			}
		case "exclusionGroups":
			if err := s.exclusionGroups(); err != nil {
				return err
			}
		case ReportMethodsPolicy:
			if err := s.methodsPolicy(); err != nil {
				return err
			}
		case "userRegistrationDetails": // a second one is a duplicate name, refused by the decoder
			if err := s.users(); err != nil {
				return err
			}
			haveUsers = true
		default: // unknown members and @odata annotations
			if err := d.SkipValue(); err != nil {
				return s.syntax(err)
			}
		}
	}
	if _, err := d.ReadToken(); err != nil {
		return s.syntax(err)
	}
	if _, err := d.ReadToken(); err != io.EOF {
		if err == nil {
			return s.fail("", "unexpected data after the end of the document")
		}
		return s.syntax(err)
	}
	switch {
	case !haveVersion:
		return s.fail("schemaVersion", "missing")
	case !haveManifest:
		return s.fail("manifest", "missing")
	case !haveUsers:
		return s.fail("userRegistrationDetails", "missing")
	}
	if s.minStr != "" {
		s.info.LastUpdated = &TimeRange{Min: s.minStr, Max: s.maxStr}
	}
	return nil
}

// usage decodes the optional usage member (null reads as absent).
func (s *scanner) usage() (err error) {
	s.info.Usage, err = optionalSection[Usage](s, "usage")
	return err
}

// section is what an optional top-level member decodes into: usage, roles
// and the methods policy are each read whole, placed, then validated.
type section[T any] interface {
	*T
	validate() (path, msg string)
	setOffset(int64)
}

// optionalSection decodes the object member name into a new T and
// validates it; null reads as absent (nil), anything else but an object is
// refused at name.
func optionalSection[T any, P section[T]](s *scanner, name string) (P, error) {
	switch k := s.dec.PeekKind(); k {
	case 'n':
		_, err := s.dec.ReadToken()
		return nil, s.syntax(err)
	case '{':
	default:
		return nil, s.fail(name, "want object, got %s", kindName(k))
	}
	v := P(new(T))
	if err := s.value(name, v); err != nil {
		return nil, err
	}
	v.setOffset(s.lastValue)
	if path, msg := v.validate(); path != "" {
		return nil, s.fail(path, "%s", msg)
	}
	return v, nil
}

func (s *scanner) schemaVersion() error {
	if k := s.dec.PeekKind(); k != '0' {
		return s.fail("schemaVersion", "want number, got %s", kindName(k))
	}
	tok, err := s.dec.ReadToken()
	if err != nil {
		return s.syntax(err)
	}
	v, err := tok.Int()
	if err != nil || v != SchemaVersion {
		return s.fail("schemaVersion", "unsupported version %s (this authgate reads %d)", tok.String(), SchemaVersion)
	}
	s.info.SchemaVersion = int(v)
	return nil
}

// value decodes the next JSON value into v (a small object), turning type
// errors into an *Error under path.
func (s *scanner) value(path string, v any) error {
	raw, err := s.dec.ReadValue()
	if err != nil {
		return s.syntax(err)
	}
	s.lastValue = s.dec.InputOffset() - int64(len(raw))
	if err := json.Unmarshal(raw, v); err != nil {
		var se *json.SemanticError
		if errors.As(err, &se) {
			p := path
			if sub := pointerPath(se.JSONPointer); sub != "" {
				p += "." + sub
				p = strings.Replace(p, ".[", "[", 1)
			}
			return s.fail(p, "want %s, got %s", goKind(se), kindName(se.JSONKind))
		}
		return s.fail(path, "%v", err)
	}
	return nil
}

func goKind(se *json.SemanticError) string {
	if se.GoType == nil {
		return "another type"
	}
	switch se.GoType.Kind().String() {
	case "bool":
		return "boolean"
	case "string":
		return "string"
	case "int", "int64", "int32":
		return "integer"
	case "float64":
		return "number"
	case "slice":
		return "array"
	case "struct", "ptr", "map":
		return "object"
	}
	return se.GoType.String()
}

func scanSummaries[T any](s *scanner, name string, dst *[]T, setOffset func(*T, int64)) error {
	d := s.dec
	switch k := d.PeekKind(); k {
	case 'n':
		_, err := d.ReadToken()
		return s.syntax(err)
	case '[':
	default:
		return s.fail(name, "want array, got %s", kindName(k))
	}
	if _, err := d.ReadToken(); err != nil {
		return s.syntax(err)
	}
	for i := 0; d.PeekKind() != ']'; i++ {
		off := d.InputOffset()
		var v T
		if err := s.value(fmt.Sprintf("%s[%d]", name, i), &v); err != nil {
			return err
		}
		setOffset(&v, off)
		*dst = append(*dst, v)
	}
	_, err := d.ReadToken()
	return s.syntax(err)
}

func (s *scanner) validateManifest() error {
	m := &s.info.Manifest
	switch {
	case m.TenantID == "":
		return s.fail("manifest.tenantId", "missing or empty")
	case !slices.Contains(Clouds, m.Cloud):
		return s.fail("manifest.cloud", "%q is not one of %s", m.Cloud, strings.Join(Clouds, ", "))
	case m.GraphEndpoint == "":
		return s.fail("manifest.graphEndpoint", "missing or empty")
	case !slices.Contains(APIVersions, m.APIVersion):
		return s.fail("manifest.apiVersion", "%q is not one of %s", m.APIVersion, strings.Join(APIVersions, ", "))
	}
	if _, err := time.Parse(time.RFC3339, m.FetchedAt); err != nil {
		return s.fail("manifest.fetchedAt", "%q is not an RFC 3339 time", m.FetchedAt)
	}
	return nil
}

func (s *scanner) users() error {
	d := s.dec
	if k := d.PeekKind(); k != '[' {
		return s.fail("userRegistrationDetails", "want array, got %s", kindName(k))
	}
	if _, err := d.ReadToken(); err != nil {
		return s.syntax(err)
	}
	s.feed.startRange(d.InputOffset() - 1)
	chunk := make([]UserRegistrationDetails, 0, s.chunk)
	i := s.info.Users
	for d.PeekKind() != ']' {
		if len(chunk) == cap(chunk) {
			if err := s.ctx.Err(); err != nil {
				return err
			}
			if err := s.fn(chunk); err != nil {
				return err
			}
			chunk = make([]UserRegistrationDetails, 0, s.chunk)
		}
		chunk = chunk[:len(chunk)+1]
		u := &chunk[len(chunk)-1]
		if err := s.user(i, u); err != nil {
			return err
		}
		s.feed.hashTo(d.InputOffset())
		if err := s.ids.add(s, i, u); err != nil {
			return err
		}
		i++
	}
	if _, err := d.ReadToken(); err != nil {
		return s.syntax(err)
	}
	s.feed.endRange(d.InputOffset())
	s.info.Users = i
	if len(chunk) > 0 {
		return s.fn(chunk)
	}
	return nil
}

// The known user properties, by bit.
const (
	fID = iota
	fUserPrincipalName
	fUserDisplayName
	fUserType
	fIsAdmin
	fIsMfaCapable
	fIsMfaRegistered
	fIsPasswordlessCapable
	fIsSsprCapable
	fIsSsprEnabled
	fIsSsprRegistered
	fIsSystemPreferredEnabled
	fSystemPreferredMethods
	fUserPreferredMethod
	fMethodsRegistered
	fLastUpdatedDateTime
	fDefaultMfaMethod
)

// required are the user properties that must be present: a missing one
// would silently read as false or empty and could hide an admin or a
// missing method.
var required = []struct {
	bit  int
	name string
}{{fID, "id"}, {fUserType, "userType"}, {fIsAdmin, "isAdmin"}, {fIsMfaCapable, "isMfaCapable"}, {fIsPasswordlessCapable, "isPasswordlessCapable"}, {fMethodsRegistered, "methodsRegistered"}}

// user decodes one userRegistrationDetails object by hand: this is the hot
// loop of a 1,000,000-user snapshot, and reflection costs twice as much.
// Names are compared as raw bytes, so no string is made for them.
func (s *scanner) user(i int, u *UserRegistrationDetails) error {
	d := s.dec
	u.Offset = d.InputOffset()
	if k := d.PeekKind(); k != '{' {
		return s.fail(fmt.Sprintf("userRegistrationDetails[%d]", i), "want object, got %s", kindName(k))
	}
	if _, err := d.ReadToken(); err != nil {
		return s.syntax(err)
	}
	if d.PeekKind() == '"' { // the offset of the object, after any whitespace
		u.Offset = d.InputOffset() - 1
	}
	var seen uint32
	for d.PeekKind() != '}' {
		raw, err := s.name()
		if err != nil {
			return err
		}
		f := -1
		switch string(raw) {
		case "id":
			f, err = fID, s.str(i, "id", &u.ID, false, &u.Nulls, fID)
		case "userPrincipalName":
			f, err = fUserPrincipalName, s.str(i, "userPrincipalName", &u.UserPrincipalName, false, &u.Nulls, fUserPrincipalName)
		case "userDisplayName":
			f, err = fUserDisplayName, s.str(i, "userDisplayName", &u.UserDisplayName, false, &u.Nulls, fUserDisplayName)
		case "userType":
			f, err = fUserType, s.str(i, "userType", &u.UserType, true, &u.Nulls, fUserType)
		case "isAdmin":
			f, err = fIsAdmin, s.boolean(i, "isAdmin", &u.IsAdmin, &u.Nulls, fIsAdmin)
		case "isMfaCapable":
			f, err = fIsMfaCapable, s.boolean(i, "isMfaCapable", &u.IsMfaCapable, &u.Nulls, fIsMfaCapable)
		case "isMfaRegistered":
			f, err = fIsMfaRegistered, s.boolean(i, "isMfaRegistered", &u.IsMfaRegistered, &u.Nulls, fIsMfaRegistered)
		case "isPasswordlessCapable":
			f, err = fIsPasswordlessCapable, s.boolean(i, "isPasswordlessCapable", &u.IsPasswordlessCapable, &u.Nulls, fIsPasswordlessCapable)
		case "isSsprCapable":
			f, err = fIsSsprCapable, s.boolean(i, "isSsprCapable", &u.IsSsprCapable, &u.Nulls, fIsSsprCapable)
		case "isSsprEnabled":
			f, err = fIsSsprEnabled, s.boolean(i, "isSsprEnabled", &u.IsSsprEnabled, &u.Nulls, fIsSsprEnabled)
		case "isSsprRegistered":
			f, err = fIsSsprRegistered, s.boolean(i, "isSsprRegistered", &u.IsSsprRegistered, &u.Nulls, fIsSsprRegistered)
		case "isSystemPreferredAuthenticationMethodEnabled":
			f, err = fIsSystemPreferredEnabled, s.boolean(i, "isSystemPreferredAuthenticationMethodEnabled", &u.IsSystemPreferredAuthenticationMethodEnabled, &u.Nulls, fIsSystemPreferredEnabled)
		case "systemPreferredAuthenticationMethods":
			f, err = fSystemPreferredMethods, s.strings(i, "systemPreferredAuthenticationMethods", &u.SystemPreferredAuthenticationMethods, &u.Nulls, fSystemPreferredMethods)
		case "userPreferredMethodForSecondaryAuthentication":
			f, err = fUserPreferredMethod, s.str(i, "userPreferredMethodForSecondaryAuthentication", &u.UserPreferredMethodForSecondaryAuthentication, true, &u.Nulls, fUserPreferredMethod)
		case "methodsRegistered":
			f, err = fMethodsRegistered, s.strings(i, "methodsRegistered", &u.MethodsRegistered, &u.Nulls, fMethodsRegistered)
		case "lastUpdatedDateTime":
			f, err = fLastUpdatedDateTime, s.timestamp(i, u)
		case "defaultMfaMethod":
			f, err = fDefaultMfaMethod, s.str(i, "defaultMfaMethod", &u.DefaultMfaMethod, true, &u.Nulls, fDefaultMfaMethod)
		default: // unknown properties and @odata annotations
			err = s.syntax(d.SkipValue())
		}
		if err != nil {
			return err
		}
		if f >= 0 {
			if seen&(1<<f) != 0 {
				return s.fail(fmt.Sprintf("userRegistrationDetails[%d].%s", i, raw), "appears twice")
			}
			seen |= 1 << f
		}
	}
	if _, err := d.ReadToken(); err != nil {
		return s.syntax(err)
	}
	for _, r := range required {
		if seen&(1<<r.bit) == 0 {
			return s.fail(fmt.Sprintf("userRegistrationDetails[%d].%s", i, r.name), "missing")
		}
	}
	if u.ID == "" {
		return s.fail(fmt.Sprintf("userRegistrationDetails[%d].id", i), "empty")
	}
	return nil
}

// name reads an object member name and returns its unquoted bytes, valid
// until the next read.
func (s *scanner) name() ([]byte, error) {
	raw, err := s.dec.ReadValue()
	if err != nil {
		return nil, s.syntax(err)
	}
	return s.unquote(raw)
}

// unquote returns the content of the JSON string raw: a subslice when it
// has no escapes, else a copy in the scanner's scratch buffer.
func (s *scanner) unquote(raw jsontext.Value) ([]byte, error) {
	if len(raw) < 2 || raw[0] != '"' {
		return nil, s.fail("", "malformed JSON: want a string")
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw[1 : len(raw)-1], nil
	}
	var err error
	s.scratch, err = jsontext.AppendUnquote(s.scratch[:0], raw)
	if err != nil {
		return nil, s.fail("", "malformed JSON: %v", err)
	}
	return s.scratch, nil
}

func (s *scanner) wrongKind(i int, name, want string, k jsontext.Kind) error {
	return s.fail(fmt.Sprintf("userRegistrationDetails[%d].%s", i, name), "want %s, got %s", want, kindName(k))
}

// boolean reads a boolean; null reads as false and sets the property's bit
// in nulls (Graph's schema lets several flags be null, and a service can
// bend its contract: the row is kept and the controls judge it).
func (s *scanner) boolean(i int, name string, dst *bool, nulls *uint32, bit int) error {
	k := s.dec.PeekKind()
	if k == 'n' {
		*nulls |= 1 << bit
		_, err := s.dec.ReadToken()
		return s.syntax(err)
	}
	if k != 't' && k != 'f' {
		if k == 0 {
			_, err := s.dec.ReadToken()
			return s.syntax(err)
		}
		return s.wrongKind(i, name, "boolean", k)
	}
	tok, err := s.dec.ReadToken()
	if err != nil {
		return s.syntax(err)
	}
	*dst = tok.Bool()
	return nil
}

// str reads a string (null reads as "" and sets the property's bit in
// nulls); intern shares the storage of low-cardinality values such as enums.
func (s *scanner) str(i int, name string, dst *string, intern bool, nulls *uint32, bit int) error {
	switch k := s.dec.PeekKind(); k {
	case '"':
	case 'n':
		*nulls |= 1 << bit
		_, err := s.dec.ReadToken()
		return s.syntax(err)
	case 0:
		_, err := s.dec.ReadToken()
		return s.syntax(err)
	default:
		return s.wrongKind(i, name, "string", k)
	}
	raw, err := s.dec.ReadValue()
	if err != nil {
		return s.syntax(err)
	}
	b, err := s.unquote(raw)
	if err != nil {
		return err
	}
	if intern {
		*dst = s.interned(b)
	} else {
		*dst = string(b)
	}
	return nil
}

// interned returns b as a string, shared with earlier equal values.
func (s *scanner) interned(b []byte) string {
	if w, ok := s.intern[string(b)]; ok {
		return w
	}
	v := string(b)
	if len(s.intern) < 4096 { // a hostile file must not grow the table without bound
		s.intern[v] = v
	}
	return v
}

// strings reads an array of strings; null reads as empty and sets the
// property's bit in nulls.
func (s *scanner) strings(i int, name string, dst *[]string, nulls *uint32, bit int) error {
	d := s.dec
	switch k := d.PeekKind(); k {
	case '[':
	case 'n':
		*nulls |= 1 << bit
		_, err := d.ReadToken()
		*dst = []string{}
		return s.syntax(err)
	case 0:
		_, err := d.ReadToken()
		return s.syntax(err)
	default:
		return s.wrongKind(i, name, "array", k)
	}
	if _, err := d.ReadToken(); err != nil {
		return s.syntax(err)
	}
	out := []string{}
	for j := 0; d.PeekKind() != ']'; j++ {
		k := d.PeekKind()
		if k != '"' {
			if k == 0 {
				_, err := d.ReadToken()
				return s.syntax(err)
			}
			return s.fail(fmt.Sprintf("userRegistrationDetails[%d].%s[%d]", i, name, j), "want string, got %s", kindName(k))
		}
		raw, err := d.ReadValue()
		if err != nil {
			return s.syntax(err)
		}
		b, err := s.unquote(raw)
		if err != nil {
			return err
		}
		out = append(out, s.interned(b))
	}
	if _, err := d.ReadToken(); err != nil {
		return s.syntax(err)
	}
	*dst = out
	return nil
}

func (s *scanner) timestamp(i int, u *UserRegistrationDetails) error {
	const name = "lastUpdatedDateTime"
	if err := s.str(i, name, &u.LastUpdatedDateTime, false, &u.Nulls, fLastUpdatedDateTime); err != nil {
		return err
	}
	v := u.LastUpdatedDateTime
	if v == "" {
		return nil
	}
	if v == s.prevTime {
		u.LastUpdatedDateTime = s.prevTime
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return s.fail(fmt.Sprintf("userRegistrationDetails[%d].%s", i, name), "%q is not an RFC 3339 time", v)
	}
	s.prevTime, s.prevParsed = v, t
	if s.minStr == "" || t.Before(s.minTime) {
		s.minTime, s.minStr = t, v
	}
	if s.maxStr == "" || t.After(s.maxTime) {
		s.maxTime, s.maxStr = t, v
	}
	return nil
}

// lineAt returns the 1-based line of byte offset off in path, or 0.
func lineAt(path string, off int64) int {
	m, err := Lines(path, []int64{off})
	if err != nil {
		return 0
	}
	return m(off)
}
