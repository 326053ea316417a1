package runner

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
	"github.com/jenkins-paratest/jenkins-paratest/internal/queue"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
	"github.com/jenkins-paratest/jenkins-paratest/internal/verdict"
)

// pool is the workers of one run and the state they share.
type pool struct {
	// firstDone is closed when the first round's queue is done: a warm-up
	// still starting its container then gives up (startDone).
	firstDone chan struct{}
	firstOnce sync.Once
	s         *master
	q         *queue.Queue
	run       *result.Run
	workers   []*worker
	logs      []*os.File
	// lister hands the list command to the first worker up; nil when the
	// tests come from a file.
	lister *firstLister

	mu       sync.Mutex
	byID     map[string]*result.Test
	lost     map[string][]string // id → workers its batch was lost on
	alive    int                 // workers not retired
	stuckSet map[int]bool        // workers whose last attempts all failed
	gaveUp   bool                // every worker was stuck: the run ends
	round    int                 // the round being run, 1 for the first

	// recording is held by record, read-locked, for a batch's verdicts from
	// the run to the console; abandon sets abandoned under it.
	recording sync.RWMutex
	abandoned bool
	// inflight, when not nil, is closed once the goroutines driving the
	// workers that a signal abandoned have ended; until then they own the
	// workers. The pool releases the workers (closes their sessions) after it.
	inflight    chan struct{}
	releaseOnce sync.Once
	released    chan struct{}
}

// avoidGrace is how long a worker leaves a rerun it should avoid (it failed there)
// to workers elsewhere before it takes it itself.
const avoidGrace = 3 * time.Second

// giveUpAfter is how many consecutive failed attempts make a worker "stuck"; when
// every worker left is stuck, no host can run tests and the run ends.
const giveUpAfter = 3

// work is one worker's goroutine: it serves the queue from a container on its
// host and, when the host or the container is lost, waits reconnect_interval and
// tries again, until the queue is finished.
func (p *pool) work(ctx context.Context, w *worker) {
	defer p.dropHeld(ctx, w, errors.New("the worker stopped"))
	failures := 0
	// The first attempt may have been made while the suite was listed.
	pending := w.warmed()
	for {
		var started bool
		var err error
		if pending != nil {
			err, pending = pending, nil
		} else {
			started, err = p.serve(ctx, w)
		}
		if err == nil || ctx.Err() != nil {
			return
		}
		if errors.Is(err, errCalledOff) { // said, but not a failure
			p.s.con.Infof("worker %s: %v", w.tag(), err)
			return
		}
		var retire *retireError
		if errors.As(err, &retire) {
			p.retire(w, err)
			return
		}
		if started {
			failures = 0
		}
		failures++
		w.h.checkDown(ctx)
		if p.stuck(w, failures >= giveUpAfter) {
			p.s.con.Errorf("no worker can run tests; the last error, on %s: %v", w.tag(), err)
			p.mu.Lock()
			p.gaveUp = true
			p.mu.Unlock()
			p.q.Close()
			return
		}
		wait := jitter(p.s.cfg.ReconnectInterval)
		p.s.con.Warnf("worker %s: %v; trying again in %s", w.tag(), err, wait.Round(100*time.Millisecond))
		select {
		case <-ctx.Done():
			return
		case <-p.q.Finished():
			return
		case <-time.After(wait):
		}
	}
}

// serve starts the worker's container, runs setup and then batches until the
// queue is finished (nil). started says whether the container got as far as
// taking tests.
func (p *pool) serve(ctx context.Context, w *worker) (started bool, err error) {
	select {
	case <-p.q.Finished():
		return false, nil
	default:
	}
	if w.c != nil && !w.broken { // the container of an earlier round
		return p.take(ctx, w)
	}
	w.startDone = p.q.Finished()
	if err := p.open(ctx, w); err != nil {
		return false, err
	}
	p.stuck(w, false)
	return p.take(ctx, w)
}

// take runs batches from the queue in the worker's container until the queue is
// finished (nil) or the container is lost.
func (p *pool) take(ctx context.Context, w *worker) (started bool, err error) {
	for {
		lease, ok := p.q.NextFor(ctx, queue.Place{Worker: w.tag(), Host: w.h.name})
		if !ok {
			return true, nil
		}
		verdicts, err := p.runBatch(ctx, w, lease.IDs, p.round)
		if err != nil {
			if w.held != nil {
				w.held.lease = lease // its lease waits for recover
			}
			if ctx.Err() != nil {
				w.held = nil
				lease.Done(lease.IDs...) // interrupted: the tests stay without a verdict
				return true, context.Cause(ctx)
			}
			w.lost()
			p.s.event(w, result.EventLost, err.Error())
			if errors.Is(err, engine.ErrContainerGone) {
				p.dropHeld(ctx, w, err) // nothing to ask for the result
			}
			return true, err
		}
		p.finish(w, lease, verdicts)
	}
}

// finish records a batch's verdicts and ends its lease: the tests it never
// started (an earlier one crashed the runner) go back to the queue. A batch that
// started none of its tests is a lost one, so that a runner crashing at once
// cannot keep a test in the queue for ever.
func (p *pool) finish(w *worker, lease *queue.Lease, vs []verdict.Verdict) {
	// Whatever the verdicts did not account for goes back: no path leaves a
	// test leased for ever.
	defer lease.Return()
	ids := lease.IDs
	var unrun []string
	ran := vs[:0:0]
	for _, v := range vs {
		if v.Unrun {
			unrun = append(unrun, v.ID)
		} else {
			ran = append(ran, v)
		}
	}
	if len(unrun) == len(ids) {
		p.lose(w, lease, ids, fmt.Errorf("the runner ran none of the batch's tests"))
		return
	}
	p.record(w, ran, p.round)
	if len(unrun) > 0 {
		p.s.con.Infof("worker %s: %s after a crash go back to the queue", w.tag(), plural(len(unrun), "test"))
		done := make([]string, 0, len(ids)-len(unrun))
		back := map[string]bool{}
		for _, id := range unrun {
			back[id] = true
		}
		for _, id := range ids {
			if !back[id] {
				done = append(done, id)
			}
		}
		lease.Done(done...)
		lease.Requeue(unrun...)
		return
	}
	lease.Done(ids...)
}

