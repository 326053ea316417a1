// Package queue is the central test queue of a run. Idle workers take the next batch
// of test ids as a Lease; each id of it stays leased until the worker reports it
// Done or gives it back with Requeue (its worker was lost), and Return gives back
// whatever a lease still holds, so a lease dropped on any path cannot keep the
// run waiting. Next blocks while the queue is empty but leases are out, because a
// lost lease brings tests back, and says the queue is drained only when nothing
// is queued or leased.
//
// The queue hands ids out in the order it was given them (the runner gives them
// longest first, see internal/history); with MaxBatchTime a batch also stops
// growing at a predicted duration.
package queue

import (
	"context"
	"sync"
	"time"
)

// Queue hands out test ids in batches. It is safe for concurrent use.
type Queue struct {
	mu       sync.Mutex
	changed  chan struct{} // closed and replaced on every change, to wake waiters
	items    []string
	batch    int
	group    func(id string) string
	cost     func(id string) time.Duration // nil: batches are bounded by count only
	avoid    map[string]Place              // where each id should preferably not run
	grace    time.Duration                 // how long a worker leaves avoided ids to others
	maxCost  time.Duration
	auto     *auto // batch: auto; nil for a fixed batch size
	leased   int
	closed   bool
	finished chan struct{} // closed once the queue is drained or closed
}

// An Option changes how New's queue forms batches.
type Option func(*Queue)

// MaxBatchTime stops a batch from growing once the predicted durations of its ids
// would add up to more than limit; a batch always holds at least one id. Ordered
// longest first and batched by count alone, the longest tests would share the
// first batch and run one after another on one worker, undoing the order. A nil
// predict or a limit ≤ 0 leaves batches bounded by count only.
func MaxBatchTime(predict func(id string) time.Duration, limit time.Duration) Option {
	return func(q *Queue) {
		if predict != nil && limit > 0 {
			q.cost, q.maxCost = predict, limit
		}
	}
}

// Estimator tells an auto-sized queue what tests and batches cost.
type Estimator interface {
	// Predict is a test's duration by the timing history, if it has one.
	Predict(id string) (time.Duration, bool)
	// Mean is the mean duration of the tests measured so far; 0 before any.
	Mean() time.Duration
	// Overhead is the mean cost of a batch beyond its tests' durations (a
	// command start, the runner's start); 0 before any was measured.
	Overhead() time.Duration
}

// Auto-sizing bounds (batch: auto).
const (
	// AutoMax is the most tests an auto-sized batch holds: argv stays short.
	AutoMax = 500
	// autoFirst is the most tests a batch holds before any test was measured:
	// the first batches tell the queue what tests cost.
	autoFirst = 10
	// autoOverhead is how many times a batch's overhead its tests take at the
	// least, so the overhead stays under a fifth of the time.
	autoOverhead = 4
)

type auto struct {
	workers int
	est     Estimator
	// What is queued, kept as it changes so that sizing a batch does not walk
	// the queue: the predicted time of the ids the history knows, and how many
	// it does not.
	known   time.Duration
	unknown int
}

// count adds (sign 1) or removes (-1) ids from the totals.
func (a *auto) count(ids []string, sign int) {
	for _, id := range ids {
		if d, ok := a.est.Predict(id); ok {
			a.known += time.Duration(sign) * d
		} else {
			a.unknown += sign
		}
	}
}

// Auto sizes each batch as it is handed out (batch: auto), guided scheduling
// over the predicted time left: a batch takes about the time left divided by
// twice the number of workers, so batches are large early and shrink toward the
// end, and the workers finish together. A batch aims at tests taking four
// times its overhead, but is no larger than a worker's fair share of the time
// left (the time left divided by the workers) unless that share is less than
// one overhead: a batch always carries at least its overhead's worth of tests
// (or what is left). It holds at most AutoMax tests; before any test was
// measured, at most autoFirst. The batch argument of New is ignored.
func Auto(workers int, est Estimator) Option {
	return func(q *Queue) {
		q.auto = &auto{workers: max(workers, 1), est: est}
		q.auto.count(q.items, 1)
	}
}

