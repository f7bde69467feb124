package cli

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// Version is main's version, set at link time where the build has no VCS information to stamp
// (the image is built without .git in its context): go build -ldflags "-X main.version=v1.2.3".
// Empty: the module version from the build information.
var Version string

// buildInfo is what `partnerbot version`, the start log and /readyz say about this binary.
type buildInfo struct {
	Version   string // module version ("(devel)" for a build from a checkout), or -X main.version
	Revision  string // vcs.revision, empty without VCS information
	Time      string // vcs.time (RFC 3339)
	Modified  bool   // vcs.modified: built from a tree with uncommitted changes
	GoVersion string
}

// readBuildInfo reads the binary's build information; linked, when set, overrides the module
// version (the -ldflags -X fallback).
func readBuildInfo(bi *debug.BuildInfo, ok bool, linked string) buildInfo {
	info := buildInfo{Version: "unknown", GoVersion: "unknown"}
	if ok && bi != nil {
		info.GoVersion = bi.GoVersion
		if v := bi.Main.Version; v != "" {
			info.Version = v
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				info.Revision = s.Value
			case "vcs.time":
				info.Time = s.Value
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
	}
	if linked != "" {
		info.Version = linked
	}
	return info
}

// currentBuild is this binary's build information.
func currentBuild() buildInfo {
	bi, ok := debug.ReadBuildInfo()
	return readBuildInfo(bi, ok, Version)
}

// String is one line: "v1.2.3 (rev 0123abcd, 2026-12-01T10:00:00Z, modified) go1.26.8".
func (b buildInfo) String() string {
	var vcs []string
	if b.Revision != "" {
		r := b.Revision
		if len(r) > 12 {
			r = r[:12]
		}
		vcs = append(vcs, "rev "+r)
	}
	if b.Time != "" {
		vcs = append(vcs, b.Time)
	}
	if b.Modified {
		vcs = append(vcs, "modified")
	}
	s := b.Version
	if len(vcs) > 0 {
		s += " (" + strings.Join(vcs, ", ") + ")"
	}
	return s + " " + b.GoVersion
}

// logAttrs are the start log's fields.
func (b buildInfo) logAttrs() []any {
	attrs := []any{"version", b.Version, "go", b.GoVersion}
	if b.Revision != "" {
		attrs = append(attrs, "revision", b.Revision, "modified", b.Modified)
	}
	return attrs
}

// runVersion prints the binary's version: module version, VCS revision, time and whether
// the tree was modified (when the build recorded them), and the Go version.
func runVersion(args []string, stdout, stderr io.Writer) int {
	if !newFlags("partnerbot version", "", stderr).parse(args, 0, 0) {
		return exitUsage
	}
	b := currentBuild()
	fmt.Fprintf(stdout, "partnerbot %s\n", b.Version)
	if b.Revision != "" {
		fmt.Fprintf(stdout, "revision   %s\n", b.Revision)
	}
	if b.Time != "" {
		fmt.Fprintf(stdout, "time       %s\n", b.Time)
	}
	if b.Revision != "" {
		fmt.Fprintf(stdout, "modified   %t\n", b.Modified)
	}
	fmt.Fprintf(stdout, "go         %s\n", b.GoVersion)
	return exitOK
}
