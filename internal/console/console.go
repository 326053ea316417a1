// Package console owns the output people read in the Jenkins log: phase banners,
// messages, one line per finished test, throttled progress, worker output under a
// tag, and the closing summary. A program cannot fold its output into sections
// itself, so every line has a fixed, regex-friendly form instead, and each phase
// starts and ends with a line of its own, for the Collapsing Console Sections
// plugin (docs/console.md gives its patterns):
//
//	==> paratest: running                                 Phase
//	<== paratest: running done (1m12s)                    Phase (the next), End, Summary
//	paratest: 120 tests, 4 workers                        Infof
//	paratest: warning: worker w2 retired: ...             Warnf
//	paratest: error: no worker left                       Errorf
//	[w3] PASS example/pkg.TestX (1.24s)                   TestDone
//	[host-a/w3] FAIL example/pkg.TestY (0.50s, round 2) - expected 1, got 2
//	[w3] | --- FAIL: TestY (0.50s)                        test output
//	paratest: progress 37/120 done, 2 failed, ETA 1m20s   TestDone, Tick
//
// The runner's phases are starting, listing, running, rerun round N, order
// check, reports, cleanup and summary. Phase ends the open phase before it
// starts the next, so sections never nest and callers mark only starts; Summary
// ends the last one just before its verdict line, and End ends one that a run
// stopping on an error left open. No other line starts with "==> " or "<== ":
// worker output is always behind its tag.
//
// The tag is the worker's name in brackets, with "host/" before the name when
// the host is not the local engine. Verdict words are PASS, FAIL, ERROR and
// SKIP; a test line's tag is followed by a verdict word, an output line's tag by
// "| ", so the two never collide (go test itself prints lines that start with
// "PASS").
//
// The summary ends the log; its last line is always one of
//
//	paratest: PASSED
//	paratest: PASSED (1 flaky)
//	paratest: FAILED (2 failed, 1 lost)
//	paratest: INTERRUPTED
//
// and carries no colour, so a pipeline can match it as is.
//
// Colour is SGR only (green PASS, red FAIL and ERROR, yellow SKIP, flaky and
// warnings), never on the "paratest: " prefix, a tag, a banner or the last line;
// match coloured logs after removing `\x1b\[[0-9;]*m`. Without colour nothing
// written contains an escape byte: escape sequences in test output are removed.
// Carriage returns from tests become line breaks, so the log stays line-based.
//
// A Console is safe for concurrent use. Every call writes whole lines with a
// single Write under one mutex, so lines from different workers never interleave.
// Write errors are kept (see Err) and otherwise ignored: console output is
// best-effort and must never stop a run.
package console

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Stream values: which worker output reaches the console.
const (
	StreamAll      = "all"      // every worker output line, live, under its tag
	StreamFailures = "failures" // the output of failed and errored attempts, after their test line
	StreamNone     = "none"     // test lines only
)

// The Collapsing Console Sections plugin's patterns for the phases (Java
// regular expressions, matched against a whole line with its blanks trimmed;
// they are RE2 too). A section's display name can be "paratest: {1}".
const (
	SectionStart = `==> paratest: (.+)`
	SectionEnd   = `<== paratest: .+`
)

// DefaultProgressEvery is the progress interval when Options.ProgressEvery is 0.
const DefaultProgressEvery = 10 * time.Second

// Options configure a Console. The zero value is usable: no colour, failures
// streamed, progress every 10s by the wall clock.
type Options struct {
	Color         bool             // write SGR colour codes; see ColorEnabled
	Stream        string           // StreamAll, StreamFailures (default) or StreamNone
	ProgressEvery time.Duration    // least interval between progress lines; 0 = 10s, <0 = never
	Now           func() time.Time // the clock; nil = time.Now
}

