package plan

import (
	"sync"
	"time"
)

// Estimator is what batch: auto sizes batches by (queue.Estimator): the timing
// history's predictions, and the mean test duration and per-batch overhead
// measured so far, the overhead as a moving average (the first batches may
// start cold, later ones from a warm runner). The run feeds it what its
// batches took; New, what its simulated batches take. Safe for concurrent use.
type Estimator struct {
	predicted map[string]time.Duration // read-only

	mu       sync.Mutex
	tests    int
	testTime time.Duration
	batches  int
	overhead time.Duration // moving average: a warm runner coming up lowers it
}

// NewEstimator returns an Estimator that knows the durations of predicted
// (by the timing history, by id; nil for none) and has measured nothing.
func NewEstimator(predicted map[string]time.Duration) *Estimator {
	return &Estimator{predicted: predicted}
}

// Predict is a test's duration by the timing history, if it has one.
func (e *Estimator) Predict(id string) (time.Duration, bool) {
	d, ok := e.predicted[id]
	return d, ok
}

// Mean is at least a microsecond once a test was measured: runners that report
// no durations still have tests that cost something.
func (e *Estimator) Mean() time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.tests == 0 {
		return 0
	}
	return max(e.testTime/time.Duration(e.tests), time.Microsecond)
}

// Overhead is the moving average of what batches took beyond their tests.
func (e *Estimator) Overhead() time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.overhead
}

// Observe counts a batch that took wall and ran tests tests taking testTime
// in all: what the tests did not take of it is the batch's overhead. A batch
// that ran no test tells nothing.
func (e *Estimator) Observe(wall time.Duration, tests int, testTime time.Duration) {
	if tests == 0 {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.tests += tests
	e.testTime += testTime
	e.batches++
	o := max(wall-testTime, 0)
	if e.batches == 1 {
		e.overhead = o
	} else {
		e.overhead = (e.overhead*2 + o) / 3 // the latest batches count most
	}
}
