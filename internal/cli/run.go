package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
	"github.com/jenkins-paratest/jenkins-paratest/internal/runner"
)

type runCmd struct {
	config.Flags `embed:""`
	Resume       bool `help:"Keep the verdicts of an earlier run in the same --out (its journal.jsonl) and run only the tests without one."`
}

func (c *runCmd) Run(ctx context.Context, d *deps) error {
	cfg, err := config.Load(config.ForRun, c.Flags, d.lookupEnv)
	if err != nil {
		return err
	}
	run, err := d.run(ctx, cfg, runner.Options{Stdout: d.stdout, Stdin: d.stdin, Hard: d.hard, Resume: c.Resume})
	return outcome(ctx, run, err)
}

// outcome is the error a run ends the process with, nil when every test passed.
func outcome(ctx context.Context, run *result.Run, err error) error {
	if err != nil {
		return withSignal(ctx, err)
	}
	if run == nil {
		return exit.Infraf("internal error: the run returned no result")
	}
	// A lost test never got a verdict: a run with one must not look green.
	c := run.Counts()
	if c.Failed == 0 && c.Lost == 0 {
		return nil
	}
	var parts []string
	if c.Failed > 0 {
		parts = append(parts, fmt.Sprintf("%d of %s failed", c.Failed, plural(c.Tests, "test")))
	}
	if c.Lost > 0 {
		parts = append(parts, fmt.Sprintf("%d of %s got no verdict", c.Lost, plural(c.Tests, "test")))
	}
	return exit.WithCode(exit.TestsFailed, errors.New(strings.Join(parts, ", ")))
}

// withSignal gives err the exit code 128+signal when a signal cancelled ctx, as
// Jenkins expects of an aborted step, even when err is only what the signal
// caused ("context canceled").
func withSignal(ctx context.Context, err error) error {
	var sig exit.Signal
	if cause := signalCause(ctx); cause != nil && !errors.As(err, &sig) {
		return &exit.Error{Code: exit.Code(cause), Err: err}
	}
	return err
}

// signalCause is the signal that cancelled ctx, nil when none did.
func signalCause(ctx context.Context) error {
	var sig exit.Signal
	if errors.As(context.Cause(ctx), &sig) {
		return sig
	}
	return nil
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
