package junit

import (
	"fmt"
	"strings"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/report"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// How much output a case keeps: what Jenkins itself keeps of a passing and of a failing
// test's output (500 and 50,000 characters at each end), less room for the lines this
// package adds, so Jenkins shows our text whole instead of cutting it again.
const (
	passingHalf = 450
	failingHalf = 49_000
)

const lostMessage = "no verdict: the test never ran to completion"

// Types of failure and error elements; the attempt has no exception class to give.
const (
	typeFailure = "paratest.Failure"
	typeError   = "paratest.Error"
	typeLost    = "paratest.Lost"
)

// newTestcase is the one testcase of a logical test, and the time it counts for.
//
// A test that finally passed is a passing case with a flakyFailure per bad
// attempt; its time and output are the passing attempt's. A test that never
// passed is a failure (or an error) for its first bad attempt and a
// rerunFailure per later one; its time and output are that first attempt's.
//
// Every bad attempt after the first is a *Failure element, the errored ones
// too, with type paratest.Error: Jenkins' junit plugin keeps flakyFailure and
// rerunFailure (CaseResult's flakyFailures and rerunFailures, in its API) and
// drops flakyError and rerunError, so a test that timed out and then passed
// would look like a clean pass. The Flaky Test Handler reads all four.
func newTestcase(t *result.Test) (testcase, time.Duration) {
	tc := testcase{Classname: report.Clean(t.Class), Name: report.Clean(t.Name)}
	var bad []result.Attempt
	for _, a := range t.Attempts {
		if a.Status.Bad() {
			bad = append(bad, a)
		}
	}
	logs := excerpts(bad)

	var shown result.Attempt // the attempt whose time and output the case has
	switch t.Final() {
	case result.Passed:
		shown = t.Attempts[len(t.Attempts)-1]
		if t.OrderDependent() != nil {
			// Not flaky: it passes in the serial order, and failed only apart
			// from the test it needs. The message says so in its output.
			bad = nil
			d := shown.Said()
			d.Output = d.Message + "\n" + d.Output
			shown.Say(d)
		}
		for _, a := range bad {
			tc.FlakyFailures = append(tc.FlakyFailures, newRerun(a))
		}
		if shown.Output() != "" || len(logs) > 0 {
			tc.SystemOut = systemOut(shown, passingHalf, logs)
		}

	case result.Failed, result.Errored:
		shown = bad[0]
		v := &verdict{Message: message(shown), Type: typeOf(shown.Status), Body: withReproduce(details(shown), t.Reproduce())}
		if shown.Status == result.Failed {
			tc.Failure = v
		} else {
			tc.Error = v
		}
		for _, a := range bad[1:] {
			tc.RerunFailures = append(tc.RerunFailures, newRerun(a))
		}
		tc.SystemOut = systemOut(shown, failingHalf, logs)

	case result.Skipped:
		// Skipped after a bad attempt happens when a run is stopped before the retry:
		// the case is skipped, but its output says what the earlier attempts found.
		shown = t.Attempts[len(t.Attempts)-1]
		tc.Skipped = &verdict{Message: report.Clean(shown.Message())}
		var b strings.Builder
		for _, a := range bad {
			b.WriteString(message(a) + "\n")
		}
		if b.Len() > 0 || shown.Output() != "" {
			tc.SystemOut = text(b.String()) + systemOut(shown, passingHalf, logs)
		}

	default:
		// Lost: no verdict at all. Never drop the test, or its absence looks like a pass.
		tc.Error = &verdict{Message: lostMessage, Type: typeLost}
	}
	tc.Time = report.Seconds(shown.Duration)
	return tc, max(shown.Duration, 0)
}

// withReproduce ends a failure's text with the command that reproduces it.
func withReproduce(details, line string) string {
	if line == "" {
		return details
	}
	if details != "" && !strings.HasSuffix(details, "\n") {
		details += "\n"
	}
	return details + "\nReproduce: " + report.Clean(line)
}

func newRerun(a result.Attempt) rerun {
	return rerun{
		Message:    message(a),
		Type:       typeOf(a.Status),
		StackTrace: text(details(a)),
		SystemOut:  systemOut(a, failingHalf, nil),
	}
}

func typeOf(s result.Status) string {
	if s == result.Errored {
		return typeError
	}
	return typeFailure
}

// message starts with where the attempt ran, since one case stands for attempts on
// several workers: "round 1, worker w3 on local: expected 1, got 2".
func message(a result.Attempt) string {
	m := report.Clean(a.Message())
	if m == "" {
		m = string(a.Status)
	}
	if p := report.Clean(report.Place(a)); p != "" {
		return p + ": " + m
	}
	return m
}

func details(a result.Attempt) string {
	return report.Bound(report.Clean(a.Details()), failingHalf)
}

// systemOut is output as Jenkins shows it: where it ran first, then the output
// bounded to half bytes at each end, then a junit-attachments link to each log
// excerpt. The links come last, where Jenkins' own trimming (it keeps both ends)
// leaves them whole.
func systemOut(a result.Attempt, half int, logs []string) text {
	var b strings.Builder
	if h := joinNonEmpty(report.Clean(report.Where(a)), round(a)); h != "" {
		b.WriteString(h + "\n")
	}
	if out := report.Bound(report.Clean(a.Output()), half); out != "" {
		b.WriteString(out)
		if !strings.HasSuffix(out, "\n") {
			b.WriteByte('\n')
		}
	}
	for _, p := range logs {
		fmt.Fprintf(&b, "[[ATTACHMENT|%s]]\n", p)
	}
	return text(b.String())
}

// excerpts are the log excerpts of the attempts, each once (the attempts of one
// batch share one), in attempt order. junit-attachments resolves a link against
// the workspace and copies the file into the build, once per class and file
// name: an excerpt, not the worker's whole log (up to 256 MiB) per failing class.
func excerpts(attempts []result.Attempt) []string {
	var paths []string
	seen := map[string]bool{}
	for _, a := range attempts {
		p := report.Clean(a.Excerpt())
		if p != "" && !seen[p] {
			seen[p] = true
			paths = append(paths, p)
		}
	}
	return paths
}

func round(a result.Attempt) string {
	if a.Round <= 0 {
		return ""
	}
	return fmt.Sprintf("round %d", a.Round)
}

func joinNonEmpty(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ", ")
}
