package console

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

func TestProgress(t *testing.T) {
	c, buf, clk := newTest(Options{Stream: StreamNone})
	pass := result.Attempt{Status: result.Passed, Duration: time.Second, Worker: "w1"}
	fail := result.Attempt{Status: result.Failed, Duration: time.Second, Worker: "w2", Detail: &result.Detail{Message: "boom"}}

	c.Tick() // before Start: nothing
	c.Start(10, 2)
	c.Tick() // at Start: not due
	clk.Advance(9 * time.Second)
	c.TestDone("a", pass, "") // 9s: not due
	clk.Advance(time.Second)
	c.TestDone("b", fail, "") // 10s: due, ETA 10s/2 × 8 = 40s
	c.Tick()                  // same instant: not due
	clk.Advance(5 * time.Second)
	c.TestDone("c", pass, "") // 15s: not due
	c.Tick()
	clk.Advance(5 * time.Second)
	c.Tick() // 20s: due from Tick alone, ETA 20s/3 × 7 = 46.67s
	clk.Advance(10 * time.Second)
	fail.Round = 2
	pass.Round = 2
	c.TestDone("b", pass, result.Failed) // 30s: the retry passed; b leaves the failed count
	clk.Advance(30 * time.Second)
	c.Tick() // 60s: heartbeat with nothing new

	want := "[w1] PASS a (1.00s)\n" +
		"[w2] FAIL b (1.00s) - boom\n" +
		"paratest: progress 2/10 done, 1 failed, ETA 40s\n" +
		"[w1] PASS c (1.00s)\n" +
		"paratest: progress 3/10 done, 1 failed, ETA 47s\n" +
		"[w1] PASS b (1.00s, round 2)\n" +
		"paratest: progress 3/10 done, 0 failed, ETA 1m10s\n" +
		"paratest: progress 3/10 done, 0 failed, ETA 2m20s\n"
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestProgressETA(t *testing.T) {
	type testCase struct {
		name  string
		total int
		done  []string
		want  string
	}
	fn := func(t *testing.T, tc testCase) {
		c, buf, clk := newTest(Options{Stream: StreamNone, ProgressEvery: time.Minute})
		c.Start(tc.total, 4)
		seen := map[string]result.Status{} // what the runner passes as prev
		for _, id := range tc.done {
			c.TestDone(id, result.Attempt{Status: result.Passed, Worker: "w1"}, seen[id])
			seen[id] = result.Passed
		}
		buf.Reset()
		clk.Advance(time.Minute)
		c.Tick()
		if diff := cmp.Diff(tc.want, buf.String()); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	}
	for _, tc := range []testCase{
		{name: "none done: no ETA", total: 3, want: "paratest: progress 0/3 done, 0 failed\n"},
		{name: "some done", total: 3, done: []string{"a"}, want: "paratest: progress 1/3 done, 0 failed, ETA 2m0s\n"},
		{name: "all done: no ETA", total: 2, done: []string{"a", "b"}, want: "paratest: progress 2/2 done, 0 failed\n"},
		{name: "retries count once", total: 2, done: []string{"a", "a"}, want: "paratest: progress 1/2 done, 0 failed, ETA 1m0s\n"},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestProgressDisabled(t *testing.T) {
	c, buf, clk := newTest(Options{ProgressEvery: -1})
	c.Start(1, 1)
	clk.Advance(time.Hour)
	c.Tick()
	if strings.Contains(buf.String(), "progress") {
		t.Errorf("progress written with ProgressEvery < 0: %q", buf.String())
	}
}

func TestProgressDefaultInterval(t *testing.T) {
	c, buf, clk := newTest(Options{})
	c.Start(1, 1)
	clk.Advance(DefaultProgressEvery - time.Nanosecond)
	c.Tick()
	if buf.Len() != 0 {
		t.Fatalf("progress before the default interval: %q", buf.String())
	}
	clk.Advance(time.Nanosecond)
	c.Tick()
	if want := "paratest: progress 0/1 done, 0 failed\n"; buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
}
