package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/urfave/cli/v2"
)

// version is set at build time: go build -ldflags "-X main.version=v1.2.3".
var version = "dev"

func versionCommand(s streams) *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the version",
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			fmt.Fprintln(s.out, versionString())
			return nil
		},
	}
}

// versionString is "kring VERSION (goX.Y.Z)". Without -X main.version it
// falls back to the module version (go install) or the VCS revision the
// build recorded.
func versionString() string {
	v := version
	if bi, ok := debug.ReadBuildInfo(); ok && v == "dev" {
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		} else {
			var rev, dirty string
			for _, s := range bi.Settings {
				switch {
				case s.Key == "vcs.revision":
					rev = s.Value
				case s.Key == "vcs.modified" && s.Value == "true":
					dirty = "-dirty"
				}
			}
			if rev != "" {
				v = "dev-" + rev[:min(12, len(rev))] + dirty
			}
		}
	}
	return fmt.Sprintf("kring %s (%s)", v, runtime.Version())
}
