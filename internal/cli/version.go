package cli

import (
	"fmt"
	"runtime/debug"
)

// Version is printed by `jenkins-paratest version`. The Makefile sets it with
// -ldflags "-X github.com/jenkins-paratest/jenkins-paratest/internal/cli.Version=…";
// when empty, the module version of a `go install`ed binary is used, else "dev".
var Version = ""

type versionCmd struct{}

func (versionCmd) Run(d *deps) error {
	_, err := fmt.Fprintf(d.stdout, "%s %s\n", name, version(Version))
	return err
}

func version(stamped string) string {
	if stamped != "" {
		return stamped
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}
