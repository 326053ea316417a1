package plan

import (
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/history"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// Known looks tests up in the timing history by their JUnit classname and
// name, the run's names for them, and gives their durations by id. It is nil
// when the history knows none of them.
func Known(tm history.Timings, tests []*result.Test) map[string]time.Duration {
	if len(tm.Durations) == 0 {
		return nil
	}
	known := map[string]time.Duration{}
	for _, t := range tests {
		if d, ok := tm.Durations[history.Key(t.Class, t.Name)]; ok {
			known[t.ID] = d
		}
	}
	if len(known) == 0 {
		return nil
	}
	return known
}
