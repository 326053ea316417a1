package report

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// TestMDTiming: predicted against actual wall time and, with the forecast,
// the worker that finished last against its prediction and the tests furthest
// from theirs.
func TestMDTiming(t *testing.T) {
	const s = time.Second
	ran := func(id, worker string, start, took time.Duration, round int) *result.Test {
		return &result.Test{ID: id, Attempts: []result.Attempt{{
			Status: result.Passed, Round: round, Worker: worker, Host: "b01", Start: t0.Add(start), Duration: took,
		}}}
	}
	forecast := &result.Forecast{
		Tests:   map[string]time.Duration{"slow": 60 * s, "new": 6 * s, "fast": 2 * s, "same": 10 * s, "sub": s, "tiny": 10 * time.Millisecond},
		Unknown: map[string]bool{"new": true},
		Finish:  map[string]time.Duration{"b01/w0": 70 * s, "b01/w1": 68 * s},
	}
	run := func(f *result.Forecast) *result.Run {
		r := &result.Run{Start: t0, Duration: 100 * s, Predicted: 72 * s, LowerBound: 61 * s, Forecast: f, Tests: []*result.Test{
			ran("slow", "w0", 0, 90*s, 1),
			ran("same", "w1", 0, 11500*time.Millisecond, 1), // off by less than a fifth: not named
			ran("new", "w1", 11*s, 26*s, 1),
			ran("fast", "w1", 40*s, 1500*time.Millisecond, 1),
			ran("tiny", "w1", 45*s, 90*time.Millisecond, 1), // off by less than 100ms: not named
			ran("late", "w1", 95*s, 4*s, 2),                 // a rerun: not what was predicted
		}}
		sub := ran("sub", "w0", 0, 30*s, 1)
		sub.More().Parent = "slow"
		r.Tests = append(r.Tests, sub)
		return r
	}
	head := "Wall time 1m40s · predicted 1m12s from earlier runs: 28s (39%) longer · lower bound 1m1s (the longest test, or all test time spread over the workers, plus one container start)\n\n"
	for _, tc := range []struct {
		name string
		run  *result.Run
		want string
	}{
		{"no history", &result.Run{Duration: 100 * s}, ""},
		{"no forecast", run(nil), head},
		{"forecast", run(forecast), head + "Where it differed most: `b01/w0` finished the first round last, at 1m30s against 1m10s predicted; " +
			"the tests furthest from their predictions: `slow` took 1m30s against 1m0s, `new` took 26s against 6s, counted for want of history, `fast` took 1.5s against 2s.\n\n"},
		{"as predicted", &result.Run{Duration: 73 * s, Predicted: 72 * s},
			"Wall time 1m13s · predicted 1m12s from earlier runs: as predicted\n\n"},
		{"off by a few percent", &result.Run{Duration: 4100 * time.Millisecond, Predicted: 4800 * time.Millisecond},
			"Wall time 4.1s · predicted 4.8s from earlier runs: 700ms (15%) shorter\n\n"},
		{"shorter", &result.Run{Duration: 36 * s, Predicted: 72 * s},
			"Wall time 36s · predicted 1m12s from earlier runs: 36s (50%) shorter\n\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, mdTiming(tc.run)); diff != "" {
				t.Errorf("mdTiming (-want +got):\n%s", diff)
			}
		})
	}
}
