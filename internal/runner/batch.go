package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	units "github.com/docker/go-units"

	"github.com/jenkins-paratest/jenkins-paratest/internal/agent"
	"github.com/jenkins-paratest/jenkins-paratest/internal/queue"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
	"github.com/jenkins-paratest/jenkins-paratest/internal/session"
	"github.com/jenkins-paratest/jenkins-paratest/internal/suite"
	"github.com/jenkins-paratest/jenkins-paratest/internal/verdict"
)

// setupShown bounds what the master keeps of a setup's output, head and tail.
const setupShown = 16 << 10

// setup runs the setup command once in a worker's fresh container; a failure
// retires the worker with the command's output in the error.
func (p *pool) setup(ctx context.Context, w *worker) error {
	fmt.Fprintf(w.log, "=== paratest: setup\n")
	out := newCapture(setupShown) // what the retire message shows; the log has all
	tee := io.MultiWriter(w.log, out)
	w.seq++
	// What setup starts (a database) serves the worker's tests: it stays.
	res, err := w.sess.Run(ctx, session.Run{ID: uint64(w.seq), Argv: p.s.cfg.Setup.Args(nil), Env: roundEnv(1), Stdout: tee, Stderr: tee, Keep: true})
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	if res.ExitCode != 0 {
		return &retireError{fmt.Errorf("setup exited %d; its output (also in %s):\n%s", res.ExitCode, w.logPath, verdict.Bound(string(out.Bytes()), 4000))}
	}
	return nil
}

func roundEnv(round int) []string {
	return []string{"PARATEST_ROUND=" + strconv.Itoa(round)}
}

// runBatch runs one batch of tests on a worker and turns the outcome into one
// verdict per id. An error means the batch has no verdict (the worker was lost).
func (p *pool) runBatch(runCtx context.Context, w *worker, ids []string, round int) ([]verdict.Verdict, error) {
	// Streams over a lost SSH connection may never end on their own: the loss
	// ends them, and the batch goes back to the queue.
	ctx, done := w.h.connection(runCtx)
	defer done()
	logStart, _ := logOffset(w.log)
	fmt.Fprintf(w.log, "=== paratest: round %d: %s\n", round, strings.Join(ids, " "))
	// One live writer per stream, so a partial line of one never takes text of the other.
	live, liveErr := p.s.con.WorkerWriter(w.h.name, w.name), p.s.con.WorkerWriter(w.h.name, w.name)
	defer live.Close()
	defer liveErr.Close()

	stdout, stderr := newCapture(captureLimit), newCapture(captureLimit)
	timeout := p.s.cfg.Timeout * time.Duration(len(ids))
	w.seq++
	w.batchLog = batchLog{seq: w.seq, start: logStart}
	cmd := p.s.suite.Batch(ids, w.seq)
	// What people read goes to the log and the console; the captures keep the
	// runner's own output for the adapter.
	text := io.MultiWriter(w.log, live)
	if cmd.Text != nil {
		tx := cmd.Text(text)
		defer tx.Close()
		text = tx
	}
	start := time.Now()
	res, err := w.sess.Run(ctx, session.Run{
		ID:         uint64(w.seq),
		Argv:       cmd.Argv,
		Env:        append(append([]string(nil), cmd.Env...), roundEnv(round)...),
		Timeout:    timeout,
		ResultFile: cmd.ResultFile,
		Stdout:     io.MultiWriter(stdout, text),
		Stderr:     io.MultiWriter(stderr, w.log, liveErr),
	})
	if err != nil {
		// The agent keeps the result of a command whose stream broke: a new
		// session to the same container may get it (recover). One the
		// session ended before sending (it broke between two batches) did
		// not run: there is nothing to ask for, and the container may live on.
		w.held = &heldBatch{ids: ids, seq: uint64(w.seq), round: round, timeout: timeout,
			stdout: stdout.Bytes(), stderr: stderr.Bytes(), start: start,
			unsent: errors.Is(err, session.ErrNotSent)}
		return nil, err
	}
	return p.verdicts(w, ids, res, stdout.Bytes(), stderr.Bytes(), time.Since(start), timeout), nil
}

// verdicts turns how a batch's command ended into its verdicts.
func (p *pool) verdicts(w *worker, ids []string, res session.Result, stdout, stderr []byte, dur, timeout time.Duration) []verdict.Verdict {
	out := suite.Output{IDs: ids, ExitCode: res.ExitCode, Stdout: stdout, Stderr: stderr, File: res.File, Duration: dur}
	if res.TimedOut {
		out.ExitCode = agent.ExitTimeout
	}
	fmt.Fprintf(w.log, "=== paratest: exit code %d after %s\n", out.ExitCode, out.Duration.Round(time.Millisecond))
	if res.FileError != "" {
		// The command ran, its verdicts are unreadable: an error of each test,
		// not a lost worker (it would be lost again and again).
		msg := "cannot read the result file: " + res.FileError
		fmt.Fprintf(w.log, "=== paratest: %s\n", msg)
		vs := make([]verdict.Verdict, len(ids))
		for i, id := range ids {
			vs[i] = verdict.Verdict{ID: id, Status: result.Errored, Message: msg}
		}
		return vs
	}
	vs := p.s.suite.Verdicts(out)
	p.s.est.observe(out.Duration, vs)
	switch {
	case res.TimedOut:
		timedOut(vs, timeout, !p.s.suite.PerID())
	case res.OutOfMemory:
		outOfMemory(vs, res.MemoryLimit, !p.s.suite.PerID())
		fmt.Fprintf(w.log, "=== paratest: %s\n", oomMessage(res.MemoryLimit))
	}
	return vs
}

// outOfMemory marks the tests of a batch during which the kernel killed a
// process for going over the worker's memory limit: the test that was running
// (all of them when the verdict is the exit code) failed; those after it go
// back to the queue, as after any crash.
func outOfMemory(vs []verdict.Verdict, limit int64, all bool) {
	for i := range vs {
		if all || vs[i].Crashed || vs[i].Status == result.Errored {
			vs[i].Status = result.Failed
			vs[i].Message = oomMessage(limit)
		}
	}
}

func oomMessage(limit int64) string {
	if limit <= 0 {
		return "killed: out of memory"
	}
	return "killed: out of memory (limit " + units.BytesSize(float64(limit)) + ")"
}

// heldBatch is a batch whose stream broke while its container may live on: its
// lease is held until a new session asks the agent for its result.
type heldBatch struct {
	ids            []string
	lease          *queue.Lease // nil for a batch the queue did not hand out (an order check)
	seq            uint64       // the run's id for the agent
	round          int
	timeout        time.Duration
	stdout, stderr []byte // what came before the stream broke
	start          time.Time
	unsent         bool // the session ended before sending it: it never ran
}

// execPrefix runs a command through the agent, killed whole after timeout (0: none).
func execPrefix(timeout time.Duration) []string {
	if timeout <= 0 {
		return []string{agentPath, "agent", "exec", "--"}
	}
	return []string{agentPath, "agent", "exec", "--timeout", timeout.String(), "--"}
}

// timedOut marks the tests of a batch killed at its timeout: the one that was
// running (all of them when the verdict is the exit code) failed by timing out;
// tests that finished before keep theirs, and those after it go back to the queue.
func timedOut(vs []verdict.Verdict, timeout time.Duration, all bool) {
	for i := range vs {
		if all || vs[i].Crashed || vs[i].Status == result.Errored {
			vs[i].Status, vs[i].Cause = result.Failed, result.TimedOut
			vs[i].Message = fmt.Sprintf("timed out after %s; the test's processes were killed", timeout)
		}
	}
}
