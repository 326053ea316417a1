// Package queue is the central test queue of a run. Idle workers take the next batch
// of test ids; a batch is leased to its worker until the worker reports it Done or
// gives it back with Requeue (its worker was lost). Next blocks while the queue is
// empty but leases are out, because a lost lease brings tests back, and says the
// queue is drained only when nothing is queued or leased.
package queue

import (
	"context"
	"sync"
)

// Queue hands out test ids in batches. It is safe for concurrent use.
type Queue struct {
	mu       sync.Mutex
	changed  chan struct{} // closed and replaced on every change, to wake waiters
	items    []string
	batch    int
	group    func(id string) string
	leased   int
	closed   bool
	finished chan struct{} // closed once the queue is drained or closed
}

// New returns a queue of ids handed out batch at a time. When group is not nil a
// batch holds only ids of one group (a Go package: one test binary per exec).
func New(ids []string, batch int, group func(id string) string) *Queue {
	if batch < 1 {
		batch = 1
	}
	return &Queue{
		changed:  make(chan struct{}),
		items:    append([]string(nil), ids...),
		batch:    batch,
		group:    group,
		finished: make(chan struct{}),
	}
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

// Next leases the next batch. It blocks while the queue is empty and leases are
// out; ok is false once the queue is drained or closed, or ctx is done.
func (q *Queue) Next(ctx context.Context) (ids []string, ok bool) {
	for {
		q.mu.Lock()
		if q.closed || (len(q.items) == 0 && q.leased == 0) {
			q.mu.Unlock()
			return nil, false
		}
		if len(q.items) > 0 {
			ids = q.take()
			q.leased += len(ids)
			q.mu.Unlock()
			return ids, true
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

// take removes the next batch from the front; q.mu is held.
func (q *Queue) take() []string {
	first := q.items[0]
	if q.group == nil {
		n := min(q.batch, len(q.items))
		ids := append([]string(nil), q.items[:n]...)
		q.items = q.items[n:]
		return ids
	}
	g := q.group(first)
	ids := []string{first}
	rest := q.items[:0:0]
	for _, id := range q.items[1:] {
		if len(ids) < q.batch && q.group(id) == g {
			ids = append(ids, id)
		} else {
			rest = append(rest, id)
		}
	}
	q.items = rest
	return ids
}

// Done ends the lease of ids that got their verdicts.
func (q *Queue) Done(ids []string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.leased -= len(ids)
	q.wake()
}

// Requeue ends the lease of ids that got no verdict and puts them at the front of
// the queue, to be taken by the next idle worker.
func (q *Queue) Requeue(ids []string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.leased -= len(ids)
	q.items = append(append([]string(nil), ids...), q.items...)
	q.wake()
}

// Close stops handing out tests: Next returns false from now on. The ids still
// queued are returned, in order.
func (q *Queue) Close() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	left := q.items
	q.items = nil
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
