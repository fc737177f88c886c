package fetch

import (
	"fmt"
	"slices"
	"strings"

	"github.com/authgate/authgate/snapshot"
)

// AuthMode is an authentication mode, one of AuthModes.
type AuthMode string

// APIVersion is a Graph API version: APIv1 or APIBeta.
type APIVersion string

// Graph API versions, the values of --api.
const (
	APIv1   APIVersion = "v1.0"
	APIBeta APIVersion = "beta"
)

// SummaryMode is how the summary reports are obtained, one of SummaryModes.
type SummaryMode string

// OptionError is an option value Fetch cannot use; Option names it as the
// command line does.
type OptionError struct {
	Option string
	Value  string
	Msg    string
}

func (e *OptionError) Error() string { return fmt.Sprintf("%s %q: %s", e.Option, e.Value, e.Msg) }

// ParseAuthMode parses the value of --auth.
func ParseAuthMode(s string) (AuthMode, error) {
	if !slices.Contains(AuthModes, s) {
		return "", &OptionError{"--auth", s, "valid modes are " + strings.Join(AuthModes, ", ")}
	}
	return AuthMode(s), nil
}

// ParseAPIVersion parses the value of --api.
func ParseAPIVersion(s string) (APIVersion, error) {
	if !slices.Contains(snapshot.APIVersions, s) {
		return "", &OptionError{"--api", s, "valid versions are " + strings.Join(snapshot.APIVersions, ", ")}
	}
	return APIVersion(s), nil
}

// ParseSummaryMode parses the value of --summaries.
func ParseSummaryMode(s string) (SummaryMode, error) {
	if !slices.Contains(SummaryModes, s) {
		return "", &OptionError{"--summaries", s, "valid modes are " + strings.Join(SummaryModes, ", ")}
	}
	return SummaryMode(s), nil
}

// Sections are the optional sections --include asks for.
type Sections struct {
	Usage  bool // IncludeUsage
	Roles  bool // IncludeRoles
	Policy bool // IncludePolicy
}

// includeSections maps each --include value to the Sections field it sets.
// Adding a section is one line here, a field of Sections and its name in
// Includes.
var includeSections = map[string]func(*Sections){
	IncludeUsage:  func(s *Sections) { s.Usage = true },
	IncludeRoles:  func(s *Sections) { s.Roles = true },
	IncludePolicy: func(s *Sections) { s.Policy = true },
}

// ParseIncludes parses the values of --include: the section names of
// Includes, or IncludeAll for every one of them.
func ParseIncludes(values []string) (Sections, error) {
	var s Sections
	for _, in := range values {
		if in == IncludeAll {
			for _, set := range includeSections {
				set(&s)
			}
			continue
		}
		set, ok := includeSections[in]
		if !ok {
			return Sections{}, &OptionError{"--include", in, "valid sections are " + strings.Join(Includes, ", ")}
		}
		set(&s)
	}
	return s, nil
}

// Apply sets the options of the sections s asks for.
func (s Sections) Apply(o *Options) {
	o.Usage, o.Roles, o.MethodsPolicy = s.Usage, s.Roles, s.Policy
}

// Validate fills the defaults of o's values and checks them, before any
// request: the API version, summary mode and usage period; a page cap of
// zero or less is DefaultMaxPages. The credential and cloud are checked by
// Fetch.
func (o *Options) Validate() error {
	if o.APIVersion == "" {
		o.APIVersion = APIv1
	}
	if _, err := ParseAPIVersion(string(o.APIVersion)); err != nil {
		return err
	}
	if o.Summaries == "" {
		o.Summaries = SummariesAuto
	}
	if _, err := ParseSummaryMode(string(o.Summaries)); err != nil {
		return err
	}
	if o.MaxPages <= 0 {
		o.MaxPages = DefaultMaxPages
	}
	if o.AuthMode == "" {
		o.AuthMode = "custom"
	}
	if o.UsagePeriod == "" {
		o.UsagePeriod = DefaultUsagePeriod
	}
	if _, ok := snapshot.UsagePeriodDays(o.UsagePeriod); !ok {
		return &OptionError{"--usage-period", o.UsagePeriod, "valid periods are " + strings.Join(snapshot.UsagePeriods, ", ")}
	}
	return nil
}
