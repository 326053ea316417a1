// Package plan owns the prediction of a run from the timing history: what the
// run's first round will take on a layout of hosts and workers, simulated the
// way the run dispatches (workers come up one at a time per engine; each free
// worker takes the next batch from the longest-first queue, built as the run
// builds it, Input.Queue; each batch costs its tests' durations plus an
// overhead), the lower bound any schedule is held to, the tests the history
// does not know and the estimate counted for them, and how many workers a
// target wall time needs (Needed). The runner records New's prediction in
// run.Predicted; `jenkins-paratest plan` prints it, so the two never differ.
package plan

import (
	"cmp"
	"container/heap"
	"context"
	"strconv"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/history"
	"github.com/jenkins-paratest/jenkins-paratest/internal/queue"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// Host is one engine the run's workers run on (a matrix host, or the local
// engine) and how many.
type Host struct {
	Name    string
	Workers int
}

// Model is what a prediction assumes beyond the tests' durations, which are
// all the history holds.
type Model struct {
	// Start is a worker's container start and setup. An engine starts
	// containers about one at a time, so on each host the k-th worker (from 0)
	// is taken to be ready at (k+1)·Start.
	Start time.Duration
	// Overhead is what each batch costs besides its tests: a command start,
	// the runner's start.
	Overhead time.Duration
}

// Default is the model every prediction uses, the run's and plan's alike:
// a container start with a short setup, and a batch's command start through
// the agent.
var Default = Model{Start: time.Second, Overhead: 100 * time.Millisecond}

// Input is what a prediction is made from.
type Input struct {
	IDs   []string                 // the tests, in listing order
	Known map[string]time.Duration // durations by the timing history, by id (Known); nil: none known
	Hosts []Host                   // in matrix order
	Batch int                      // tests per batch, or config.BatchAuto (0)
	Group func(id string) string   // the tests that may share a batch (a Go test binary); nil: any
	Model Model
}

// Workers is the total number of workers of in's hosts.
func (in Input) Workers() int {
	n := 0
	for _, h := range in.Hosts {
		n += h.Workers
	}
	return n
}

// Plan is a prediction of a run's first round.
type Plan struct {
	Tests   int
	Workers []Worker // hosts in matrix order, then by number
	// Wall is when the last test is predicted to end, counted from the first
	// container start.
	Wall time.Duration
	// LowerBound is the least any schedule could take by the same durations:
	// Spread plus one container start (Model.Start), the first worker's.
	LowerBound time.Duration
	// Spread is max(Longest, Total ÷ workers): test time only.
	Spread  time.Duration
	Longest time.Duration
	Total   time.Duration // every test's duration, estimates included
	// Unknown are the tests the history does not know, in listing order;
	// each is counted as Estimate, the median of the known durations (what
	// history.Order counts them as for the queue).
	Unknown  []string
	Estimate time.Duration
	// Durations is every test's duration as counted, by id, estimates included.
	Durations map[string]time.Duration
	Model     Model
	Batch     int // as in Input
}

// Worker is one worker's share of a Plan.
type Worker struct {
	Host    string
	Name    string // "w3", numbered over all hosts as the run numbers them
	Ready   time.Duration
	Tests   int
	Batches int
	Finish  time.Duration // its last batch's end; Ready when it gets none
}

// Tag is the worker's "host/name", as the console writes it.
func (w Worker) Tag() string { return w.Host + "/" + w.Name }

// Ratio is the predicted wall time over the lower bound; 0 when there is no bound.
func (p *Plan) Ratio() float64 {
	if p.LowerBound <= 0 {
		return 0
	}
	return float64(p.Wall) / float64(p.LowerBound)
}

// New predicts in's first round. Tests without history count as the median
// of the known durations (0 when none is known).
func New(in Input) *Plan {
	ordered, durations := history.Order(in.IDs, in.Known)
	p := &Plan{Tests: len(in.IDs), Durations: durations, Model: in.Model, Batch: in.Batch}
	for _, id := range in.IDs {
		d := durations[id]
		p.Total += d
		p.Longest = max(p.Longest, d)
		if _, ok := in.Known[id]; !ok {
			p.Unknown = append(p.Unknown, id)
			p.Estimate = d
		}
	}
	n := max(in.Workers(), 1)
	p.Spread = max(p.Longest, p.Total/time.Duration(n))
	p.LowerBound = p.Spread + in.Model.Start
	p.Workers = layout(in.Hosts, in.Model.Start)
	if len(p.Workers) == 0 {
		return p
	}
	est := NewEstimator(in.Known)
	q := in.queue(ordered, durations, est, p.LowerBound)
	simulate(p.Workers, q, durations, est, in.Model.Overhead)
	for _, w := range p.Workers {
		if w.Batches > 0 { // one still coming up when the tests ran out holds nothing up
			p.Wall = max(p.Wall, w.Finish)
		}
	}
	return p
}

// layout numbers the workers as the run does, hosts in order, and gives each
// its ready time.
func layout(hosts []Host, start time.Duration) []Worker {
	var ws []Worker
	for _, h := range hosts {
		for k := range h.Workers {
			ws = append(ws, Worker{
				Host: h.Name, Name: "w" + strconv.Itoa(len(ws)),
				Ready: time.Duration(k+1) * start,
			})
			ws[len(ws)-1].Finish = ws[len(ws)-1].Ready
		}
	}
	return ws
}

// simulate dispatches q's tests to ws in simulated time: the worker free
// first takes the next batch, which ends after the overhead and its tests'
// durations; est learns each batch when it ends, as the run's does.
func simulate(ws []Worker, q *queue.Queue, durations map[string]time.Duration, est *Estimator, overhead time.Duration) {
	free := make(freeAt, len(ws))
	for i := range ws {
		free[i] = slot{at: ws[i].Ready, w: i}
	}
	heap.Init(&free)
	type batch struct {
		tests int
		sum   time.Duration
	}
	pending := make([]batch, len(ws)) // each worker's batch running, learnt when it ends
	for free.Len() > 0 {
		s := heap.Pop(&free).(slot)
		if b := pending[s.w]; b.tests > 0 {
			est.Observe(b.sum+overhead, b.tests, b.sum)
			pending[s.w] = batch{}
		}
		if q.Len() == 0 {
			continue // this worker is done; the others finish what they hold
		}
		l, ok := q.Next(context.Background())
		if !ok {
			continue
		}
		ids := l.IDs
		var sum time.Duration
		for _, id := range ids {
			sum += durations[id]
		}
		l.Done(ids...) // at once: nothing is leased when the next worker asks, so Next never waits
		w := &ws[s.w]
		w.Tests += len(ids)
		w.Batches++
		w.Finish = s.at + overhead + sum
		pending[s.w] = batch{tests: len(ids), sum: sum}
		heap.Push(&free, slot{at: w.Finish, w: s.w})
	}
}

// slot is when a worker is free next.
type slot struct {
	at time.Duration
	w  int
}

// freeAt is a min-heap of slots, the lower worker first on a tie, so that
// the prediction is the same every time.
type freeAt []slot

func (h freeAt) Len() int { return len(h) }
func (h freeAt) Less(i, j int) bool {
	if c := cmp.Compare(h[i].at, h[j].at); c != 0 {
		return c < 0
	}
	return h[i].w < h[j].w
}
func (h freeAt) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *freeAt) Push(x any)   { *h = append(*h, x.(slot)) }
func (h *freeAt) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// Forecast is p's detail as the run keeps it for its reports.
func (p *Plan) Forecast() *result.Forecast {
	f := &result.Forecast{Tests: p.Durations, Unknown: map[string]bool{}, Finish: map[string]time.Duration{}}
	for _, id := range p.Unknown {
		f.Unknown[id] = true
	}
	for _, w := range p.Workers {
		f.Finish[w.Tag()] = w.Finish
	}
	return f
}
