package plan

import (
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/history"
	"github.com/jenkins-paratest/jenkins-paratest/internal/queue"
)

// Queue is the run's queue of in's tests, the one New simulates: longest
// first by the timing history when it knows any test (history.Order), each
// batch then bounded by predicted time at limit (at least a second; the run
// passes its first round's LowerBound); sized by est under batch: auto; more
// options (a rerun's Avoid) added.
func (in Input) Queue(est queue.Estimator, limit time.Duration, more ...queue.Option) *queue.Queue {
	if in.Known == nil {
		return queue.New(in.IDs, in.Batch, in.Group, append(in.options(est), more...)...)
	}
	ordered, durations := history.Order(in.IDs, in.Known)
	return in.queue(ordered, durations, est, limit, more...)
}

func (in Input) queue(ordered []string, durations map[string]time.Duration, est queue.Estimator, limit time.Duration, more ...queue.Option) *queue.Queue {
	opts := append(in.options(est),
		queue.MaxBatchTime(func(id string) time.Duration { return durations[id] }, max(limit, time.Second)))
	return queue.New(ordered, in.Batch, in.Group, append(opts, more...)...)
}

func (in Input) options(est queue.Estimator) []queue.Option {
	if in.Batch == config.BatchAuto {
		return []queue.Option{queue.Auto(in.Workers(), est)}
	}
	return nil
}
