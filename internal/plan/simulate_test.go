package plan

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/history"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// suiteOf is an Input of tests t0, t1, … with durations ds, all known, on
// one host of workers, with the model given.
func suiteOf(ds []time.Duration, workers, batch int, m Model) Input {
	in := Input{Known: map[string]time.Duration{}, Hosts: []Host{{Name: "local", Workers: workers}}, Batch: batch, Model: m}
	for i, d := range ds {
		id := fmt.Sprintf("t%d", i)
		in.IDs = append(in.IDs, id)
		in.Known[id] = d
	}
	return in
}

func TestNewSchedule(t *testing.T) {
	type testCase struct {
		name       string
		durations  []time.Duration
		workers    int
		batch      int
		model      Model
		wall       time.Duration
		lowerBound time.Duration
		finish     []time.Duration // per worker
	}
	fn := func(t *testing.T, tc testCase) {
		p := New(suiteOf(tc.durations, tc.workers, max(tc.batch, 1), tc.model))
		if p.Wall != tc.wall || p.LowerBound != tc.lowerBound {
			t.Errorf("wall %v, lower bound %v; want %v, %v", p.Wall, p.LowerBound, tc.wall, tc.lowerBound)
		}
		var finish []time.Duration
		for _, w := range p.Workers {
			finish = append(finish, w.Finish)
		}
		if tc.finish != nil {
			if diff := cmp.Diff(tc.finish, finish); diff != "" {
				t.Errorf("finish per worker (-want +got):\n%s", diff)
			}
		}
	}
	for _, tc := range []testCase{
		{name: "nothing", workers: 4, finish: []time.Duration{0, 0, 0, 0}},
		{name: "one worker adds up", durations: []time.Duration{1 * s, 2 * s, 3 * s}, workers: 1, wall: 6 * s, lowerBound: 6 * s},
		{name: "more workers than tests", durations: []time.Duration{3 * s, 7 * s}, workers: 8, wall: 7 * s, lowerBound: 7 * s},
		{
			// Longest first: w0 4+2+1, w1 3+3 → 7; total 13 over 2 is 6.5. The
			// listing's order does not matter.
			name: "next test to the first free worker", durations: []time.Duration{1 * s, 3 * s, 4 * s, 2 * s, 3 * s},
			workers: 2, wall: 7 * s, lowerBound: 6500 * time.Millisecond, finish: []time.Duration{7 * s, 6 * s},
		},
		{
			// Longest first is not optimal: 3+3 and 2+2+2 would take 6.
			name: "greedy longest first", durations: []time.Duration{3 * s, 3 * s, 2 * s, 2 * s, 2 * s},
			workers: 2, wall: 7 * s, lowerBound: 6 * s,
		},
		{
			// w0 is up at 1s and takes 4s (5s), w1 at 2s takes 3s (5s); w0 then 2s (7s).
			// The bound adds one start to max(4s, 9s/2).
			name: "workers come up one start apart", durations: []time.Duration{4 * s, 3 * s, 2 * s},
			workers: 2, model: Model{Start: s}, wall: 7 * s, lowerBound: 5500 * time.Millisecond,
			finish: []time.Duration{7 * s, 5 * s},
		},
		{
			name: "each batch costs the overhead", durations: []time.Duration{4 * s, 3 * s, 2 * s},
			workers: 1, model: Model{Overhead: 500 * time.Millisecond}, wall: 10500 * time.Millisecond, lowerBound: 9 * s,
		},
		{
			// batch 2, bounded by the lower bound 5s: 4s alone, then 3+2 together.
			name: "a fixed batch is bounded by the lower bound", durations: []time.Duration{4 * s, 3 * s, 2 * s, 1 * s},
			workers: 2, batch: 2, model: Model{Overhead: time.Second}, wall: 7 * s, lowerBound: 5 * s,
			finish: []time.Duration{7 * s, 6 * s},
		},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

// TestNewWithinListSchedulingBound checks Graham's bound for any greedy list
// schedule: makespan ≤ total/workers + longest·(1 − 1/workers), so under twice the
// lower bound — one test per batch and no start or overhead, as Graham has it.
func TestNewWithinListSchedulingBound(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		workers := 1 + r.IntN(16)
		ds := skewed(r, 1+r.IntN(300))
		p := New(suiteOf(ds, workers, 1, Model{}))
		bound := p.Total/time.Duration(workers) + p.Longest - p.Longest/time.Duration(workers) + time.Duration(workers)
		if p.Wall < p.LowerBound || p.Wall > bound {
			t.Fatalf("%d workers, %d tests: wall %v outside [%v, %v]", workers, len(ds), p.Wall, p.LowerBound, bound)
		}
	}
}

// TestNewAtLeastTheLowerBound: whatever the batching, start and overhead, no
// prediction beats its lower bound, and every test is handed out once.
func TestNewAtLeastTheLowerBound(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 100 {
		workers := 1 + r.IntN(32)
		ds := skewed(r, 1+r.IntN(500))
		batch := []int{config.BatchAuto, 1, 5}[r.IntN(3)]
		m := Model{Start: time.Duration(r.IntN(3000)) * time.Millisecond, Overhead: time.Duration(r.IntN(500)) * time.Millisecond}
		p := New(suiteOf(ds, workers, batch, m))
		tests := 0
		for _, w := range p.Workers {
			tests += w.Tests
		}
		if p.Wall < p.LowerBound || tests != len(ds) {
			t.Fatalf("%d workers, batch %d, %+v: wall %v under the lower bound %v, or %d of %d tests handed out",
				workers, batch, m, p.Wall, p.LowerBound, tests, len(ds))
		}
	}
}

// TestNeededIsTheFewest: the workers Needed names reach the target and no
// fewer do; when it finds none, its best is what it says and misses.
func TestNeededIsTheFewest(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	found := 0
	for range 30 {
		in := suiteOf(skewed(r, 50+r.IntN(200)), 4, []int{config.BatchAuto, 1}[r.IntN(2)], Default)
		if r.IntN(2) == 0 {
			in.Hosts = []Host{{Name: "b01", Workers: 2}, {Name: "b02", Workers: 2}}
		}
		p := New(in)
		target := p.Longest + Default.Start + time.Duration(r.Int64N(int64(p.Total)))
		f := Needed(in, target)
		if f.Workers == 0 {
			if got := New(in.with(f.Best)).Wall; f.Best == 0 || got != f.BestWall || got <= target {
				t.Fatalf("target %v: none found, best %d workers at %v (simulated %v)", target, f.Best, f.BestWall, got)
			}
			continue
		}
		found++
		if got := New(in.with(f.Workers)).Wall; got > target || got != f.Wall {
			t.Fatalf("target %v: %d workers take %v, Fit says %v", target, f.Workers, got, f.Wall)
		}
		for n := 1; n < f.Workers; n++ {
			if fewer := New(in.with(n)).Wall; fewer <= target {
				t.Fatalf("target %v: %d workers take %v, within it too; Needed said %d", target, n, fewer, f.Workers)
			}
		}
	}
	if found < 20 {
		t.Errorf("Needed found a count for %d of 30 targets, want most", found)
	}
	if f := Needed(suiteOf([]time.Duration{time.Minute}, 1, 1, Default), time.Minute); !f.TooLong || f.Workers != 0 {
		t.Errorf("a one-minute test and a 1-minute target: %+v, want too long", f)
	}
}

func TestWith(t *testing.T) {
	in := Input{Hosts: []Host{{Name: "b01", Workers: 8}, {Name: "b02", Workers: 1}, {Name: "b03", Workers: 1}}}
	if diff := cmp.Diff([]Host{{"b01", 2}, {"b02", 2}, {"b03", 1}}, in.with(5).Hosts); diff != "" {
		t.Errorf("5 over 3 hosts (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Host{{"b01", 1}}, in.with(1).Hosts); diff != "" {
		t.Errorf("1 over 3 hosts (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Host{{"local", 3}}, (Input{}).with(3).Hosts); diff != "" {
		t.Errorf("no hosts (-want +got):\n%s", diff)
	}
}

// TestEstimator: the mean of the tests measured, the overhead a moving
// average that weighs the latest batch a third.
func TestEstimator(t *testing.T) {
	e := NewEstimator(map[string]time.Duration{"a": s})
	if d, ok := e.Predict("a"); !ok || d != s {
		t.Errorf("Predict(a) = %v, %v", d, ok)
	}
	if _, ok := e.Predict("b"); ok {
		t.Errorf("Predict(b) known")
	}
	if e.Mean() != 0 || e.Overhead() != 0 {
		t.Errorf("nothing measured: mean %v, overhead %v", e.Mean(), e.Overhead())
	}
	e.Observe(5*s, 0, 0) // ran no test: tells nothing
	e.Observe(4*s, 2, 3*s)
	e.Observe(8*s, 2, 4*s)
	if e.Mean() != 1750*time.Millisecond {
		t.Errorf("mean %v, want 1.75s", e.Mean())
	}
	if want := (2*s + 4*s) / 3; e.Overhead() != want { // first 1s, then (1s·2 + 4s)/3
		t.Errorf("overhead %v, want %v", e.Overhead(), want)
	}
	e.Observe(0, 1, 0)
	if e.Mean() < time.Microsecond {
		t.Errorf("mean %v under a microsecond once tests were measured", e.Mean())
	}
}

// BenchmarkNew predicts a realistic suite (many short unit tests, a few long
// integration tests) on 16 workers and reports the wall time against the
// lower bound as metrics; compare those, not ns/op.
func BenchmarkNew(b *testing.B) {
	r := rand.New(rand.NewPCG(42, 7))
	in := suiteOf(skewed(r, 2000), 16, config.BatchAuto, Default)
	var p *Plan
	for b.Loop() {
		p = New(in)
	}
	b.ReportMetric(p.Wall.Seconds(), "wall-s")
	b.ReportMetric(p.Ratio(), "wall/lower-bound")
}

// skewed draws n test durations the way real suites spread: log-normal, a median
// near half a second, and about 2% integration tests of one to five minutes.
func skewed(r *rand.Rand, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		sec := math.Exp(r.NormFloat64()*1.2 - 0.7)
		if r.IntN(50) == 0 {
			sec = 60 + 240*r.Float64()
		}
		out[i] = time.Duration(sec * float64(time.Second)).Round(time.Millisecond)
	}
	return out
}

func TestKnown(t *testing.T) {
	tm := history.Timings{Durations: map[string]time.Duration{"pkg.TestA": s, "pkg.TestGone": 9 * s}}
	tests := []*result.Test{{ID: "a", Class: "pkg", Name: "TestA"}, {ID: "b", Class: "pkg", Name: "TestB"}}
	if diff := cmp.Diff(map[string]time.Duration{"a": s}, Known(tm, tests)); diff != "" {
		t.Errorf("Known (-want +got):\n%s", diff)
	}
	if got := Known(tm, tests[1:]); got != nil {
		t.Errorf("Known of a test the history lacks: %v, want nil", got)
	}
	if got := Known(history.Timings{}, tests); got != nil {
		t.Errorf("Known without history: %v, want nil", got)
	}
}