// limits are the count and predicted-time bounds of the next batch, and the cost
// function to count with (nil: by count only). q.mu is held.
func (q *Queue) limits() (n int, budget time.Duration, cost func(string) time.Duration) {
	a := q.auto
	if a == nil {
		return q.batch, q.maxCost, q.cost
	}
	mean := a.est.Mean()
	if mean <= 0 {
		// Nothing measured yet: by count, and by the history's predictions
		// when it has them (MaxBatchTime), or the longest tests share a batch.
		return min(autoFirst, max(1, (len(q.items)+2*a.workers-1)/(2*a.workers))), q.maxCost, q.cost
	}
	cost = func(id string) time.Duration {
		if d, ok := a.est.Predict(id); ok {
			return d
		}
		return mean
	}
	left := a.known + time.Duration(a.unknown)*mean
	// Never more than a fair share of what is left, whatever the overhead: one
	// worker must not take the rest while the others idle.
	fair := left / time.Duration(a.workers)
	// Nor less than one overhead: a batch whose tests take less than what
	// starting it costs adds more to its worker's time than sharing it out
	// saves the others (the tail of many tiny batches).
	o := a.est.Overhead()
	budget = max(min(max(left/time.Duration(2*a.workers), autoOverhead*o), fair), o, time.Millisecond)
	return AutoMax, budget, cost
}

// New returns a queue of ids handed out batch at a time, in the order given. When
// group is not nil a batch holds only ids of one group (a Go package: one test
// binary per exec).
func New(ids []string, batch int, group func(id string) string, opts ...Option) *Queue {
	if batch < 1 {
		batch = 1
	}
	q := &Queue{
		changed:  make(chan struct{}),
		items:    append([]string(nil), ids...),
		batch:    batch,
		group:    group,
		finished: make(chan struct{}),
	}
	for _, o := range opts {
		o(q)
	}
	return q
}

// Finished is closed once the queue is drained (nothing queued or leased) or
// closed: a worker waiting to reconnect has nothing left to do.
func (q *Queue) Finished() <-chan struct{} {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.checkFinished()
	return q.finished
}

// checkFinished closes finished when the queue has nothing left; q.mu is held.
func (q *Queue) checkFinished() {
	select {
	case <-q.finished:
	default:
		if q.closed || (len(q.items) == 0 && q.leased == 0) {
			close(q.finished)
		}
	}
}

// Place is where a test ran: a worker ("b01/w3") and its host.
type Place struct{ Worker, Host string }

// Avoid makes the queue hand each id preferably to a worker other than the one
// given, and on another host: a failed test's rerun tells more elsewhere. Only a
// preference: a worker offered nothing but ids it should avoid waits up to grace
// for another worker to take them, then takes one itself.
func Avoid(places map[string]Place, grace time.Duration) Option {
	return func(q *Queue) { q.avoid, q.grace = places, grace }
}

// Next leases the next batch. It blocks while the queue is empty and leases are
// out; ok is false once the queue is drained or closed, or ctx is done.
func (q *Queue) Next(ctx context.Context) (*Lease, bool) {
	return q.NextFor(ctx, Place{})
}

// NextFor is Next for a worker at a place, which the Avoid option takes into
// account.
func (q *Queue) NextFor(ctx context.Context, at Place) (*Lease, bool) {
	var grace *time.Timer // started when only avoided ids are offered
	defer func() {
		if grace != nil {
			grace.Stop()
		}
	}()
	yielded := false
	for {
		q.mu.Lock()
		if q.closed || (len(q.items) == 0 && q.leased == 0) {
			q.mu.Unlock()
			return nil, false
		}
		if len(q.items) > 0 {
			if q.front(at) > 0 && !yielded && q.grace > 0 {
				wait := q.changed
				q.mu.Unlock()
				if grace == nil {
					grace = time.NewTimer(q.grace)
				}
				select {
				case <-ctx.Done():
					return nil, false
				case <-wait:
				case <-grace.C:
					yielded = true
				}
				continue
			}
			ids := q.take()
			q.leased += len(ids)
			q.mu.Unlock()
			return newLease(q, ids), true
		}
		wait := q.changed
		q.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, false
		case <-wait:
		}
	}
}

// front moves to the front the first id that at is least asked to avoid: one
// avoided neither by worker nor by host, else one avoided only by host. It
// returns how much the front id is to be avoided: 0 not, 1 by host, 2 by worker
// and host. q.mu is held.
func (q *Queue) front(at Place) int {
	if len(q.avoid) == 0 || at == (Place{}) {
		return 0
	}
	best, bestScore := 0, 3
	for i, id := range q.items {
		score := 0
		if p, ok := q.avoid[id]; ok {
			if p.Host == at.Host {
				score++
			}
			if p.Worker == at.Worker {
				score++
			}
		}
		if score < bestScore {
			best, bestScore = i, score
			if score == 0 {
				break
			}
		}
	}
	if best > 0 {
		id := q.items[best]
		copy(q.items[1:best+1], q.items[:best])
		q.items[0] = id
	}
	return bestScore
}

