// Command agent is `jenkins-paratest agent …` without the rest of the binary, so
// that the session tests depend on internal/agent alone: run as
// `/.paratest/agent agent SUBCOMMAND…`, as the runner runs the real one.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/jenkins-paratest/jenkins-paratest/internal/agent"
)

func main() {
	if len(os.Args) < 2 || os.Args[1] != "agent" {
		fmt.Fprintln(os.Stderr, "usage: agent agent SUBCOMMAND...")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := agent.Main(ctx, os.Args[2:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
