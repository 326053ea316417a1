package history

import (
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
// the queue and the prediction (internal/plan).
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
