package cli

import (
	"bufio"
	"context"
	"fmt"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
	"github.com/jenkins-paratest/jenkins-paratest/internal/runner"
)

// cleanCmd is `jenkins-paratest clean`: it removes the containers that runs left
// behind, for a post { always { … } } step or by hand after a killed build.
type cleanCmd struct {
	config.Flags `embed:""`
	// OnlyRun is not config.Flags' --run-id, which names the run that a run
	// labels its containers with: clean defaults to every run.
	OnlyRun string `name:"run" placeholder:"ID" help:"Remove only the containers of run ID (its run_id: $BUILD_TAG in Jenkins), running or not. Default: those of every run that no longer run."`
	All     bool   `name:"all" help:"Remove the containers of every run, also those of runs going on now (other builds' workers)."`
}

func (c *cleanCmd) Run(ctx context.Context, d *deps) error {
	cfg, err := config.Load(config.ForHosts, c.Flags, d.lookupEnv)
	if err != nil {
		return err
	}
	hosts, err := d.clean(ctx, cfg, runner.Options{Stdout: d.stderr, Stdin: d.stdin, Hard: d.hard}, c.OnlyRun, c.All)
	w := bufio.NewWriter(d.stdout)
	removed, cleaned, failed, live := 0, 0, 0, 0
	for _, h := range hosts {
		for _, id := range h.Containers {
			fmt.Fprintf(w, "removed %s on %s\n", id, h.Host)
		}
		for _, v := range h.Volumes {
			fmt.Fprintf(w, "removed volume %s on %s\n", v, h.Host)
		}
		for _, n := range h.Networks {
			fmt.Fprintf(w, "removed network %s on %s\n", n, h.Host)
		}
		removed += len(h.Containers)
		live += h.Live
		if h.Err == nil {
			cleaned++
			continue
		}
		failed++
		_ = w.Flush() // keep stdout and stderr in order on Jenkins' console; an error sticks for the last Flush
		fmt.Fprintf(d.stderr, "%s: clean %s: %s\n", name, h.Host, oneLine(h.Err))
	}
	if err != nil {
		if ferr := w.Flush(); ferr != nil {
			return exit.Infraf("write: %w", ferr)
		}
		return withSignal(ctx, err)
	}
	// Hosts whose clean failed are not counted: the warnings name them.
	fmt.Fprintf(w, "removed %s on %s\n", plural(removed, "container"), plural(cleaned, "host"))
	if live > 0 {
		fmt.Fprintf(w, "left %s of runs going on now (--all removes them too)\n", plural(live, "running container"))
	}
	if err := w.Flush(); err != nil {
		return exit.Infraf("write: %w", err)
	}
	if failed > 0 {
		if sig := signalCause(ctx); sig != nil {
			return sig
		}
		return quietExit(exit.Infra) // the warnings said what failed
	}
	return nil
}
