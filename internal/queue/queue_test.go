package queue

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func drain(t *testing.T, q *Queue) [][]string {
	t.Helper()
	var got [][]string
	for {
		l, ok := q.Next(context.Background())
		if !ok {
			return got
		}
		got = append(got, l.IDs)
		l.Done(l.IDs...)
	}
}

func TestBatches(t *testing.T) {
	type testCase struct {
		name  string
		ids   []string
		batch int
		group func(string) string
		opts  []Option
		want  [][]string
	}
	pkg := func(id string) string { return id[:strings.LastIndexByte(id, '.')] }
	// secs predicts an id's duration from its last letter: "p.Ac" takes 3s.
	secs := func(id string) time.Duration { return time.Duration(id[len(id)-1]-'a'+1) * time.Second }
	fn := func(t *testing.T, tc testCase) {
		got := drain(t, New(tc.ids, tc.batch, tc.group, tc.opts...))
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("batches (-want +got):\n%s", diff)
		}
	}
	for _, tc := range []testCase{
		{name: "one at a time", ids: []string{"a", "b", "c"}, batch: 1, want: [][]string{{"a"}, {"b"}, {"c"}}},
		{name: "batches of two", ids: []string{"a", "b", "c"}, batch: 2, want: [][]string{{"a", "b"}, {"c"}}},
		{name: "zero batch means one", ids: []string{"a", "b"}, batch: 0, want: [][]string{{"a"}, {"b"}}},
		{name: "empty", ids: nil, batch: 3, want: nil},
		{
			name: "grouped by package", batch: 2, group: pkg,
			ids:  []string{"p.A", "q.A", "p.B", "p.C", "q.B"},
			want: [][]string{{"p.A", "p.B"}, {"q.A", "q.B"}, {"p.C"}},
		},
		{
			// Longest first, 6s per batch: the two longest tests do not share one,
			// and a batch is the front of the queue, not a packing of it.
			name: "batch time", batch: 3, opts: []Option{MaxBatchTime(secs, 6*time.Second)},
			ids:  []string{"p.Ae", "p.Bd", "p.Cb", "p.Da", "p.Ea", "p.Fa"},
			want: [][]string{{"p.Ae"}, {"p.Bd", "p.Cb"}, {"p.Da", "p.Ea", "p.Fa"}},
		},
		{
			name: "a test over the batch time goes alone", batch: 3, opts: []Option{MaxBatchTime(secs, 2*time.Second)},
			ids:  []string{"p.Az", "p.Ba", "p.Ca", "p.Da"},
			want: [][]string{{"p.Az"}, {"p.Ba", "p.Ca"}, {"p.Da"}},
		},
		{
			name: "batch time and groups", batch: 3, group: pkg, opts: []Option{MaxBatchTime(secs, 5*time.Second)},
			ids:  []string{"p.Ad", "q.Ad", "p.Bc", "q.Ba", "p.Ca", "q.Ca"},
			want: [][]string{{"p.Ad"}, {"q.Ad", "q.Ba"}, {"p.Bc", "p.Ca"}, {"q.Ca"}},
		},
		{
			name: "no limit is no limit", batch: 2, opts: []Option{MaxBatchTime(secs, 0), MaxBatchTime(nil, time.Second)},
			ids:  []string{"a", "b", "c"},
			want: [][]string{{"a", "b"}, {"c"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestRequeueGoesToTheFrontAndNextWaitsForLeases(t *testing.T) {
	q := New([]string{"a", "b"}, 1, nil)
	ctx := context.Background()
	a, _ := q.Next(ctx)
	b, _ := q.Next(ctx)
	// Queue empty but two leases out: a further Next must wait, not report drained.
	got := make(chan []string)
	again := make(chan *Lease)
	go func() {
		l, ok := q.Next(ctx)
		if !ok {
			got <- []string{"drained"}
			return
		}
		again <- l
		got <- l.IDs
	}()
	b.Done(b.IDs...)
	a.Requeue(a.IDs...)
	a2 := <-again
	if ids := <-got; !cmp.Equal(ids, []string{"a"}) {
		t.Fatalf("after requeue Next = %v, want [a]", ids)
	}
	a2.Done("a")
	if l, ok := q.Next(ctx); ok {
		t.Fatalf("Next on a drained queue = %v, true", l.IDs)
	}
}

func TestCloseReturnsWhatWasLeftAndReleasesWaiters(t *testing.T) {
	ctx := context.Background()
	q := New([]string{"a", "b", "c"}, 1, nil)
	q.Next(ctx)
	if left := q.Close(); !cmp.Equal(left, []string{"b", "c"}) {
		t.Fatalf("Close left %v, want [b c]", left)
	}
	if _, ok := q.Next(ctx); ok {
		t.Fatal("Next after Close returned a batch")
	}

	// A worker waiting for a lease to come back is released by Close.
	q = New([]string{"a"}, 1, nil)
	q.Next(ctx)
	released := make(chan bool)
	go func() {
		_, ok := q.Next(ctx)
		released <- ok
	}()
	q.Close()
	if ok := <-released; ok {
		t.Fatal("waiting Next returned a batch after Close")
	}
}

func TestNextHonoursContext(t *testing.T) {
	q := New([]string{"a"}, 1, nil)
	q.Next(context.Background()) // lease out the only test
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, ok := q.Next(ctx); ok {
		t.Fatal("Next with a cancelled context returned a batch")
	}
}

func TestConcurrentWorkersSeeEveryIDOnce(t *testing.T) {
	var ids []string
	for i := range 500 {
		ids = append(ids, string(rune('a'+i%26))+strings.Repeat("x", i))
	}
	q := New(ids, 3, nil)
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			requeued := false
			for {
				b, ok := q.Next(context.Background())
				if !ok {
					return
				}
				if w == 0 && !requeued { // one worker loses its first batch
					requeued = true
					b.Requeue(b.IDs...)
					continue
				}
				mu.Lock()
				for _, id := range b.IDs {
					seen[id]++
				}
				mu.Unlock()
				b.Done(b.IDs...)
			}
		}()
	}
	wg.Wait()
	if len(seen) != len(ids) {
		t.Fatalf("saw %d distinct ids, want %d", len(seen), len(ids))
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("%s ran %d times", id, n)
		}
	}
}

func TestFinished(t *testing.T) {
	ctx := context.Background()
	q := New([]string{"a"}, 1, nil)
	l, _ := q.Next(ctx)
	select {
	case <-q.Finished():
		t.Fatal("finished while a lease is out")
	default:
	}
	l.Requeue(l.IDs...)
	l, _ = q.Next(ctx)
	l.Done(l.IDs...)
	select {
	case <-q.Finished():
	default:
		t.Fatal("not finished once every id is done")
	}
	if empty := New(nil, 1, nil); !isClosed(empty.Finished()) {
		t.Fatal("an empty queue is not finished")
	}
	closed := New([]string{"a"}, 1, nil)
	closed.Close()
	if !isClosed(closed.Finished()) {
		t.Fatal("a closed queue is not finished")
	}
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func TestAvoidPrefersAnotherWorkerAndHost(t *testing.T) {
	ctx := context.Background()
	q := New([]string{"a", "b", "c"}, 1, nil, Avoid(map[string]Place{
		"a": {Worker: "h1/w0", Host: "h1"},
		"b": {Worker: "h2/w1", Host: "h2"},
	}, time.Millisecond))
	// h1/w0 should not get a; b failed elsewhere, so it is b.
	if l, _ := q.NextFor(ctx, Place{Worker: "h1/w0", Host: "h1"}); !cmp.Equal(l.IDs, []string{"b"}) {
		t.Fatalf("h1/w0 got %v, want [b]", l.IDs)
	}
	// Another worker on h1: a failed on h1, c on no host: c first.
	if l, _ := q.NextFor(ctx, Place{Worker: "h1/w2", Host: "h1"}); !cmp.Equal(l.IDs, []string{"c"}) {
		t.Fatalf("h1/w2 got %v, want [c]", l.IDs)
	}
	// Only a is left: avoiding is a preference, h1/w0 still takes it.
	if l, _ := q.NextFor(ctx, Place{Worker: "h1/w0", Host: "h1"}); !cmp.Equal(l.IDs, []string{"a"}) {
		t.Fatalf("h1/w0 got %v, want [a]", l.IDs)
	}
}

func TestAvoidedWorkerLeavesTheTestToAnother(t *testing.T) {
	ctx := context.Background()
	q := New([]string{"a"}, 1, nil, Avoid(map[string]Place{"a": {Worker: "h1/w0", Host: "h1"}}, time.Hour))
	got := make(chan bool, 1)
	go func() {
		_, ok := q.NextFor(ctx, Place{Worker: "h1/w0", Host: "h1"}) // asks first, but must wait
		got <- ok
	}()
	// It does wait: the test is left to others (without the avoidance it would
	// take it at once).
	select {
	case ok := <-got:
		t.Fatalf("h1/w0, where a failed, took it at once (%v): it must leave it to another worker", ok)
	case <-time.After(100 * time.Millisecond):
	}
	// Another host's worker takes a: the waiting worker then finds the queue drained.
	l, _ := q.NextFor(ctx, Place{Worker: "h2/w1", Host: "h2"})
	if !cmp.Equal(l.IDs, []string{"a"}) {
		t.Fatalf("h2/w1 got %v, want [a]", l.IDs)
	}
	l.Done(l.IDs...)
	if ok := <-got; ok {
		t.Fatal("h1/w0 got a test although another worker took the only one")
	}
}

// fixedEstimate is an Estimator with set figures.
type fixedEstimate struct {
	mean, overhead time.Duration
	known          map[string]time.Duration
}

func (f fixedEstimate) Predict(id string) (time.Duration, bool) {
	d, ok := f.known[id]
	return d, ok
}
func (f fixedEstimate) Mean() time.Duration     { return f.mean }
func (f fixedEstimate) Overhead() time.Duration { return f.overhead }

// sizes takes every batch in turn, finishing each, and returns their sizes.
func sizes(t *testing.T, q *Queue) []int {
	t.Helper()
	var sizes []int
	for {
		l, ok := q.Next(context.Background())
		if !ok {
			return sizes
		}
		sizes = append(sizes, len(l.IDs))
		l.Done(l.IDs...)
	}
}

func TestAutoBatches(t *testing.T) {
	t.Parallel()
	type testCase struct {
		name  string
		n     int
		est   fixedEstimate
		check func(t *testing.T, sizes []int)
	}
	fn := func(t *testing.T, tc testCase) {
		t.Parallel()
		q := New(ids(tc.n), 1, nil, Auto(2, tc.est))
		sizes := sizes(t, q)
		total := 0
		for _, s := range sizes {
			total += s
		}
		if total != tc.n {
			t.Fatalf("batches %v hold %d tests, want %d", sizes, total, tc.n)
		}
		tc.check(t, sizes)
	}
	for _, tc := range []testCase{
		{
			name: "nothing measured yet: small batches",
			n:    100,
			check: func(t *testing.T, sizes []int) {
				for _, s := range sizes {
					if s > autoFirst {
						t.Fatalf("batches %v: one is larger than %d before any test was measured", sizes, autoFirst)
					}
				}
			},
		},
		{
			name: "guided: large early, shrinking to single tests",
			n:    1000,
			est:  fixedEstimate{mean: 10 * time.Millisecond},
			check: func(t *testing.T, sizes []int) {
				if sizes[0] != 250 { // 10 s left over 2×2: 2.5 s of tests
					t.Errorf("first batch %d, want 250 (sizes %v)", sizes[0], sizes)
				}
				for i := 1; i < len(sizes); i++ {
					if sizes[i] > sizes[i-1] {
						t.Fatalf("batch %d grew: %v", i, sizes)
					}
				}
				if last := sizes[len(sizes)-1]; last != 1 {
					t.Errorf("last batch %d, want 1 (sizes %v)", last, sizes)
				}
			},
		},
		{
			name: "overhead keeps batches large enough, up to a fair share, never under one overhead",
			n:    1000,
			est:  fixedEstimate{mean: time.Millisecond, overhead: 100 * time.Millisecond},
			check: func(t *testing.T, sizes []int) {
				left := 1000
				for i, s := range sizes {
					// 4 × 100 ms of overhead is 400 tests of 1 ms; a fair
					// share of what is left, half of it, at the most; but
					// one overhead, 100 tests, or what is left, at the least.
					if want := min(max(min(400, left/2), 100), left); s != want {
						t.Fatalf("batch %d holds %d tests, want %d (%d left): %v", i, s, want, left, sizes)
					}
					left -= s
				}
			},
		},
		{
			name: "at most AutoMax",
			n:    5000,
			est:  fixedEstimate{mean: time.Second},
			check: func(t *testing.T, sizes []int) {
				if sizes[0] != AutoMax {
					t.Errorf("first batch %d, want %d", sizes[0], AutoMax)
				}
			},
		},
		{
			name: "predicted durations count",
			n:    10,
			est:  fixedEstimate{mean: time.Millisecond, known: map[string]time.Duration{"t0": 10 * time.Second}},
			check: func(t *testing.T, sizes []int) {
				if sizes[0] != 1 { // t0 alone is over the budget
					t.Errorf("the long test shares its batch: %v", sizes)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

// ids returns "t0", "t1", … "t<n-1>".
func ids(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "t" + strconv.Itoa(i)
	}
	return out
}

// A lease ends each of its ids once: a second Done, an id it never held, or a
// Requeue after a Done changes nothing. Return gives back what it still holds,
// so a lease dropped half-done cannot keep the queue from finishing.
func TestLeaseEndsEachIDOnce(t *testing.T) {
	ctx := context.Background()
	q := New([]string{"a", "b", "c", "d"}, 3, nil)
	l, _ := q.Next(ctx)
	l.Done("a")
	l.Done("a", "zz")   // twice, and one it never held
	l.Requeue("a", "b") // a is done: only b goes back
	if l.Held() != 1 {
		t.Fatalf("lease holds %d ids, want 1 (c)", l.Held())
	}
	l2, _ := q.Next(ctx)
	if !cmp.Equal(l2.IDs, []string{"b", "d"}) {
		t.Fatalf("next batch %v, want [b d]: b requeued to the front, a not", l2.IDs)
	}
	l2.Done(l2.IDs...)
	l.Return() // c was never reported: it comes back
	l3, ok := q.Next(ctx)
	if !ok || !cmp.Equal(l3.IDs, []string{"c"}) {
		t.Fatalf("after Return: %v, %v; want [c]", l3, ok)
	}
	l3.Return() // nothing reported at all: c is queued again
	l3.Return() // twice is once
	l4, _ := q.Next(ctx)
	l4.Done(l4.IDs...)
	select {
	case <-q.Finished():
	case <-time.After(time.Second):
		t.Fatal("the queue did not finish")
	}
}

// Before any batch is measured, batch: auto still honours the history's
// predictions: the longest tests, first in the queue, do not share a batch.
func TestAutoFirstBatchesHonourMaxBatchTime(t *testing.T) {
	t.Parallel()
	secs := func(id string) time.Duration { // t0 and t1 take a minute, the rest a second
		if id == "t0" || id == "t1" {
			return time.Minute
		}
		return time.Second
	}
	q := New(ids(40), 1, nil, Auto(4, fixedEstimate{}), MaxBatchTime(secs, 70*time.Second))
	l, ok := q.Next(context.Background())
	if !ok {
		t.Fatal("no batch")
	}
	if strings.Contains(" "+strings.Join(l.IDs, " ")+" ", " t0 ") && strings.Contains(" "+strings.Join(l.IDs, " ")+" ", " t1 ") {
		t.Errorf("the first batch %v holds both minute-long tests", l.IDs)
	}
}
