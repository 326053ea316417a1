package history

import (
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