// Console writes the run's console output to one writer. Create it with New.
type Console struct {
	w      io.Writer
	color  bool
	stream string
	every  time.Duration
	now    func() time.Time

	mu      sync.Mutex
	err     error     // first write error
	phase   string    // the open phase; see inPhase
	inPhase bool      // a phase was started and not yet ended
	phaseAt time.Time // when the open phase started
	started bool      // Start was called: progress lines are due
	total   int
	start   time.Time // when Start was called
	last    time.Time // when the last progress line was due
	done    int       // tests with an attempt
	failed  int       // tests whose latest verdict is bad
}

// New returns a Console writing to w.
func New(w io.Writer, opts Options) *Console {
	c := &Console{w: w, color: opts.Color, stream: opts.Stream, every: opts.ProgressEvery, now: opts.Now}
	switch c.stream {
	case StreamAll, StreamNone:
	default:
		c.stream = StreamFailures
	}
	if c.every == 0 {
		c.every = DefaultProgressEvery
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// Err returns the first error the underlying writer returned, if any.
func (c *Console) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Phase ends the open phase, if any, with "<== paratest: <open> done (<time>)"
// and starts name with "==> paratest: <name>", in one Write.
func (c *Console) Phase(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	c.writeLocked(c.endLocked(now) + "==> paratest: " + oneLine(name) + "\n")
	c.phase, c.inPhase, c.phaseAt = oneLine(name), true, now
}

// End ends the open phase, if any: "<== paratest: <name> done (<time>)". A run
// that stops with an error between phases calls it so that its last section
// closes too; it does nothing when no phase is open.
func (c *Console) End() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writeLocked(c.endLocked(c.now()))
}

// endLocked returns the end line of the open phase, "" when none is open, and
// closes it.
func (c *Console) endLocked(now time.Time) string {
	if !c.inPhase {
		return ""
	}
	c.inPhase = false
	return "<== paratest: " + c.phase + " done (" + span(now.Sub(c.phaseAt)) + ")\n"
}

// Infof writes "paratest: <message>", the prefix repeated on every line of it.
func (c *Console) Infof(format string, args ...any) {
	c.write(c.message("", "", fmt.Sprintf(format, args...)))
}

// Warnf writes "paratest: warning: <message>", the prefix on every line, in yellow.
func (c *Console) Warnf(format string, args ...any) {
	c.write(c.message("warning: ", sgrYellow, fmt.Sprintf(format, args...)))
}

// Errorf writes "paratest: error: <message>", the prefix on every line, in red.
func (c *Console) Errorf(format string, args ...any) {
	c.write(c.message("error: ", sgrRed, fmt.Sprintf(format, args...)))
}

func (c *Console) message(kind, color, msg string) string {
	var b strings.Builder
	lines := splitLines(msg)
	if len(lines) == 0 {
		lines = []string{""}
	}
	for _, l := range lines {
		b.WriteString("paratest: ")
		b.WriteString(c.paint(color, strings.TrimRight(kind+stripEscapes(l), " ")))
		b.WriteByte('\n')
	}
	return b.String()
}

// write writes s, whole lines, with one Write call.
func (c *Console) write(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writeLocked(s)
}

func (c *Console) writeLocked(s string) {
	if s == "" {
		return
	}
	if _, err := io.WriteString(c.w, s); err != nil && c.err == nil {
		c.err = err
	}
}

// tag is the fixed prefix of a worker's lines: "[w3]", or "[host/w3]" when the
// host is not the local engine.
func tag(host, worker string) string {
	name := worker
	switch {
	case host == "" || host == "local":
	case worker == "":
		name = host
	default:
		name = host + "/" + worker
	}
	if name == "" {
		name = "?"
	}
	return "[" + oneLine(name) + "]"
}

// seconds formats a test's duration the way go test does: "1.24s".
func seconds(d time.Duration) string {
	return fmt.Sprintf("%.2fs", d.Seconds())
}

// span formats a run's length or an ETA: "1m12s", or "400ms" under a second.
func span(d time.Duration) string {
	if d < time.Second {
		return d.Round(10 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
