package runner

import (
	"context"
	"fmt"
	"sync"

	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
	"github.com/jenkins-paratest/jenkins-paratest/internal/verdict"
)

// maxOrderChecks bounds how many failed tests get an order check: each costs a
// run of the tests listed before it and a bisection of them.
const maxOrderChecks = 50

// orderCheck is one failed test to run again after the tests listed before it.
type orderCheck struct {
	t      *result.Test
	before []string // the listed ids before it, of its group, in listing order
}

// orderChecks runs, after the rounds, every test that failed in all its attempts
// once more after the tests listed before it — in one batch, in listing order,
// as a serial run would run it. A test that passes there depends on what one of
// them leaves behind: it gets the serial run's verdict (passed), and a bisection
// of those tests finds the one it needs. Tests are checked in parallel on the
// workers whose containers are still up; a worker lost meanwhile gives its check
// to another. Only when the failed tests are few (rerun_threshold) and verdicts
// are per test: a broken build stays red without the cost.
func (p *pool) orderChecks(ctx context.Context, workers []*worker) {
	run := p.run
	if !p.s.suite.PerID() || run.RerunSkipped != "" {
		return
	}
	failed, _ := failedListed(run)
	if len(failed) == 0 {
		return
	}
	checks := p.orderCandidates(failed)
	if len(checks) == 0 {
		return
	}
	if len(checks) > maxOrderChecks {
		p.s.con.Warnf("order check: %d tests failed; checking the first %d", len(checks), maxOrderChecks)
		checks = checks[:maxOrderChecks]
	}
	var ready []*worker
	for _, w := range workers {
		if !w.retired && w.c != nil && !w.broken {
			ready = append(ready, w)
		}
	}
	if len(ready) == 0 {
		p.s.con.Warnf("order check: no worker left to run it")
		return
	}
	p.s.con.Phase("order check")
	p.s.con.Infof("%s failed every attempt; running each after the tests listed before it, as a serial run would", plural(len(checks), "test"))
	round := run.Rounds + 1
	var mu sync.Mutex
	next := func() (orderCheck, bool) {
		mu.Lock()
		defer mu.Unlock()
		if len(checks) == 0 {
			return orderCheck{}, false
		}
		c := checks[0]
		checks = checks[1:]
		return c, true
	}
	var wg sync.WaitGroup
	for _, w := range ready {
		wg.Go(func() {
			for ctx.Err() == nil {
				c, ok := next()
				if !ok {
					return
				}
				if err := p.checkOrder(ctx, w, c, round); err != nil {
					if ctx.Err() == nil {
						p.s.con.Warnf("order check of %s on %s: %v", c.t.ID, w.tag(), err)
						mu.Lock()
						checks = append(checks, c) // another worker tries it
						mu.Unlock()
					}
					w.broken = true
					return
				}
			}
		})
	}
	wg.Wait()
	if len(checks) > 0 && ctx.Err() == nil {
		p.s.con.Warnf("order check: %s not checked, no worker left", plural(len(checks), "test"))
	}
}

// orderCandidates pairs each failed test with the listed tests before it, of its
// group. Tests that crash the runner are neither checked nor run before others
// (nothing would run after them); a test listed first has nothing to depend on.
func (p *pool) orderCandidates(failed []string) []orderCheck {
	bad := map[string]bool{}
	for _, id := range failed {
		bad[id] = true
	}
	var checks []orderCheck
	byGroup := map[string][]string{} // listed ids so far, per group
	for _, t := range p.run.Tests {
		if t.Parent != "" {
			continue
		}
		g := p.s.suite.Group(t.ID)
		crashed := len(t.Attempts) > 0 && t.Attempts[len(t.Attempts)-1].Crashed
		if bad[t.ID] && !crashed && len(byGroup[g]) > 0 {
			checks = append(checks, orderCheck{t: t, before: append([]string(nil), byGroup[g]...)})
		}
		if !crashed {
			byGroup[g] = append(byGroup[g], t.ID)
		}
	}
	return checks
}

// checkOrder runs c's test after all the tests before it and, when it passes
// there, bisects them for the one it needs. Only the test's own verdict of the
// first run is recorded: the others ran to set the stage. An error means the
// worker was lost.
func (p *pool) checkOrder(ctx context.Context, w *worker, c orderCheck, round int) error {
	v, kids, err := p.after(ctx, w, c.before, c.t.ID, round)
	if err != nil || v == nil {
		return err
	}
	if v.Status != result.Passed {
		p.s.con.Infof("order check: %s fails also after the %s listed before it", c.t.ID, plural(len(c.before), "test"))
		return nil
	}
	// Halve the candidates while one half is enough for it to pass.
	cand := c.before
	for len(cand) > 1 {
		half := len(cand) / 2
		first, second := cand[:half], cand[half:]
		fv, _, err := p.after(ctx, w, first, c.t.ID, round)
		if err != nil {
			return err
		}
		if fv != nil && fv.Status == result.Passed {
			cand = first
			continue
		}
		sv, _, err := p.after(ctx, w, second, c.t.ID, round)
		if err != nil {
			return err
		}
		if sv == nil || sv.Status != result.Passed {
			break // it needs tests of both halves
		}
		cand = second
	}
	dep := &result.OrderDependence{Before: len(c.before)}
	if len(cand) == 1 {
		dep.Needs = cand[0]
	}
	v.Message = orderMessage(dep)
	p.mu.Lock()
	c.t.OrderDependent = dep
	p.mu.Unlock()
	p.record(w, append([]verdict.Verdict{*v}, kids...), round)
	p.s.con.Warnf("%s: %s", c.t.ID, orderMessage(dep))
	return nil
}

// orderMessage says what an order-dependent test needs.
func orderMessage(d *result.OrderDependence) string {
	if d.Needs != "" {
		return fmt.Sprintf("order-dependent: passes only when run after %s", d.Needs)
	}
	return fmt.Sprintf("order-dependent: passes only when run after several of the %s listed before it", plural(d.Before, "test"))
}

// after runs before and then id in one batch on w and returns id's verdict, nil
// when the batch did not get to it, and the verdicts of its children.
func (p *pool) after(ctx context.Context, w *worker, before []string, id string, round int) (v *verdict.Verdict, kids []verdict.Verdict, err error) {
	ids := append(append([]string(nil), before...), id)
	vs, err := p.runBatch(ctx, w, ids, round)
	if err != nil {
		return nil, nil, err
	}
	for i := range vs {
		switch {
		case vs[i].Parent == id:
			kids = append(kids, vs[i])
		case vs[i].ID == id && vs[i].Parent == "" && !vs[i].Unrun && v == nil:
			v = &vs[i]
		}
	}
	return v, kids, nil
}
