package console

import (
	"fmt"
	"strings"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// Start begins the running phase: total tests to run on workers. From here on
// TestDone and Tick write a progress line at most every ProgressEvery, the first
// one ProgressEvery after Start. Calling Start again starts the count afresh.
// workers is accepted for symmetry with the summary and not printed: the console
// cannot know how many tests are running at a moment.
func (c *Console) Start(total, workers int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	c.started, c.total, c.start, c.last = true, total, now, now
	c.done, c.failed = 0, 0
}

// Tick writes a progress line if one is due. The runner calls it periodically,
// so a run whose tests are all slow still shows it is alive.
func (c *Console) Tick() {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	c.progressLocked(&b)
	c.writeLocked(b.String())
}

// TestDone writes the line of a finished attempt at test id:
//
//	[w3] PASS example/pkg.TestX (1.24s)
//	[host-a/w3] FAIL example/pkg.TestY (0.50s, round 2) - <message>
//
// FAIL and ERROR lines end in " - <message>" when the attempt has one. With
// StreamFailures the attempt's output follows a FAIL or ERROR line (its Details
// when it has no output), each line as "[w3] | <line>"; StreamAll showed the
// output live and StreamNone shows none. A due progress line follows, all in one
// Write. A test's latest attempt counts for progress, so a retry that passes
// takes the test off the failed count: prev is the status of the test's attempt
// before a, "" when a is its first.
func (c *Console) TestDone(id string, a result.Attempt, prev result.Status) {
	t := tag(a.Host, a.Worker)
	word, code := verdict(a.Status)
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s (%s", t, c.paint(code, word), oneLine(id), seconds(a.Duration))
	if a.Round > 1 {
		fmt.Fprintf(&b, ", round %d", a.Round)
	}
	b.WriteByte(')')
	if msg := oneLine(a.Message()); a.Status.Bad() && msg != "" {
		b.WriteString(" - " + msg)
	}
	b.WriteByte('\n')
	if a.Status.Bad() && c.stream == StreamFailures {
		text := a.Output()
		if strings.TrimSpace(text) == "" {
			text = a.Details()
		}
		for _, l := range splitLines(text) {
			b.WriteString(c.outputLine(t, l))
		}
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case prev == "":
		c.done++
	case prev.Bad():
		c.failed--
	}
	if a.Status.Bad() {
		c.failed++
	}
	c.progressLocked(&b)
	c.writeLocked(b.String())
}

// outputLine is one line of test output under its worker's tag: "[w3] | <line>".
func (c *Console) outputLine(tag, line string) string {
	line = outputLine(line, c.color)
	if line == "" {
		return tag + " |\n"
	}
	return tag + " | " + line + "\n"
}

// verdict is the word and colour of a status on a test line.
func verdict(s result.Status) (word, color string) {
	switch s {
	case result.Passed:
		return "PASS", sgrGreen
	case result.Failed:
		return "FAIL", sgrRed
	case result.Errored:
		return "ERROR", sgrRed
	case result.Skipped:
		return "SKIP", sgrYellow
	case "":
		return "UNKNOWN", sgrRed
	default:
		return strings.ToUpper(oneLine(string(s))), ""
	}
}

// progressLocked appends the progress line to b if one is due:
//
//	paratest: progress 37/120 done, 2 failed, ETA 1m20s
//
// The ETA is the elapsed time per test done times the tests remaining; it is
// left out until a test is done and once none remain (retries may still run).
func (c *Console) progressLocked(b *strings.Builder) {
	if !c.started || c.every < 0 {
		return
	}
	now := c.now()
	if now.Sub(c.last) < c.every {
		return
	}
	c.last = now
	done := c.done
	fmt.Fprintf(b, "paratest: progress %d/%d done, %d failed", done, c.total, c.failed)
	if remaining := c.total - done; done > 0 && remaining > 0 {
		elapsed := now.Sub(c.start)
		eta := time.Duration(float64(elapsed) / float64(done) * float64(remaining))
		b.WriteString(", ETA " + span(eta))
	}
	b.WriteByte('\n')
}
