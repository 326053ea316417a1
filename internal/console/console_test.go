package console

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// clock is a fake Now that moves only when told.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time          { return c.now }
func (c *clock) Advance(d time.Duration) { c.now = c.now.Add(d) }

// newTest returns a console writing to the returned buffer, on a stopped clock.
func newTest(opts Options) (*Console, *bytes.Buffer, *clock) {
	var buf bytes.Buffer
	clk := &clock{now: t0}
	if opts.Now == nil {
		opts.Now = clk.Now
	}
	return New(&buf, opts), &buf, clk
}

const failOutput = "=== RUN   TestY\n    y_test.go:9: expected 1, got 2\r\n--- FAIL: TestY (0.50s)\n"

func TestLines(t *testing.T) {
	type testCase struct {
		name   string
		opts   Options
		call   func(c *Console)
		want   string
		wantCo string // with Color on; "" = same as want
	}
	fn := func(t *testing.T, tc testCase) {
		for _, color := range []bool{false, true} {
			opts := tc.opts
			opts.Color = color
			c, buf, _ := newTest(opts)
			tc.call(c)
			want := tc.want
			if color && tc.wantCo != "" {
				want = tc.wantCo
			}
			if diff := cmp.Diff(want, buf.String()); diff != "" {
				t.Errorf("color=%v (-want +got):\n%s", color, diff)
			}
			if !color && strings.ContainsRune(buf.String(), 0x1b) {
				t.Errorf("escape byte without colour: %q", buf.String())
			}
			if strings.ContainsRune(buf.String(), '\r') {
				t.Errorf("carriage return written: %q", buf.String())
			}
		}
	}
	pass := result.Attempt{Status: result.Passed, Duration: 1240 * time.Millisecond, Worker: "w3", Host: "local", Round: 1}
	fail := result.Attempt{
		Status: result.Failed, Duration: 500 * time.Millisecond, Worker: "w3", Host: "host-a", Round: 2,
		Detail: &result.Detail{Output: failOutput, Details: "y_test.go:9: expected 1, got 2", Message: "expected 1, got 2"},
	}
	for _, tc := range []testCase{
		{
			name: "phase",
			call: func(c *Console) { c.Phase("listing") },
			want: "==> paratest: listing\n",
		},
		{
			name: "info",
			call: func(c *Console) { c.Infof("%d tests, %d workers", 120, 4) },
			want: "paratest: 120 tests, 4 workers\n",
		},
		{
			name:   "warning, every line prefixed",
			call:   func(c *Console) { c.Warnf("worker %s retired:\nsecond line\r\n", "w2") },
			want:   "paratest: warning: worker w2 retired:\nparatest: warning: second line\n",
			wantCo: "paratest: \x1b[33mwarning: worker w2 retired:\x1b[0m\nparatest: \x1b[33mwarning: second line\x1b[0m\n",
		},
		{
			name:   "error",
			call:   func(c *Console) { c.Errorf("no worker left") },
			want:   "paratest: error: no worker left\n",
			wantCo: "paratest: \x1b[31merror: no worker left\x1b[0m\n",
		},
		{
			name:   "empty warning",
			call:   func(c *Console) { c.Warnf("") },
			want:   "paratest: warning:\n",
			wantCo: "paratest: \x1b[33mwarning:\x1b[0m\n",
		},
		{
			name:   "pass on the local host",
			call:   func(c *Console) { c.TestDone("example/pkg.TestX", pass, "") },
			want:   "[w3] PASS example/pkg.TestX (1.24s)\n",
			wantCo: "[w3] \x1b[32mPASS\x1b[0m example/pkg.TestX (1.24s)\n",
		},
		{
			name: "pass with empty host",
			call: func(c *Console) {
				a := pass
				a.Host = ""
				c.TestDone("example/pkg.TestX", a, "")
			},
			want:   "[w3] PASS example/pkg.TestX (1.24s)\n",
			wantCo: "[w3] \x1b[32mPASS\x1b[0m example/pkg.TestX (1.24s)\n",
		},
		{
			name: "skip has no message",
			call: func(c *Console) {
				c.TestDone("t::skipped", result.Attempt{Status: result.Skipped, Worker: "w1", Round: 1, Detail: &result.Detail{Message: "not on linux"}}, "")
			},
			want:   "[w1] SKIP t::skipped (0.00s)\n",
			wantCo: "[w1] \x1b[33mSKIP\x1b[0m t::skipped (0.00s)\n",
		},
		{
			name: "fail, remote host, retry, output follows",
			call: func(c *Console) { c.TestDone("example/pkg.TestY", fail, "") },
			want: "[host-a/w3] FAIL example/pkg.TestY (0.50s, round 2) - expected 1, got 2\n" +
				"[host-a/w3] | === RUN   TestY\n" +
				"[host-a/w3] |     y_test.go:9: expected 1, got 2\n" +
				"[host-a/w3] | --- FAIL: TestY (0.50s)\n",
			wantCo: "[host-a/w3] \x1b[31mFAIL\x1b[0m example/pkg.TestY (0.50s, round 2) - expected 1, got 2\n" +
				"[host-a/w3] | === RUN   TestY\n" +
				"[host-a/w3] |     y_test.go:9: expected 1, got 2\n" +
				"[host-a/w3] | --- FAIL: TestY (0.50s)\n",
		},
		{
			name:   "fail with stream all: output was live",
			opts:   Options{Stream: StreamAll},
			call:   func(c *Console) { c.TestDone("example/pkg.TestY", fail, "") },
			want:   "[host-a/w3] FAIL example/pkg.TestY (0.50s, round 2) - expected 1, got 2\n",
			wantCo: "[host-a/w3] \x1b[31mFAIL\x1b[0m example/pkg.TestY (0.50s, round 2) - expected 1, got 2\n",
		},
		{
			name:   "fail with stream none",
			opts:   Options{Stream: StreamNone},
			call:   func(c *Console) { c.TestDone("example/pkg.TestY", fail, "") },
			want:   "[host-a/w3] FAIL example/pkg.TestY (0.50s, round 2) - expected 1, got 2\n",
			wantCo: "[host-a/w3] \x1b[31mFAIL\x1b[0m example/pkg.TestY (0.50s, round 2) - expected 1, got 2\n",
		},
		{
			name: "error without output shows details, message on one line",
			call: func(c *Console) {
				c.TestDone("example/pkg.TestZ", result.Attempt{
					Status: result.Errored, Duration: 90 * time.Second, Worker: "w2", Round: 1,
					Detail: &result.Detail{Details: "dial tcp: connection reset\n\n", Message: "worker lost:\nconnection reset"},
				}, "")
			},
			want: "[w2] ERROR example/pkg.TestZ (90.00s) - worker lost: connection reset\n" +
				"[w2] | dial tcp: connection reset\n" +
				"[w2] |\n",
			wantCo: "[w2] \x1b[31mERROR\x1b[0m example/pkg.TestZ (90.00s) - worker lost: connection reset\n" +
				"[w2] | dial tcp: connection reset\n" +
				"[w2] |\n",
		},
		{
			name: "test escapes: removed without colour, SGR kept and reset with",
			call: func(c *Console) {
				c.TestDone("TestE", result.Attempt{
					Status: result.Failed, Worker: "w1",
					Detail: &result.Detail{Output: "\x1b[2K\x1b[1Aprogress 50%\rprogress 100%\n\x1b[31mred\x1b]0;title\x07 text\n", Message: "\x1b[31mboom\x1b[0m"},
				}, "")
			},
			want: "[w1] FAIL TestE (0.00s) - boom\n" +
				"[w1] | progress 50%\n" +
				"[w1] | progress 100%\n" +
				"[w1] | red text\n",
			wantCo: "[w1] \x1b[31mFAIL\x1b[0m TestE (0.00s) - boom\n" +
				"[w1] | progress 50%\n" +
				"[w1] | progress 100%\n" +
				"[w1] | \x1b[31mred text\x1b[0m\n",
		},
		{
			name: "no worker",
			call: func(c *Console) {
				c.TestDone("TestN", result.Attempt{Status: result.Passed}, "")
			},
			want:   "[?] PASS TestN (0.00s)\n",
			wantCo: "[?] \x1b[32mPASS\x1b[0m TestN (0.00s)\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestTag(t *testing.T) {
	for _, tc := range []struct{ host, worker, want string }{
		{"local", "w3", "[w3]"},
		{"", "w3", "[w3]"},
		{"host-a", "w3", "[host-a/w3]"},
		{"host-a", "", "[host-a]"},
		{"", "", "[?]"},
	} {
		if got := tag(tc.host, tc.worker); got != tc.want {
			t.Errorf("tag(%q, %q) = %q, want %q", tc.host, tc.worker, got, tc.want)
		}
	}
}

func TestSplitLines(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"a", []string{"a"}},
		{"a\n", []string{"a"}},
		{"a\r\nb", []string{"a", "b"}},
		{"a\rb\r", []string{"a", "b"}},
		{"a\n\nb", []string{"a", "", "b"}},
		{"a\r\r\nb", []string{"a", "", "b"}},
		{"\n", []string{""}},
	} {
		if diff := cmp.Diff(tc.want, splitLines(tc.in)); diff != "" {
			t.Errorf("splitLines(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestStripEscapes(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"\x1b[1;31mred\x1b[0m", "red"},
		{"a\x1b[2Kb", "ab"},
		{"\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "link"},
		{"a\x1b]0;title\x07b", "ab"},
		{"a\x1b(Bb", "ab"},
		{"a\x1b7b", "ab"},
		{"cut\x1b[3", "cut"},
		{"cut\x1b", "cut"},
		{"cut\x1b]no end", "cut"},
	} {
		if got := stripEscapes(tc.in); got != tc.want {
			t.Errorf("stripEscapes(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	w.n++
	return 0, errors.New("closed")
}

func TestWriteErrorKept(t *testing.T) {
	w := &failingWriter{}
	c := New(w, Options{})
	c.Infof("one")
	c.Infof("two")
	if err := c.Err(); err == nil || err.Error() != "closed" {
		t.Errorf("Err() = %v, want the first write error", err)
	}
	if w.n != 2 {
		t.Errorf("%d writes, want 2: output continues after an error", w.n)
	}
}
