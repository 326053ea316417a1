// Package runner runs a suite: it lists the tests, starts one container per worker,
// feeds tests from a central queue to idle workers and collects their verdicts.
package runner

import (
	"context"
	"errors"
	"io"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// Options are what the runner takes from its caller besides the configuration.
type Options struct {
	Stdout io.Writer // console
	Stdin  io.Reader // test ids when cfg.Tests is "-"
	// AgentPath is the static linux binary copied into every container as its main
	// process; "" uses the running executable.
	AgentPath string
	// Engine overrides the local Docker engine (tests).
	Engine engine.Engine
	// Hard is cancelled by a second signal: clean-up, which outlives the run's own
	// context, stops at once. Nil means never.
	Hard context.Context
}

// Run runs the suite and writes the reports. The returned Run is non-nil whenever
// reports were written, also together with an error.
func Run(ctx context.Context, cfg *config.Config, opts Options) (*result.Run, error) {
	return nil, errors.New("not implemented")
}

// Listing is what `jenkins-paratest list` prints.
type Listing struct {
	IDs     []string
	Workers int
}

// List lists the suite as Run would, without running it.
func List(ctx context.Context, cfg *config.Config, opts Options) (*Listing, error) {
	return nil, errors.New("not implemented")
}