// take removes the next batch from the front: the first id and the ids after it
// (of its group, when grouping) while the batch has room by count and, with
// MaxBatchTime, by predicted time. q.mu is held.
func (q *Queue) take() []string {
	first := q.items[0]
	limit, budget, cost := q.limits()
	var used time.Duration
	if cost != nil {
		used = cost(first)
	}
	// fits reports whether id still fits the batch and counts it in.
	fits := func(n int, id string) bool {
		if n >= limit {
			return false
		}
		if cost == nil || budget <= 0 {
			return true
		}
		c := cost(id)
		if used+c > budget {
			return false
		}
		used += c
		return true
	}
	if q.group == nil {
		n := 1
		for n < len(q.items) && fits(n, q.items[n]) {
			n++
		}
		ids := append([]string(nil), q.items[:n]...)
		if q.items = q.items[n:]; len(q.items) == 0 {
			q.items = nil // a drained queue holds no array of the whole suite's ids
		}
		if q.auto != nil {
			q.auto.count(ids, -1)
		}
		return ids
	}
	g := q.group(first)
	ids := []string{first}
	rest := q.items[:0:0]
	full := false // once an id of the group does not fit, later ones wait their turn
	for _, id := range q.items[1:] {
		if !full && q.group(id) == g {
			if fits(len(ids), id) {
				ids = append(ids, id)
				continue
			}
			full = true
		}
		rest = append(rest, id)
	}
	q.items = rest
	if q.auto != nil {
		q.auto.count(ids, -1)
	}
	return ids
}

// Lease is one batch handed to one worker. Its ids stay leased until each is
// Done or Requeued; an id it does not hold, or holds no more, is ignored, so no
// id is counted twice. Safe for concurrent use.
type Lease struct {
	q   *Queue
	IDs []string // the batch, in order

	open map[string]bool // ids still leased; guarded by q.mu
}

func newLease(q *Queue, ids []string) *Lease {
	open := make(map[string]bool, len(ids))
	for _, id := range ids {
		open[id] = true
	}
	return &Lease{q: q, IDs: ids, open: open}
}

// end takes ids off the lease and returns those it held. q.mu is held.
func (l *Lease) end(ids []string) []string {
	var held []string
	for _, id := range ids {
		if l.open[id] {
			delete(l.open, id)
			held = append(held, id)
		}
	}
	l.q.leased -= len(held)
	return held
}

// Done ends the lease of ids that got their verdicts. A nil lease (a batch
// the queue did not hand out) holds nothing.
func (l *Lease) Done(ids ...string) {
	if l == nil {
		return
	}
	q := l.q
	q.mu.Lock()
	defer q.mu.Unlock()
	l.end(ids)
	q.wake()
}

// Requeue ends the lease of ids that got no verdict and puts them at the front
// of the queue, to be taken by the next idle worker.
func (l *Lease) Requeue(ids ...string) {
	if l == nil {
		return
	}
	q := l.q
	q.mu.Lock()
	defer q.mu.Unlock()
	back := l.end(ids)
	q.items = append(back, q.items...)
	if q.auto != nil {
		q.auto.count(back, 1)
	}
	q.wake()
}

// Return requeues what the lease still holds, in the batch's order: the
// safety net of every path that ends a worker's use of a lease.
func (l *Lease) Return() {
	if l == nil {
		return
	}
	l.q.mu.Lock()
	var left []string
	for _, id := range l.IDs {
		if l.open[id] {
			left = append(left, id)
		}
	}
	l.q.mu.Unlock()
	if len(left) > 0 {
		l.Requeue(left...)
	}
}

// Held is how many ids the lease still holds.
func (l *Lease) Held() int {
	l.q.mu.Lock()
	defer l.q.mu.Unlock()
	return len(l.open)
}

// Close stops handing out tests: Next returns false from now on. The ids still
// queued are returned, in order.
func (q *Queue) Close() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	left := q.items
	q.items = nil
	if q.auto != nil {
		q.auto.known, q.auto.unknown = 0, 0
	}
	q.wake()
	return left
}

// Len is the number of queued (not leased) ids.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

func (q *Queue) wake() {
	q.checkFinished()
	close(q.changed)
	q.changed = make(chan struct{})
}
