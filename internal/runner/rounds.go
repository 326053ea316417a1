package runner

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
	"github.com/jenkins-paratest/jenkins-paratest/internal/plan"
	"github.com/jenkins-paratest/jenkins-paratest/internal/queue"
	"github.com/jenkins-paratest/jenkins-paratest/internal/report"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// runAll runs the suite in rounds: the first runs every test; when few enough
// fail (rerun_threshold), the failed ones run again in a new round, up to
// max_reruns times, to tell flaky tests from failing ones. Workers keep their
// containers from round to round; cleanup removes them. It returns an error only
// for a failure of the machinery, never for failing tests. The workers may have
// started already (warmUp).
//
// When ctx is cancelled (a signal) it returns at once: the batches still running
// are abandoned (see abandon), so that the reports need not wait for them.
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

	s.phase("running")
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
		// What tests see as PARATEST_ROUND: first_round counts on from
		// the round a reproduce line repeats.
		p.round = round + max(s.cfg.FirstRound, 1) - 1
		p.q = s.newQueue(ids, run)
		if round == 1 { // the warm-ups still starting give up with it
			go func(q *queue.Queue) { <-q.Finished(); p.closeFirst() }(p.q)
		}
		if ok = p.runRound(ctx, workers) && ctx.Err() == nil; !ok {
			break
		}
		ids = p.rerun(run, round)
	}
	if ok {
		p.orderChecks(ctx, workers)
	}
	stopTick()
	// Every verdict is in run.Tests now (or the run is abandoned): the
	// reports need no index of them, and the biggest run's reports are
	// written with that much less memory held.
	p.mu.Lock()
	p.byID = nil
	p.mu.Unlock()
	if ctx.Err() != nil {
		// The reports come next, then the clean-up, which kills the tests
		// still running.
		// What is left is said now: a SIGKILL may end the process as soon as
		// the reports are written.
		s.con.Warnf("%v: stopping the run: the reports first, then its containers go; what is left stops by itself within orphan_ttl (%s), or: jenkins-paratest clean --run %s",
			context.Cause(ctx), s.cfg.OrphanTTL, s.cfg.RunID)
		p.abandon()
	}
	return nil
}

// abandon stops the recording of verdicts. Once it returns, every verdict is
// in the run, the journal and on the console, or will be in none of them: the
// batches still running are abandoned, their tests left without one, and the
// run can be reported while the goroutines running them wind down (inflight).
func (p *pool) abandon() {
	p.recording.Lock()
	p.abandoned = true
	p.recording.Unlock()
}

// waitOrAbandon waits for done, closed when the goroutines driving the workers
// have ended, or for ctx; after ctx the goroutines run on, and inflight is done
// until they end. It reports whether they ended.
func (p *pool) waitOrAbandon(ctx context.Context, done chan struct{}) bool {
	select {
	case <-done:
		return true
	case <-ctx.Done():
		p.inflight = done
		return false
	}
}

// warmUps returns a channel closed once every warm-up has ended.
func (p *pool) warmUps() chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, w := range p.workers {
			w.warmed()
		}
	}()
	return done
}

// cleanup ends the run on the hosts, under cleanupContext: the workers'
// sessions close, then every container of the run goes, hosts in parallel.
// After a signal nothing waits for the workers: removing their containers is
// what ends the tests still running, and their sessions close once the
// goroutines driving them have ended (release).
func (p *pool) cleanup(ctx context.Context) {
	s := p.s
	s.phase("cleanup")
	cctx, cancel := cleanupContext(ctx, s.opts.Hard)
	defer cancel()
	if ctx.Err() != nil {
		s.con.Infof("removing the run's containers, for at most %s", abortCleanupTimeout)
	}
	keep := p.keep(ctx)
	released := p.release()
	select {
	case <-released:
	case <-ctx.Done():
	case <-cctx.Done():
	}
	s.removeIn(cctx, keep)
}

// release closes the workers' sessions, in parallel, once the goroutines
// driving the workers have ended (inflight); the channel is closed when it is
// done.
func (p *pool) release() <-chan struct{} {
	p.releaseOnce.Do(func() {
		p.released = make(chan struct{})
		go func() {
			defer close(p.released)
			if p.inflight != nil {
				<-p.inflight
			}
			var wg sync.WaitGroup
			for _, w := range p.workers {
				wg.Go(w.close)
			}
			wg.Wait()
		}()
	})
	return p.released
}

// newPool makes the run's workers, each with its log file, hosts in matrix
// order; close closes the logs.
func (s *master) newPool(layout report.Layout) (*pool, error) {
	p := &pool{s: s, lost: map[string][]string{}, stuckSet: map[int]bool{}, firstDone: make(chan struct{})}
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

// close closes the workers' logs, once their sessions are closed: after a
// signal that may be after Run has returned.
func (p *pool) close() {
	closeLogs := func() {
		for _, f := range p.logs {
			f.Close()
		}
	}
	if p.inflight == nil && p.released == nil {
		closeLogs() // no worker was used (newPool failed)
		return
	}
	released := p.release()
	select {
	case <-released:
		closeLogs()
	default:
		go func() {
			<-released
			closeLogs()
		}()
	}
}

// newQueue queues ids, grouped by Go package when a batch runs one test binary,
// longest first when the timing history knows their durations (plan's queue);
// for the first round it records plan's prediction of it.
func (s *master) newQueue(ids []string, run *result.Run) *queue.Queue {
	in := planInput(s.cfg, s.suite, s.planHosts(), ids, s.predicted)
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
	if s.predicted != nil && run.Predicted == 0 {
		p := plan.New(in)
		run.Predicted, run.LowerBound, run.Forecast = p.Wall, p.LowerBound, p.Forecast()
		s.con.Infof("timing history: longest first; predicted %s, lower bound %s", run.Predicted.Round(time.Second), run.LowerBound.Round(time.Second))
	}
	return in.Queue(s.est, run.LowerBound, queue.Avoid(avoid, avoidGrace))
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
	if !p.waitOrAbandon(ctx, done) {
		p.q.Close() // stop dispatch
		return false
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
	p.s.phase(fmt.Sprintf("rerun round %d", p.round+1))
	p.s.con.Infof("%s failed in round %d; running them again to tell flaky from failing", plural(len(failed), "test"), p.round)
	return failed
}

// failedListed returns the listed tests whose last attempt failed, and how many
// tests were listed. A failed subtest counts through its parent, which runs it.
func failedListed(run *result.Run) (failed []string, listed int) {
	for _, t := range run.Tests {
		if t.Parent() != "" {
			continue
		}
		listed++
		if t.Final().Bad() {
			failed = append(failed, t.ID)
		}
	}
	return failed, listed
}

// closeFirst closes firstDone, once.
func (p *pool) closeFirst() {
	p.firstOnce.Do(func() { close(p.firstDone) })
}
