package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.99", Main: debug.Module{Version: "(devel)"},
		Deps:     []*debug.Module{{Path: "example.com/x", Version: "v9"}, {Path: "github.com/open-policy-agent/opa", Version: "v1.2.3"}},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.modified", Value: "true"}}}
	for _, c := range []struct {
		version string
		bi      *debug.BuildInfo
		want    Info
	}{
		{"", bi, Info{Version: "devel", Commit: "abc123-dirty", OPA: "v1.2.3", Go: "go1.99"}},
		{"v1.0.0", bi, Info{Version: "v1.0.0", Commit: "abc123-dirty", OPA: "v1.2.3", Go: "go1.99"}},
		{"", &debug.BuildInfo{Main: debug.Module{Version: "v0.4.0"}}, Info{Version: "v0.4.0", Commit: "unknown", OPA: "unknown"}},
		{"", nil, Info{Version: "devel", Commit: "unknown", OPA: "unknown", Go: "unknown"}},
		{"v2", nil, Info{Version: "v2", Commit: "unknown", OPA: "unknown", Go: "unknown"}},
	} {
		if got := fromBuildInfo(c.version, c.bi); got != c.want {
			t.Errorf("fromBuildInfo(%q, %v) = %+v, want %+v", c.version, c.bi != nil, got, c.want)
		}
	}
	// The test binary links OPA through no package here, but it has build
	// information: Read must not report it missing.
	if got := Read(""); got.Go == "unknown" || got.Version == "" {
		t.Errorf("Read: %+v", got)
	}
}
