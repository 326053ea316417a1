package runner

import (
	"context"
	"io"
	"slices"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/console"
	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
	"github.com/jenkins-paratest/jenkins-paratest/internal/history"
	"github.com/jenkins-paratest/jenkins-paratest/internal/matrix"
	"github.com/jenkins-paratest/jenkins-paratest/internal/plan"
	"github.com/jenkins-paratest/jenkins-paratest/internal/suite"
)

// Planned is what a prediction of a run is made from (`jenkins-paratest plan`).
type Planned struct {
	Input plan.Input
	Files int // timing history files read
}

// Plan gathers what Run would predict cfg's run from: the timing history, the
// listing — the tests file's, read without reaching any engine, else as List
// lists it, in a container — the hosts and their workers, and the batch
// setting. History files that cannot be used are warned about on
// opts.Stdout, as Run does.
func Plan(ctx context.Context, cfg *config.Config, opts Options) (*Planned, error) {
	timings, err := history.Load(cfg.History)
	if err != nil {
		return nil, exit.Usagef("history: %w", err)
	}
	out := opts.Stdout
	if out == nil {
		out = io.Discard
	}
	con := console.New(out, console.Options{})
	for _, e := range timings.Skipped {
		con.Warnf("history: %v", e)
	}
	hosts, err := planHosts(cfg)
	if err != nil {
		return nil, err
	}
	var ids []string
	if cfg.Tests != "" {
		s := &master{cfg: cfg, opts: opts, con: con, suite: suite.New(cfg)}
		ids, err = s.selected(s.readTests())
	} else {
		var l *Listing
		if l, err = List(ctx, cfg, opts); err == nil {
			ids = l.IDs
		}
	}
	if err != nil {
		return nil, err
	}
	a := suite.New(cfg)
	run := newRun(cfg, a, ids)
	return &Planned{Input: planInput(cfg, a, hosts, ids, plan.Known(timings, run.Tests)), Files: len(timings.Files)}, nil
}

// planHosts are the hosts a run of cfg would have, from the matrix file
// (without reaching them) or the local engine.
func planHosts(cfg *config.Config) ([]plan.Host, error) {
	if cfg.Matrix == "" {
		return []plan.Host{{Name: "local", Workers: cfg.Workers}}, nil
	}
	m, err := matrix.Load(cfg.Matrix, matrix.Options{CurrentUser: cfg.SSHUser})
	if err != nil {
		return nil, err
	}
	var hosts []plan.Host
	for _, h := range m.Hosts {
		hosts = append(hosts, plan.Host{Name: h.Name, Workers: h.Workers})
	}
	return hosts, nil
}

// planInput is what ids' queue and prediction are made from, the run's and
// plan's alike. Grouping costs the queue a walk of what is left per batch:
// only when some tests have a group (Go test binaries).
func planInput(cfg *config.Config, a suite.Adapter, hosts []plan.Host, ids []string, known map[string]time.Duration) plan.Input {
	in := plan.Input{IDs: ids, Known: known, Hosts: hosts, Batch: cfg.Batch, Model: plan.Default}
	if slices.ContainsFunc(ids, func(id string) bool { return a.Group(id) != "" }) {
		in.Group = a.Group
	}
	return in
}

// planHosts of a master: its hosts as they are.
func (s *master) planHosts() []plan.Host {
	hosts := make([]plan.Host, len(s.hosts))
	for i, h := range s.hosts {
		hosts[i] = plan.Host{Name: h.name, Workers: h.workers}
	}
	return hosts
}
