package console

import (
	"fmt"
	"strings"

	"github.com/jenkins-paratest/jenkins-paratest/internal/report"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// MaxListed bounds each list of tests in the summary; the rest are counted.
// Pipeline Graph View shows only the end of a step's log, so the summary stays short.
const MaxListed = 50

// Summary writes the closing summary, in one Write:
//
//	paratest: 40 passed, 2 failed, 1 flaky, 1 skipped, 0 lost of 44 tests in 1m12s on 4 workers
//	paratest: failed tests were rerun: 3 rounds in all
//	paratest: wall time 1m12s, predicted 1m5s, lower bound 58s
//	paratest: failed tests:
//	  FAIL example/pkg.TestY (3 attempts) - expected 1, got 2
//	  ... and 3 more
//	paratest: flaky tests (passed on a retry):
//	  FLAKY example/pkg.TestZ (3 attempts, failed only on h2) - timeout
//	paratest: suspect host h3: 9 of 12 attempts failed (75%), at least 3x the other hosts' median rate
//	paratest: artifacts:
//	  paratest-out/junit/
//	paratest: test results: https://jenkins.example/job/x/12/testReport/
//	<== paratest: summary done (0s)
//	paratest: FAILED (2 failed)
//
// "passed" includes the flaky tests; "lost" are tests that never got a verdict.
// The rounds line appears after reruns, "failed tests were not rerun: <why>" instead
// when run.RerunSkipped says why, and the timing line only with a prediction from
// timing history. "failed only on" and suspect hosts are report.FailedOnlyOn and
// report.HostStats, as in summary.md and flaky.json.
// Failed (FAIL, ERROR, LOST) and flaky tests are listed in run order, at most
// MaxListed each, with the message of the last bad attempt. Lists, artifacts and
// the link appear only when non-empty; the link is run.BuildURL + "testReport/".
// An open phase ends ("<== paratest: summary done (…)") just before the last
// line, the verdict: INTERRUPTED when the run was interrupted, else
// FAILED when a test failed or was lost, else PASSED, with the counts that
// matter in parentheses. It is never coloured.
func (c *Console) Summary(run *result.Run, paths []string) {
	if run == nil {
		run = &result.Run{}
	}
	n := run.Counts()
	var b strings.Builder

	fmt.Fprintf(&b, "paratest: %d passed, %s, %s, %s, %s of %s in %s on %s\n",
		n.Passed,
		c.count(n.Failed, "failed", sgrRed),
		c.count(n.Flaky, "flaky", sgrYellow),
		c.count(n.Skipped, "skipped", sgrYellow),
		c.count(n.Lost, "lost", sgrRed),
		plural(n.Tests, "test"), span(run.Duration), plural(run.Workers, "worker"))

	if r := report.Rounds(run); r > 1 {
		fmt.Fprintf(&b, "paratest: failed tests were rerun: %d rounds in all\n", r)
	}
	if why := strings.TrimSuffix(oneLine(run.RerunSkipped), "."); why != "" {
		b.WriteString("paratest: failed tests were not rerun: " + why + "\n")
	}
	if run.Predicted > 0 {
		fmt.Fprintf(&b, "paratest: wall time %s, predicted %s, lower bound %s\n",
			span(run.Duration), span(run.Predicted), span(run.LowerBound))
	}

	var bad, flaky, order []*result.Test
	for _, t := range run.Tests {
		switch {
		case t.Final().Bad() || t.Final() == "":
			bad = append(bad, t)
		case t.Flaky():
			flaky = append(flaky, t)
		case t.OrderDependent() != nil:
			order = append(order, t)
		}
	}
	c.list(&b, "paratest: failed tests:\n", bad)
	c.list(&b, "paratest: flaky tests (passed on a retry):\n", flaky)
	c.list(&b, "paratest: order-dependent tests (pass only after a test listed before them; see flaky.json):\n", order)
	for _, h := range report.SuspectHosts(report.HostStats(run)) {
		b.WriteString("paratest: " + c.paint(sgrYellow, fmt.Sprintf(
			"suspect host %s: %d of %d attempts failed (%.0f%%), at least %gx the other hosts' median rate",
			oneLine(h.Host), h.Bad, h.Attempts, 100*h.Rate(), report.SuspectFactor)) + "\n")
	}

	if len(paths) > 0 {
		b.WriteString("paratest: artifacts:\n")
		for _, p := range paths {
			b.WriteString("  " + oneLine(p) + "\n")
		}
	}
	if u := oneLine(run.BuildURL); u != "" {
		if !strings.HasSuffix(u, "/") {
			u += "/"
		}
		b.WriteString("paratest: test results: " + u + "testReport/\n")
	}

	var last string
	switch {
	case run.Interrupted:
		last = "paratest: INTERRUPTED\n"
	case n.Failed > 0 || n.Lost > 0:
		var why []string
		if n.Failed > 0 {
			why = append(why, fmt.Sprintf("%d failed", n.Failed))
		}
		if n.Lost > 0 {
			why = append(why, fmt.Sprintf("%d lost", n.Lost))
		}
		last = "paratest: FAILED (" + strings.Join(why, ", ") + ")\n"
	case n.Flaky > 0:
		last = fmt.Sprintf("paratest: PASSED (%d flaky)\n", n.Flaky)
	default:
		last = "paratest: PASSED\n"
	}
	// The open phase (summary) ends before the verdict: the verdict stays the
	// last line, outside every section.
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writeLocked(b.String() + c.endLocked(c.now()) + last)
}

// list writes a header and the tests, at most MaxListed of them.
func (c *Console) list(b *strings.Builder, header string, tests []*result.Test) {
	if len(tests) == 0 {
		return
	}
	b.WriteString(header)
	for i, t := range tests {
		if i == MaxListed {
			fmt.Fprintf(b, "  ... and %d more\n", len(tests)-MaxListed)
			break
		}
		word, code := "FLAKY", sgrYellow
		if !t.Flaky() {
			word, code = verdict(t.Final())
			if t.Final() == "" {
				word = "LOST"
			}
		}
		b.WriteString("  " + c.paint(code, word) + " " + oneLine(t.ID))
		var notes []string
		if len(t.Attempts) > 1 {
			notes = append(notes, fmt.Sprintf("%d attempts", len(t.Attempts)))
		}
		if h := report.FailedOnlyOn(t); h != "" {
			notes = append(notes, "failed only on "+oneLine(h))
		}
		if len(notes) > 0 {
			b.WriteString(" (" + strings.Join(notes, ", ") + ")")
		}
		if msg := lastBadMessage(t); msg != "" {
			b.WriteString(" - " + msg)
		}
		b.WriteByte('\n')
	}
}

// lastBadMessage is the message of the test's last failed or errored attempt.
func lastBadMessage(t *result.Test) string {
	for i := len(t.Attempts) - 1; i >= 0; i-- {
		if a := t.Attempts[i]; a.Status.Bad() {
			return oneLine(a.Message())
		}
	}
	return ""
}

// count is "<n> <word>", coloured when n is not zero.
func (c *Console) count(n int, word, color string) string {
	s := fmt.Sprintf("%d %s", n, word)
	if n == 0 {
		return s
	}
	return c.paint(color, s)
}

func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
