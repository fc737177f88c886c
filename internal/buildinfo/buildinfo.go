// Package buildinfo describes the running binary: its version, the commit
// it was built from and the OPA it links, for `authgate version`, the
// results' tool field and evidence manifests.
package buildinfo

import "runtime/debug"

// Info describes this binary; a field that cannot be known is "unknown"
// (Version "devel").
type Info struct {
	Version string
	Commit  string
	OPA     string
	Go      string
}

// Read reads the binary's build information. version is the one stamped
// in at release build time ("" when there is none): it wins over the
// module's version.
func Read(version string) Info {
	bi, _ := debug.ReadBuildInfo() // nil without build information
	return fromBuildInfo(version, bi)
}

func fromBuildInfo(version string, bi *debug.BuildInfo) Info {
	b := Info{Version: version, Commit: "unknown", OPA: "unknown", Go: "unknown"}
	if bi == nil {
		if b.Version == "" {
			b.Version = "devel"
		}
		return b
	}
	b.Go = bi.GoVersion
	if b.Version == "" {
		b.Version = bi.Main.Version
	}
	if b.Version == "" || b.Version == "(devel)" {
		b.Version = "devel"
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				b.Commit += "-dirty"
			}
		}
	}
	for _, d := range bi.Deps {
		if d.Path == "github.com/open-policy-agent/opa" {
			b.OPA = d.Version
		}
	}
	return b
}
