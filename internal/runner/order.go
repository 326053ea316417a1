package runner

import (
	"context"
	"fmt"
	"sync"

	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
	"github.com/jenkins-paratest/jenkins-paratest/internal/verdict"
)

// maxOrderChecks bounds how many failed tests are bisected for the test they
// need: each bisection runs about twice the tests listed before it.
const maxOrderChecks = 50

// orderCheck is one failed test to run again after the tests listed before it.
type orderCheck struct {
	t      *result.Test
	before []string // the listed ids before it, of its group, in listing order
}

// orderChecks runs, after the rounds, the tests that failed in all their
// attempts once more the way a serial run would: one batch per group (a Go test
// binary; the whole suite otherwise) of every listed test up to the last of
// them, in listing order. A failed test that passes there depends on what a test
// before it leaves behind: it gets the serial run's verdict (passed), and a
// bisection of the tests before it, in parallel on the workers, finds the one it
// needs. Only when the failed tests are few (rerun_threshold) and verdicts are
// per test: a broken build stays red without the cost.
func (p *pool) orderChecks(ctx context.Context, workers []*worker) {
	run := p.run
	if !p.s.suite.PerID() || run.RerunSkipped != "" {
		return
	}
	failed, _ := failedListed(run)
	if len(failed) == 0 {
		return
	}
	groups := p.orderCandidates(failed)
	if len(groups) == 0 {
		return
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
	p.s.phase("order check")
	n := 0
	for _, g := range groups {
		n += len(g)
	}
	p.s.con.Infof("%s failed every attempt; running them again after the tests listed before them, as a serial run would", plural(n, "test"))
	round := run.Rounds + 1

	// The serial pass: one batch per group, up to its last failed test.
	var mu sync.Mutex
	var passed []orderCheck
	verdicts := map[string][]verdict.Verdict{} // a passing test's verdict and its children's
	ranOn := map[string]*worker{}
	p.onWorkers(ctx, ready, len(groups), func(w *worker, i int) error {
		checks := groups[i]
		last := checks[len(checks)-1]
		vs, err := p.runBatch(ctx, w, append(append([]string(nil), last.before...), last.t.ID), round)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for _, c := range checks {
			v, kids := verdictOf(vs, c.t.ID)
			switch {
			case v == nil:
				p.s.con.Infof("order check: the serial pass did not get to %s", c.t.ID)
			case v.Status == result.Passed:
				passed = append(passed, c)
				verdicts[c.t.ID] = append([]verdict.Verdict{*v}, kids...)
				ranOn[c.t.ID] = w
			default:
				p.s.con.Infof("order check: %s fails also after the %s listed before it", c.t.ID, plural(len(c.before), "test"))
			}
		}
		return nil
	})
	if ctx.Err() != nil {
		return // abandoned: the jobs may still run
	}
	if len(passed) > maxOrderChecks {
		p.s.con.Warnf("order check: %d tests pass only after the tests before them; bisecting the first %d", len(passed), maxOrderChecks)
	}

	// The bisections, in parallel; every order-dependent test is reported, with
	// the test it needs where a bisection found one.
	deps := make([]*result.OrderDependence, len(passed))
	for i, c := range passed {
		deps[i] = &result.OrderDependence{Before: len(c.before)}
	}
	p.onWorkers(ctx, ready, min(len(passed), maxOrderChecks), func(w *worker, i int) error {
		needs, err := p.bisect(ctx, w, passed[i], round)
		deps[i].Needs = needs
		return err
	})
	if ctx.Err() != nil {
		return
	}
	for i, c := range passed {
		vs := verdicts[c.t.ID]
		vs[0].Message = orderMessage(deps[i])
		p.mu.Lock()
		c.t.More().OrderDependent = deps[i]
		p.mu.Unlock()
		p.record(ranOn[c.t.ID], vs, round)
		p.s.con.Warnf("%s: %s", c.t.ID, orderMessage(deps[i]))
	}
}

// onWorkers runs jobs 0…n-1 on the workers, each worker one job at a time. A
// job whose worker is lost goes to another worker; when none is left, the jobs
// not done are reported and dropped. When ctx ends it returns at once, the jobs
// abandoned (waitOrAbandon).
func (p *pool) onWorkers(ctx context.Context, ready []*worker, n int, job func(w *worker, i int) error) {
	var mu sync.Mutex
	todo := make([]int, n)
	for i := range todo {
		todo[i] = i
	}
	next := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if len(todo) == 0 {
			return 0, false
		}
		i := todo[0]
		todo = todo[1:]
		return i, true
	}
	var wg sync.WaitGroup
	for _, w := range ready {
		if w.broken {
			continue
		}
		wg.Go(func() {
			for ctx.Err() == nil {
				i, ok := next()
				if !ok {
					return
				}
				if err := job(w, i); err != nil {
					if ctx.Err() == nil {
						p.s.con.Warnf("order check on %s: %v", w.tag(), err)
					}
					mu.Lock()
					todo = append(todo, i) // another worker tries it
					mu.Unlock()
					w.broken, w.held = true, nil // an order check is not recovered
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	if !p.waitOrAbandon(ctx, done) {
		return
	}
	if len(todo) > 0 && ctx.Err() == nil {
		p.s.con.Warnf("order check: %s not done, no worker left", plural(len(todo), "check"))
	}
}

// orderCandidates groups the failed tests by their group, in listing order,
// each with the listed tests before it. Tests that crash the runner are neither
// checked nor run before others (nothing would run after them); a test listed
// first has nothing to depend on.
func (p *pool) orderCandidates(failed []string) [][]orderCheck {
	bad := map[string]bool{}
	for _, id := range failed {
		bad[id] = true
	}
	index := map[string]int{}        // group → its place in out
	byGroup := map[string][]string{} // listed ids so far, per group
	var out [][]orderCheck
	for _, t := range p.run.Tests {
		if t.Parent() != "" {
			continue
		}
		g := p.s.suite.Group(t.ID)
		crashed := len(t.Attempts) > 0 && t.Attempts[len(t.Attempts)-1].Crashed()
		if crashed {
			continue
		}
		if bad[t.ID] && len(byGroup[g]) > 0 {
			i, ok := index[g]
			if !ok {
				i = len(out)
				index[g] = i
				out = append(out, nil)
			}
			out[i] = append(out[i], orderCheck{t: t, before: append([]string(nil), byGroup[g]...)})
		}
		byGroup[g] = append(byGroup[g], t.ID)
	}
	return out
}

// bisect halves the tests before c's test while one half is enough for it to
// pass, and returns the one test it needs; "" when it needs several.
func (p *pool) bisect(ctx context.Context, w *worker, c orderCheck, round int) (string, error) {
	cand := c.before
	for len(cand) > 1 {
		half := len(cand) / 2
		first, second := cand[:half], cand[half:]
		ok, err := p.passesAfter(ctx, w, first, c.t.ID, round)
		if err != nil {
			return "", err
		}
		if ok {
			cand = first
			continue
		}
		if ok, err = p.passesAfter(ctx, w, second, c.t.ID, round); err != nil || !ok {
			return "", err // !ok: it needs tests of both halves
		}
		cand = second
	}
	return cand[0], nil
}

// passesAfter runs before and then id in one batch on w and reports whether id
// passed.
func (p *pool) passesAfter(ctx context.Context, w *worker, before []string, id string, round int) (bool, error) {
	vs, err := p.runBatch(ctx, w, append(append([]string(nil), before...), id), round)
	if err != nil {
		return false, err
	}
	v, _ := verdictOf(vs, id)
	return v != nil && v.Status == result.Passed, nil
}

// verdictOf finds id's verdict among a batch's, nil when the batch did not get
// to it, and the verdicts of its children.
func verdictOf(vs []verdict.Verdict, id string) (v *verdict.Verdict, kids []verdict.Verdict) {
	for i := range vs {
		switch {
		case vs[i].Parent == id:
			kids = append(kids, vs[i])
		case vs[i].ID == id && vs[i].Parent == "" && !vs[i].Unrun && v == nil:
			v = &vs[i]
		}
	}
	return v, kids
}

// orderMessage says what an order-dependent test needs.
func orderMessage(d *result.OrderDependence) string {
	if d.Needs != "" {
		return fmt.Sprintf("order-dependent: passes only when run after %s", d.Needs)
	}
	return fmt.Sprintf("order-dependent: passes only when run after several of the %s listed before it", plural(d.Before, "test"))
}
