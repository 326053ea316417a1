package runner

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
	"github.com/jenkins-paratest/jenkins-paratest/internal/history"
	"github.com/jenkins-paratest/jenkins-paratest/internal/queue"
	"github.com/jenkins-paratest/jenkins-paratest/internal/report"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// runAll runs the suite in rounds: the first runs every test; when few enough
// fail (rerun_threshold), the failed ones run again in a new round, up to
// max_reruns times, to tell flaky tests from failing ones. Workers keep their
// containers from round to round. At the end every container of the run goes. It
// returns an error only for a failure of the machinery, never for failing tests.
// The workers may have started already (warmUp).
func (p *pool) runAll(ctx context.Context, run *result.Run) error {
	s := p.s
	p.run = run
	p.byID = make(map[string]*result.Test, len(run.Tests))
	var ids []string
	for _, t := range run.Tests {
		p.byID[t.ID] = t
		if len(t.Attempts) == 0 { // a resumed run keeps the verdicts it has
			ids = append(ids, t.ID)
		}
	}
	workers := p.workers

	s.con.Phase("running")
	s.con.Start(len(ids), s.workers())
	tickCtx, stopTick := context.WithCancel(ctx)
	defer stopTick()
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-tickCtx.Done():
				return
			case <-t.C:
				s.con.Tick()
			}
		}
	}()

	ok := true
	for round := 1; len(ids) > 0; round++ {
		run.Rounds = round
		p.round = round
		p.q = s.newQueue(ids, run)
		if ok = p.runRound(ctx, workers) && ctx.Err() == nil; !ok {
			break
		}
		ids = p.rerun(run, round)
	}
	if ok {
		p.orderChecks(ctx, workers)
	}
	for _, w := range workers {
		w.close()
	}
	stopTick()
	s.con.Phase("cleanup")
	s.removeAll(ctx)
	return nil
}

// newPool makes the run's workers, each with its log file, hosts in matrix
// order; close closes the logs.
func (s *master) newPool(layout report.Layout) (*pool, error) {
	p := &pool{s: s, lost: map[string][]string{}, stuckSet: map[int]bool{}}
	for _, h := range s.hosts {
		for range h.workers {
			n := len(p.workers)
			w := &worker{h: h, name: "w" + strconv.Itoa(n), n: n}
			w.logPath = layout.LogPath(h.name, w.name)
			if err := layout.Claim(w.logPath); err != nil {
				p.close()
				return nil, exit.Infraf("worker log: %w", err)
			}
			f, err := os.Create(w.logPath)
			if err != nil {
				p.close()
				return nil, exit.Infraf("worker log: %w", err)
			}
			p.logs = append(p.logs, f)
			w.log = &limitWriter{w: f, left: logLimit, onErr: func(err error) {
				s.con.Warnf("worker %s: its log stops here: %v; its verdicts do not depend on it", w.tag(), err)
			}}
			p.workers = append(p.workers, w)
		}
	}
	p.alive = len(p.workers)
	return p, nil
}

func (p *pool) close() {
	for _, f := range p.logs {
		f.Close()
	}
}

// newQueue queues ids, grouped by Go package when a batch runs one test binary,
// longest first when the timing history knows their durations; for the first
// round it records the predicted wall time and its lower bound.
func (s *master) newQueue(ids []string, run *result.Run) *queue.Queue {
	// Grouping costs the queue a walk of what is left per batch: only when
	// some tests have a group (Go test binaries).
	var group func(string) string
	if slices.ContainsFunc(ids, func(id string) bool { return s.suite.Group(id) != "" }) {
		group = s.suite.Group
	}
	opts := []queue.Option{}
	if s.cfg.Batch == config.BatchAuto {
		opts = append(opts, queue.Auto(s.workers(), s.est))
	}
	// A rerun goes preferably to another worker and host than the failed attempt.
	avoid := map[string]queue.Place{}
	for _, t := range run.Tests {
		if n := len(t.Attempts); n > 0 && t.Attempts[n-1].Status.Bad() {
			a := t.Attempts[n-1]
			place := queue.Place{Worker: a.Host + "/" + a.Worker, Host: a.Host}
			if len(s.hosts) == 1 { // no other host to prefer
				place.Host = ""
			}
			avoid[t.ID] = place
		}
	}
	if s.predicted == nil {
		return queue.New(ids, s.cfg.Batch, group, append(opts, queue.Avoid(avoid, avoidGrace))...)
	}
	ordered, predicted := history.Order(ids, s.predicted)
	if run.Predicted == 0 {
		ds := make([]time.Duration, len(ordered))
		for i, id := range ordered {
			ds[i] = predicted[id]
		}
		run.Predicted, run.LowerBound = history.Predict(ds, s.workers())
		s.con.Infof("timing history: longest first; predicted %s, lower bound %s", run.Predicted.Round(time.Second), run.LowerBound.Round(time.Second))
	}
	limit := max(run.LowerBound, time.Second)
	return queue.New(ordered, s.cfg.Batch, group, append(opts, queue.Avoid(avoid, avoidGrace),
		queue.MaxBatchTime(func(id string) time.Duration { return predicted[id] }, limit))...)
}

// runRound runs the workers until the round's queue is finished or ctx is done;
// false when no worker is left.
func (p *pool) runRound(ctx context.Context, workers []*worker) bool {
	var wg sync.WaitGroup
	for _, w := range workers {
		if w.retired {
			continue
		}
		wg.Go(func() { p.work(ctx, w) })
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		// Stop dispatch, then remove the containers at once: that kills the tests
		// still running, whose execs then return.
		p.s.con.Warnf("%v: stopping the run and removing its containers", context.Cause(ctx))
		p.q.Close()
		p.s.removeAll(ctx)
		<-done
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.alive > 0 && !p.gaveUp
}

// rerun decides the next round: the tests whose last attempt failed run again
// when they are at most rerun_threshold of the suite and reruns are left.
func (p *pool) rerun(run *result.Run, round int) []string {
	failed, listed := failedListed(run)
	cfg := p.s.cfg
	switch {
	case len(failed) == 0 || round > cfg.MaxReruns:
		return nil
	case float64(len(failed)) > cfg.RerunThreshold*float64(listed):
		run.RerunSkipped = fmt.Sprintf("%d of %d tests failed, more than rerun_threshold (%g%%): the build is broken, not flaky, so nothing was rerun",
			len(failed), listed, cfg.RerunThreshold*100)
		p.s.con.Warnf("%s", run.RerunSkipped)
		return nil
	}
	p.s.con.Phase(fmt.Sprintf("rerun round %d", round+1))
	p.s.con.Infof("%s failed in round %d; running them again to tell flaky from failing", plural(len(failed), "test"), round)
	return failed
}

// failedListed returns the listed tests whose last attempt failed, and how many
// tests were listed. A failed subtest counts through its parent, which runs it.
func failedListed(run *result.Run) (failed []string, listed int) {
	for _, t := range run.Tests {
		if t.Parent != "" {
			continue
		}
		listed++
		if t.Final().Bad() {
			failed = append(failed, t.ID)
		}
	}
	return failed, listed
}
