package console

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// writes records every Write call on its own, to check that each one is whole lines.
type writes struct {
	mu    sync.Mutex
	calls []string
}

func (w *writes) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls = append(w.calls, string(p))
	return len(p), nil
}

func (w *writes) String() string { return strings.Join(w.calls, "") }

func TestWorkerWriter(t *testing.T) {
	type testCase struct {
		name   string
		host   string
		chunks []string // written one by one, then Close
		want   []string // the console's Write calls
	}
	fn := func(t *testing.T, tc testCase) {
		var out writes
		c := New(&out, Options{Stream: StreamAll})
		w := c.WorkerWriter(tc.host, "w3")
		for _, ch := range tc.chunks {
			n, err := io.WriteString(w, ch)
			if n != len(ch) || err != nil {
				t.Fatalf("Write(%q) = %d, %v; want %d, nil", ch, n, err, len(ch))
			}
		}
		if err := w.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if diff := cmp.Diff(tc.want, out.calls); diff != "" {
			t.Errorf("Write calls (-want +got):\n%s", diff)
		}
	}
	for _, tc := range []testCase{
		{
			name:   "whole lines in one write",
			host:   "local",
			chunks: []string{"a\nb\n"},
			want:   []string{"[w3] | a\n[w3] | b\n"},
		},
		{
			name:   "partial lines wait for their end",
			host:   "local",
			chunks: []string{"hel", "lo\nwor", "ld\n"},
			want:   []string{"[w3] | hello\n", "[w3] | world\n"},
		},
		{
			name:   "remainder flushed on close",
			host:   "host-a",
			chunks: []string{"done\nno newline"},
			want:   []string{"[host-a/w3] | done\n", "[host-a/w3] | no newline\n"},
		},
		{
			name:   "crlf split across writes is one break",
			chunks: []string{"a\r", "\nb\r", "c\n"},
			want:   []string{"[w3] | a\n", "[w3] | b\n", "[w3] | c\n"},
		},
		{
			name:   "empty lines",
			chunks: []string{"\n\n"},
			want:   []string{"[w3] |\n[w3] |\n"},
		},
		{
			name:   "escapes removed",
			chunks: []string{"\x1b[32mok\x1b[0m\n"},
			want:   []string{"[w3] | ok\n"},
		},
		{
			name:   "nothing written",
			chunks: []string{"", ""},
			want:   nil,
		},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestWorkerWriterLongLine(t *testing.T) {
	var out writes
	c := New(&out, Options{Stream: StreamAll})
	w := c.WorkerWriter("", "w1")
	long := strings.Repeat("x", maxPartial+10)
	io.WriteString(w, long)
	w.Close()
	want := []string{"[w1] | " + long[:maxPartial] + "\n", "[w1] | " + long[maxPartial:] + "\n"}
	if diff := cmp.Diff(want, out.calls); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestWorkerWriterDiscards(t *testing.T) {
	for _, stream := range []string{StreamFailures, StreamNone, ""} {
		var out writes
		c := New(&out, Options{Stream: stream})
		w := c.WorkerWriter("local", "w1")
		if n, err := io.WriteString(w, "x\ny"); n != 3 || err != nil {
			t.Errorf("stream %q: Write = %d, %v; want 3, nil", stream, n, err)
		}
		w.Close()
		if len(out.calls) != 0 {
			t.Errorf("stream %q: wrote %q", stream, out.calls)
		}
	}
}

// TestConcurrentLinesStayWhole runs many workers writing their stdout and stderr
// in odd-sized chunks through a writer each, plus two goroutines sharing a third
// writer with whole-line writes, while test and progress lines are written too.
// Every Write must be whole lines, every line of a known form, and each stream's
// lines must arrive complete and in order.
func TestConcurrentLinesStayWhole(t *testing.T) {
	const workers, lines = 8, 200
	var out writes
	c := New(&out, Options{Stream: StreamAll, ProgressEvery: 1})
	c.Start(workers*lines, workers)

	streams := []string{"out", "err", "ab1", "ab2"}
	var wg sync.WaitGroup
	for n := range workers {
		name := fmt.Sprintf("w%d", n)
		shared := c.WorkerWriter("host-a", name)
		for _, stream := range streams {
			w := shared
			if stream == "out" || stream == "err" {
				w = c.WorkerWriter("host-a", name)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer w.Close()
				var text strings.Builder
				for i := range lines {
					fmt.Fprintf(&text, "%s line %d of worker %d\n", stream, i, n)
				}
				s := text.String()
				if w == shared {
					for l := range strings.Lines(s) {
						io.WriteString(w, l)
					}
					return
				}
				for size := 1; s != ""; size = size%7 + 1 {
					k := min(size, len(s))
					io.WriteString(w, s[:k])
					s = s[k:]
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range lines {
				c.TestDone(fmt.Sprintf("pkg.Test%d_%d", n, i), result.Attempt{Status: result.Passed, Worker: name}, "")
				c.Tick()
			}
		}()
	}
	wg.Wait()

	lineRE := regexp.MustCompile(`^(\[host-a/w\d\] \| (out|err|ab1|ab2) line \d+ of worker \d|\[w\d\] PASS pkg\.Test\d_\d+ \(0\.00s\)|paratest: progress \d+/\d+ done, 0 failed(, ETA \S+)?)$`)
	got := map[string][]string{}
	for _, call := range out.calls {
		if !strings.HasSuffix(call, "\n") {
			t.Fatalf("Write of a partial line: %q", call)
		}
		for l := range strings.Lines(call) {
			l = strings.TrimSuffix(l, "\n")
			if !lineRE.MatchString(l) {
				t.Fatalf("interleaved or malformed line: %q", l)
			}
			if tg, text, ok := strings.Cut(l, " | "); ok {
				key := tg + " " + text[:3]
				got[key] = append(got[key], text)
			}
		}
	}
	for n := range workers {
		for _, stream := range streams {
			key := fmt.Sprintf("[host-a/w%d] %s", n, stream)
			var want []string
			for i := range lines {
				want = append(want, fmt.Sprintf("%s line %d of worker %d", stream, i, n))
			}
			if diff := cmp.Diff(want, got[key]); diff != "" {
				t.Errorf("%s (-want +got):\n%s", key, diff)
			}
		}
	}
}
