package runner

import (
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/plan"
	"github.com/jenkins-paratest/jenkins-paratest/internal/verdict"
)

// estimator is what batch: auto sizes batches by: plan's, the one its
// prediction simulates, fed with what this run's batches take.
type estimator struct{ *plan.Estimator }

func newEstimator(predicted map[string]time.Duration) *estimator {
	return &estimator{plan.NewEstimator(predicted)}
}

// observe counts a batch that took wall and gave vs; a subtest's time is in
// its parent's, and a test the batch did not run took none.
func (e *estimator) observe(wall time.Duration, vs []verdict.Verdict) {
	var sum time.Duration
	n := 0
	for _, v := range vs {
		if v.Parent != "" || v.Unrun {
			continue
		}
		sum += v.Duration
		n++
	}
	e.Observe(wall, n, sum)
}
