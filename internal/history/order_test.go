package history

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const s = time.Second

func TestOrder(t *testing.T) {
	type testCase struct {
		name      string
		keys      []string
		durations map[string]time.Duration
		want      []string
		predicted map[string]time.Duration
	}
	fn := func(t *testing.T, tc testCase) {
		in := append([]string(nil), tc.keys...)
		got, predicted := Order(tc.keys, tc.durations)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("order (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(tc.predicted, predicted); diff != "" {
			t.Errorf("predicted (-want +got):\n%s", diff)
		}
		if !cmp.Equal(in, tc.keys) {
			t.Errorf("Order changed its argument: %v", tc.keys)
		}
	}
	for _, tc := range []testCase{
		{name: "empty", want: nil, predicted: map[string]time.Duration{}},
		{
			name:      "longest first",
			keys:      []string{"a", "b", "c"},
			durations: map[string]time.Duration{"a": 1 * s, "b": 30 * s, "c": 5 * s},
			want:      []string{"b", "c", "a"},
			predicted: map[string]time.Duration{"a": 1 * s, "b": 30 * s, "c": 5 * s},
		},
		{
			name:      "no history keeps the listing order",
			keys:      []string{"c", "a", "b"},
			durations: nil,
			want:      []string{"c", "a", "b"},
			predicted: map[string]time.Duration{"a": 0, "b": 0, "c": 0},
		},
		{
			// Known: 1s, 4s, 10s; median 4s. Unknown x and y count as 4s and, the sort
			// being stable, stay in listing order around the known 4s test.
			name:      "unknown tests count as the median",
			keys:      []string{"x", "a", "b", "y", "c"},
			durations: map[string]time.Duration{"a": 1 * s, "b": 4 * s, "c": 10 * s, "gone": time.Hour},
			want:      []string{"c", "x", "b", "y", "a"},
			predicted: map[string]time.Duration{"x": 4 * s, "a": 1 * s, "b": 4 * s, "y": 4 * s, "c": 10 * s},
		},
		{
			name:      "median of an even count",
			keys:      []string{"a", "b", "new"},
			durations: map[string]time.Duration{"a": 2 * s, "b": 5 * s},
			want:      []string{"b", "new", "a"},
			predicted: map[string]time.Duration{"a": 2 * s, "b": 5 * s, "new": 3500 * time.Millisecond},
		},
		{
			name:      "a known zero is known",
			keys:      []string{"new", "zero"},
			durations: map[string]time.Duration{"zero": 0},
			want:      []string{"new", "zero"},
			predicted: map[string]time.Duration{"new": 0, "zero": 0},
		},
		{
			name:      "equal durations are stable",
			keys:      []string{"d", "c", "b", "a"},
			durations: map[string]time.Duration{"a": s, "b": s, "c": 2 * s, "d": s},
			want:      []string{"c", "d", "b", "a"},
			predicted: map[string]time.Duration{"a": s, "b": s, "c": 2 * s, "d": s},
		},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestPredict(t *testing.T) {
	type testCase struct {
		name       string
		durations  []time.Duration
		workers    int
		makespan   time.Duration
		lowerBound time.Duration
	}
	fn := func(t *testing.T, tc testCase) {
		makespan, lower := Predict(tc.durations, tc.workers)
		if makespan != tc.makespan || lower != tc.lowerBound {
			t.Errorf("Predict(%v, %d) = %v, %v; want %v, %v",
				tc.durations, tc.workers, makespan, lower, tc.makespan, tc.lowerBound)
		}
	}
	for _, tc := range []testCase{
		{name: "nothing", workers: 4},
		{name: "one worker adds up", durations: []time.Duration{1 * s, 2 * s, 3 * s}, workers: 1, makespan: 6 * s, lowerBound: 6 * s},
		{name: "no workers count as one", durations: []time.Duration{1 * s, 2 * s}, workers: 0, makespan: 3 * s, lowerBound: 3 * s},
		{name: "more workers than tests", durations: []time.Duration{3 * s, 7 * s}, workers: 8, makespan: 7 * s, lowerBound: 7 * s},
		{
			// w0: 4+2+1, w1: 3+3 → 7; total 13 over 2 is 6.5.
			name: "next test to the first free worker", durations: []time.Duration{4 * s, 3 * s, 3 * s, 2 * s, 1 * s},
			workers: 2, makespan: 7 * s, lowerBound: 6500 * time.Millisecond,
		},
		{
			// Longest first is not optimal: 3+3 and 2+2+2 would take 6.
			name: "greedy longest first", durations: []time.Duration{3 * s, 3 * s, 2 * s, 2 * s, 2 * s},
			workers: 2, makespan: 7 * s, lowerBound: 6 * s,
		},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

// TestPredictWithinListSchedulingBound checks Graham's bound for any greedy list
// schedule: makespan ≤ total/workers + longest·(1 − 1/workers), so under twice the
// lower bound.
func TestPredictWithinListSchedulingBound(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		workers := 1 + r.IntN(16)
		ds := skewed(r, 1+r.IntN(300))
		makespan, lower := Predict(ds, workers)
		var total, longest time.Duration
		for _, d := range ds {
			total += d
			longest = max(longest, d)
		}
		bound := total/time.Duration(workers) + longest - longest/time.Duration(workers) + time.Duration(workers)
		if makespan < lower || makespan > bound {
			t.Fatalf("%d workers, %d tests: makespan %v outside [%v, %v]", workers, len(ds), makespan, lower, bound)
		}
	}
}

// TestLongestFirstShortensTheRun is the reason for Order: a long test listed last
// starts last in listing order and holds the run up; longest first it starts at
// once and the short tests fill the other workers.
func TestLongestFirstShortensTheRun(t *testing.T) {
	var keys []string
	durations := map[string]time.Duration{}
	for i := range 12 {
		k := fmt.Sprintf("pkg.TestShort%02d", i)
		keys = append(keys, k)
		durations[k] = s
	}
	keys = append(keys, "pkg.TestZLong")
	durations["pkg.TestZLong"] = 10 * s

	listing, _ := Predict(inOrder(keys, durations), 4)
	ordered, predicted := Order(keys, durations)
	longestFirst, lower := Predict(inOrder(ordered, predicted), 4)
	if listing != 13*s {
		t.Errorf("listing order: makespan %v, want 13s", listing)
	}
	if longestFirst > listing || longestFirst != lower {
		t.Errorf("longest first: makespan %v, want at most %v (listing order) and the lower bound %v",
			longestFirst, listing, lower)
	}
}

// BenchmarkOrdering compares the predicted wall time of a realistic suite (many
// short unit tests, a few long integration tests scattered through the listing)
// on 16 workers in listing order and longest first. It reports the makespans as
// metrics; compare them, not ns/op.
func BenchmarkOrdering(b *testing.B) {
	const workers = 16
	r := rand.New(rand.NewPCG(42, 7))
	ds := skewed(r, 2000)
	keys := make([]string, len(ds))
	durations := make(map[string]time.Duration, len(ds))
	for i, d := range ds {
		keys[i] = fmt.Sprintf("pkg%02d.Test%04d", i%40, i)
		durations[keys[i]] = d
	}
	var listing, longestFirst, lower time.Duration
	for b.Loop() {
		listing, _ = Predict(ds, workers)
		ordered, predicted := Order(keys, durations)
		longestFirst, lower = Predict(inOrder(ordered, predicted), workers)
	}
	b.ReportMetric(listing.Seconds(), "listing-makespan-s")
	b.ReportMetric(longestFirst.Seconds(), "longest-first-makespan-s")
	b.ReportMetric(lower.Seconds(), "lower-bound-s")
}

func inOrder(keys []string, durations map[string]time.Duration) []time.Duration {
	out := make([]time.Duration, len(keys))
	for i, k := range keys {
		out[i] = durations[k]
	}
	return out
}

// skewed draws n test durations the way real suites spread: log-normal, a median
// near half a second, and about 2% integration tests of one to five minutes.
func skewed(r *rand.Rand, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		sec := math.Exp(r.NormFloat64()*1.2 - 0.7)
		if r.IntN(50) == 0 {
			sec = 60 + 240*r.Float64()
		}
		out[i] = time.Duration(sec * float64(time.Second)).Round(time.Millisecond)
	}
	return out
}
