package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
	"github.com/jenkins-paratest/jenkins-paratest/internal/plan"
	"github.com/jenkins-paratest/jenkins-paratest/internal/runner"
)

// planCmd is `jenkins-paratest plan`: the run's own prediction (internal/plan)
// printed before the run, per worker, with how many workers a target needs.
type planCmd struct {
	config.Flags `embed:""`
	Target       *time.Duration `placeholder:"DURATION" help:"Also say how many workers the predicted wall time needs to be within DURATION, e.g. 10m."`
	JSON         bool           `name:"json" help:"Print the plan as one JSON object, durations in seconds."`
}

func (c *planCmd) Run(ctx context.Context, d *deps) error {
	if c.Target != nil && *c.Target <= 0 {
		return exit.Usagef("--target: must be more than 0, got %s", *c.Target)
	}
	cfg, err := config.Load(config.ForRun, c.Flags, d.lookupEnv)
	if err != nil {
		return err
	}
	if len(cfg.History) == 0 {
		return exit.Usagef("--history: plan predicts from the timing history: give earlier runs' JUnit files (history: in paratest.yml, PARATEST_HISTORY)")
	}
	// Stdout carries only the plan; anything the runner says goes to stderr.
	in, err := d.plan(ctx, cfg, runner.Options{Stdout: d.stderr, Stdin: d.stdin, Hard: d.hard})
	if err != nil {
		return withSignal(ctx, err)
	}
	if in.Input.Known == nil {
		fmt.Fprintf(d.stdout, "plan: the timing history (%s) knows none of the %s: nothing to predict from; history: should name the last build's archived paratest-out/junit/*.xml\n",
			plural(in.Files, "file"), plural(len(in.Input.IDs), "test"))
		return nil
	}
	r := plan.Report{Plan: plan.New(in.Input), Files: in.Files}
	if c.Target != nil {
		fit := plan.Needed(in.Input, *c.Target)
		r.Fit = &fit
	}
	write := r.WriteText
	if c.JSON {
		write = r.WriteJSON
	}
	if err := write(d.stdout); err != nil {
		return exit.Infraf("write the plan: %w", err)
	}
	return nil
}
