// Package verdict turns the outcome of one batch — one command that ran some test ids
// in a worker container — into exactly one verdict per id. It owns the reading of what
// a test runner leaves behind: its exit code (ExitCode), its `go test -json` stream
// (GoTestJSON) or its JUnit file (JUnit).
//
// A verdict is never lost: every function returns one Verdict per id of the batch, in
// the batch's order, duplicates included. An id the outcome says nothing about is
// Errored, with the batch's output attached, so a Jenkins user sees why it has no
// result (a crash in an earlier test, a build failure, a timeout, a missing file).
package verdict

import (
	"fmt"
	"strings"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// MaxOutput is the most bytes of output a Verdict keeps in its Output and Details;
// Bound cuts the middle of anything longer.
const MaxOutput = 64 << 10

// Batch is the outcome of one command that ran some test ids.
type Batch struct {
	IDs      []string      // the ids the command was given, in order
	ExitCode int           // the command's exit code; 128+N when killed by signal N
	Stdout   []byte        // what the command printed on stdout (for go-test-json: test2json's JSON stream)
	Stderr   []byte        // what it printed on stderr
	Duration time.Duration // wall time of the command
	JUnit    []byte        // results: junit — the file copied out after the batch; nil when it was missing
}

// Verdict is the outcome of one test id in one batch.
type Verdict struct {
	ID       string
	Status   result.Status
	Duration time.Duration
	Message  string // one line: why it failed, errored or was skipped
	Details  string // failure body: assertion output, panic, stack trace
	Output   string // the test's own output, bounded with Bound

	// Set only when the source names the test (a JUnit testcase, a Go package);
	// otherwise "" and the caller names the test from its id.
	Suite, Class, Name string

	// Unrun: the batch never started this test (the runner crashed in an earlier
	// one). It has no verdict and goes back to the queue; Status is unset.
	Unrun bool
	// Crashed: the runner died while this test ran (a segfault, os._exit, exit!,
	// a panic, or the agent's timeout kill). Status is Failed and Message says
	// how it died; the runner rewrites it when the agent killed the batch at its
	// timeout.
	Crashed bool
	// Cause is what the master did to the test, when it did anything: killed it
	// at its timeout, or gave up on a batch lost too often.
	Cause result.Cause
	// Parent is the listed id of a test the runner reports on its own, under a
	// listed one (a Go subtest); "" for the listed ids themselves.
	Parent string
}

// noResult is the verdict of an id the batch's results say nothing about. why says
// what is missing; the exit code and the batch's output are the clues to the cause.
func noResult(id, why string, exitCode int, output string) Verdict {
	return Verdict{
		ID:      id,
		Status:  result.Errored,
		Message: fmt.Sprintf("%s (exit code %d)", why, exitCode),
		Output:  output,
	}
}

// BatchOutput is what the command printed, stdout then stderr, bounded.
func BatchOutput(stdout, stderr []byte) string {
	return Bound(JoinOutput(string(stdout), string(stderr)), MaxOutput)
}

// JoinOutput concatenates outputs, starting each on a line of its own.
func JoinOutput(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
			b.WriteByte('\n')
		}
		b.WriteString(p)
	}
	return b.String()
}

// FirstLine is the first line of s that is not blank, trimmed.
func FirstLine(s string) string {
	for line := range strings.Lines(s) {
		if line = strings.TrimSpace(line); line != "" {
			return line
		}
	}
	return ""
}
