package runner

import (
	"sync"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/verdict"
)

// estimator is what batch: auto sizes batches by (queue.Estimator): the timing
// history's predictions, and the mean test duration and per-batch overhead
// measured in this run so far, the overhead as a moving average (the first
// batches may start cold, later ones from a warm runner). Safe for concurrent
// use.
type estimator struct {
	predicted map[string]time.Duration // read-only

	mu       sync.Mutex
	tests    int
	testTime time.Duration
	batches  int
	overhead time.Duration // moving average: a warm runner coming up lowers it
}

func (e *estimator) Predict(id string) (time.Duration, bool) {
	d, ok := e.predicted[id]
	return d, ok
}

// Mean is at least a microsecond once a test was measured: runners that report
// no durations still have tests that cost something.
func (e *estimator) Mean() time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.tests == 0 {
		return 0
	}
	return max(e.testTime/time.Duration(e.tests), time.Microsecond)
}

func (e *estimator) Overhead() time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.overhead
}

// observe counts a batch that took wall and gave vs: what the tests did not take
// of it is the batch's overhead.
func (e *estimator) observe(wall time.Duration, vs []verdict.Verdict) {
	var sum time.Duration
	n := 0
	for _, v := range vs {
		if v.Parent != "" || v.Unrun {
			continue // a subtest's time is in its parent's
		}
		sum += v.Duration
		n++
	}
	if n == 0 {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.tests += n
	e.testTime += sum
	e.batches++
	o := max(wall-sum, 0)
	if e.batches == 1 {
		e.overhead = o
	} else {
		e.overhead = (e.overhead*2 + o) / 3 // the latest batches count most
	}
}
