package history

import (
	"container/heap"
	"slices"
	"time"
)

// Order sorts keys longest first by their durations, so that the longest tests
// start first and short ones fill the gaps at the end, instead of a long test
// starting last and holding the whole run up (greedy longest-processing-time
// scheduling). A key without history counts as the median of the known durations
// of keys (0 when none is known): a new test is most likely an ordinary one. The
// sort is stable, so tests of equal duration, in particular all tests when there
// is no history, keep their listing order.
//
// predicted holds the duration Order used for every key, known or not, for
// Predict and for the queue.
func Order(keys []string, durations map[string]time.Duration) (ordered []string, predicted map[string]time.Duration) {
	var known []time.Duration
	for _, k := range keys {
		if d, ok := durations[k]; ok {
			known = append(known, d)
		}
	}
	guess := median(known)
	predicted = make(map[string]time.Duration, len(keys))
	for _, k := range keys {
		d, ok := durations[k]
		if !ok {
			d = guess
		}
		predicted[k] = d
	}
	ordered = slices.Clone(keys)
	slices.SortStableFunc(ordered, func(a, b string) int {
		// Longest first; the difference of two durations could overflow.
		switch da, db := predicted[a], predicted[b]; {
		case da > db:
			return -1
		case da < db:
			return 1
		}
		return 0
	})
	return ordered, predicted
}

// Predict simulates dispatching durations, in order, to workers identical
// workers, each test going to the worker that is free first, as the queue does.
// makespan is when the last test ends; lowerBound is the least time any order
// could take, max(longest test, total / workers). Both count test time only: not
// container start-up, batching or reruns. workers below 1 count as 1.
func Predict(durations []time.Duration, workers int) (makespan, lowerBound time.Duration) {
	workers = max(workers, 1)
	var total, longest time.Duration
	for _, d := range durations {
		total += d
		longest = max(longest, d)
	}
	lowerBound = max(longest, total/time.Duration(workers))

	free := make(freeAt, min(workers, len(durations))) // when each busy worker is free
	for i, d := range durations {
		if i < len(free) {
			free[i] = d // the first tests each start at once on an idle worker
			continue
		}
		if i == len(free) {
			heap.Init(&free)
		}
		free[0] += d // the first free worker takes the next test
		heap.Fix(&free, 0)
	}
	for _, t := range free {
		makespan = max(makespan, t)
	}
	return makespan, lowerBound
}

// freeAt is a min-heap of the times workers become free.
type freeAt []time.Duration

func (h freeAt) Len() int           { return len(h) }
func (h freeAt) Less(i, j int) bool { return h[i] < h[j] }
func (h freeAt) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *freeAt) Push(x any)        { *h = append(*h, x.(time.Duration)) }
func (h *freeAt) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// median of ds, which it sorts; 0 for none.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	n := len(ds)
	if n%2 == 1 {
		return ds[n/2]
	}
	return ds[n/2-1] + (ds[n/2]-ds[n/2-1])/2
}