// stuck records whether w is stuck and reports whether every worker still in the
// run is.
func (p *pool) stuck(w *worker, isStuck bool) (all bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if isStuck {
		p.stuckSet[w.n] = true
	} else {
		delete(p.stuckSet, w.n)
	}
	return p.alive > 0 && len(p.stuckSet) >= p.alive
}

// jitter spreads the reconnects of many workers over ±10 % of d.
func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.9 + 0.2*rand.Float64()))
}

// retire takes a worker out of the run; when it was the last, the queue closes so
// that the run ends with the tests that are left reported as lost.
func (p *pool) retire(w *worker, err error) {
	p.s.con.Warnf("worker %s retired: %v", w.tag(), err)
	p.s.event(w, result.EventRetired, err.Error())
	w.retired = true
	p.mu.Lock()
	p.alive--
	delete(p.stuckSet, w.n)
	last := p.alive == 0
	p.mu.Unlock()
	if last {
		if left := p.q.Close(); len(left) > 0 {
			p.s.con.Errorf("no worker left; %d tests did not run", len(left))
		}
	}
}

// lose returns the tests of a batch whose worker was lost to the queue, or gives
// them an error verdict once they were lost maxLost times.
func (p *pool) lose(w *worker, lease *queue.Lease, ids []string, cause error) {
	var again []string
	for _, id := range ids {
		p.mu.Lock()
		p.lost[id] = append(p.lost[id], w.tag())
		on := p.lost[id]
		p.mu.Unlock()
		if len(on) < p.s.cfg.MaxLost {
			again = append(again, id)
			continue
		}
		p.record(w, []verdict.Verdict{{
			ID:      id,
			Status:  result.Errored,
			Cause:   result.Lost,
			Message: fmt.Sprintf("didn't run because of a timeout or a drop: lost on %s", strings.Join(on, ", ")),
			Details: cause.Error(),
		}}, p.round)
		lease.Done(id)
	}
	if len(again) > 0 {
		p.s.con.Warnf("worker %s lost %s; back in the queue", w.tag(), plural(len(again), "test"))
		lease.Requeue(again...)
	}
}

// record appends the verdicts as attempts, journals them and prints them;
// nothing once the run is abandoned.
func (p *pool) record(w *worker, vs []verdict.Verdict, round int) {
	p.recording.RLock()
	defer p.recording.RUnlock()
	if p.abandoned {
		return
	}
	entries := make([]entry, 0, len(vs))
	prevs := make([]result.Status, 0, len(vs))
	w.lastFailed = slices.ContainsFunc(vs, func(v verdict.Verdict) bool { return v.Status.Bad() })
	// A batch's tests ran one after another, in the order of their verdicts,
	// the last ending now: each starts where the one before it ended.
	starts := make([]time.Time, len(vs))
	end := time.Now()
	for i := len(vs) - 1; i >= 0; i-- {
		starts[i] = end.Add(-max(vs[i].Duration, 0))
		end = starts[i]
	}
	for i, v := range vs {
		a := result.Attempt{
			Status:   v.Status,
			Duration: v.Duration,
			Start:    starts[i],
			Round:    round,
			Worker:   w.name,
			Host:     w.h.name,
		}
		d := result.Detail{Message: v.Message, Details: v.Details, Output: v.Output, Crashed: v.Crashed, Cause: v.Cause}
		if a.Status.Bad() {
			d.Excerpt = p.excerpt(w, round)
		}
		a.Say(d)
		p.mu.Lock()
		t := p.byID[v.ID]
		if t == nil && v.Parent != "" && p.byID[v.Parent] != nil {
			// A test the runner reports under a listed one (a Go subtest).
			t = &result.Test{ID: v.ID, Extra: &result.Extra{Parent: v.Parent}}
			p.byID[v.ID] = t
			p.run.Tests = append(p.run.Tests, t)
		}
		var e entry
		var prev result.Status
		if t != nil {
			if v.Class != "" && v.Name != "" {
				t.Suite, t.Class, t.Name = v.Suite, v.Class, v.Name
				if t.Suite == "" {
					t.Suite = v.Class
				}
			}
			if n := len(t.Attempts); n > 0 {
				prev = t.Attempts[n-1].Status
			}
			t.Attempts = append(t.Attempts, a)
			e = entry{ID: t.ID, Suite: t.Suite, Class: t.Class, Name: t.Name, Attempt: a}
		}
		p.mu.Unlock()
		if t == nil {
			continue
		}
		entries = append(entries, e)
		prevs = append(prevs, prev)
	}
	// Journaled before printed: a verdict the console shows survives a master
	// killed right after. The journal syncs to disk: not while holding up
	// every other worker.
	if p.s.journal != nil {
		if err := p.s.journal.add(entries...); err != nil {
			p.s.con.Warnf("journal: %v", err)
		}
	}
	for i, e := range entries {
		p.s.con.TestDone(e.ID, e.Attempt, prevs[i])
	}
}
