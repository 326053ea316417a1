package cli

import (
	"bufio"
	"context"
	"fmt"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
	"github.com/jenkins-paratest/jenkins-paratest/internal/runner"
)

type listCmd struct {
	config.Flags `embed:""`
}

func (c *listCmd) Run(ctx context.Context, d *deps) error {
	cfg, err := config.Load(config.ForRun, c.Flags, d.lookupEnv)
	if err != nil {
		return err
	}
	// Stdout carries only the ids, so `list > ids.txt` can feed --tests; anything
	// the runner says goes to stderr.
	l, err := d.list(ctx, cfg, runner.Options{Stdout: d.stderr, Stdin: d.stdin, Hard: d.hard})
	if err != nil {
		return err
	}
	w := bufio.NewWriter(d.stdout)
	for _, id := range l.IDs {
		fmt.Fprintln(w, id)
	}
	if err := w.Flush(); err != nil {
		return exit.Infraf("write test ids: %w", err)
	}
	fmt.Fprintf(d.stderr, "%s on %s\n", plural(len(l.IDs), "test"), plural(l.Workers, "worker"))
	return nil
}
