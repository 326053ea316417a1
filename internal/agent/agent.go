// Package agent is the small program that runs inside every worker container. The
// master copies its own (static) executable into the container and starts it as
// `jenkins-paratest agent idle`, so any image, even one built FROM scratch, has a main
// process to keep it alive; test commands run through `agent exec` in a process
// group of their own.
package agent

import (
	"context"
	"fmt"
	"io"
)

// Path is where the agent binary lives inside a container.
const Path = "/.paratest/agent"

// Main runs the agent subcommand args ("idle", "exec -- argv...", "golist DIR") and
// returns its exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "agent: not implemented")
	return 2
}
