package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/agent"
	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
	"github.com/jenkins-paratest/jenkins-paratest/internal/verdict"
)

// maxJUnitFile bounds the JUnit file copied out of a container after a batch.
const maxJUnitFile = 64 << 20

// setup runs the setup command once in a worker's fresh container; a failure
// retires the worker with the command's output in the error.
func (p *pool) setup(ctx context.Context, w *worker) error {
	fmt.Fprintf(w.log, "=== paratest: setup\n")
	var out bytes.Buffer
	tee := io.MultiWriter(w.log, &out)
	argv := append(execPrefix(0), p.s.cfg.Setup.Args(nil)...)
	code, err := w.c.Exec(ctx, engine.ExecSpec{Cmd: argv, Env: roundEnv(1), Stdout: tee, Stderr: tee})
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	if code != 0 {
		return &retireError{fmt.Errorf("setup exited %d; its output (also in %s):\n%s", code, w.logPath, verdict.Bound(out.String(), 4000))}
	}
	return nil
}

func roundEnv(round int) []string {
	return []string{"PARATEST_ROUND=" + strconv.Itoa(round)}
}

// runBatch runs one batch of tests on a worker and turns the outcome into one
// verdict per id. An error means the batch has no verdict (the worker was lost).
func (p *pool) runBatch(runCtx context.Context, w *worker, ids []string, round int) ([]verdict.Verdict, error) {
	cfg := p.s.cfg
	// Streams over a lost SSH connection may never end on their own: the loss
	// ends them, and the batch goes back to the queue.
	ctx, done := w.h.connection(runCtx)
	defer done()
	fmt.Fprintf(w.log, "=== paratest: round %d: %s\n", round, strings.Join(ids, " "))
	// One live writer per stream, so a partial line of one never takes text of the other.
	live, liveErr := p.s.con.WorkerWriter(w.h.name, w.name), p.s.con.WorkerWriter(w.h.name, w.name)
	defer live.Close()
	defer liveErr.Close()

	stdout, stderr := newCapture(captureLimit), newCapture(captureLimit)
	spec := engine.ExecSpec{Env: roundEnv(round), Stderr: io.MultiWriter(stderr, w.log, liveErr)}
	timeout := cfg.Timeout * time.Duration(len(ids))
	switch {
	case cfg.Preset == "go" && cfg.Command.IsZero():
		spec.Cmd = append(execPrefix(timeout), goCommand(cfg.GoDir, ids)...)
	default:
		spec.Cmd = append(execPrefix(timeout), cfg.Command.Args(ids)...)
	}
	if p.s.goResults() {
		// The stream is test2json's; people read the test output inside it.
		text := &jsonOutput{w: io.MultiWriter(w.log, live)}
		defer text.Close()
		spec.Stdout = io.MultiWriter(stdout, text)
	} else {
		spec.Stdout = io.MultiWriter(stdout, w.log, live)
	}
	if cfg.Results.Kind == config.ResultsJUnit {
		// A file left by an earlier batch must not be read as this one's.
		code, err := w.c.Exec(ctx, engine.ExecSpec{Cmd: []string{agentPath, "agent", "rm", cfg.Results.Path}, Stderr: w.log})
		if err != nil {
			return nil, fmt.Errorf("remove %s: %w", cfg.Results.Path, err)
		}
		if code != 0 {
			return nil, fmt.Errorf("remove %s: exit code %d (see %s)", cfg.Results.Path, code, w.logPath)
		}
	}

	start := time.Now()
	code, err := w.c.Exec(ctx, spec)
	if err != nil {
		return nil, err
	}
	b := verdict.Batch{IDs: ids, ExitCode: code, Stdout: stdout.Bytes(), Stderr: stderr.Bytes(), Duration: time.Since(start)}
	fmt.Fprintf(w.log, "=== paratest: exit code %d after %s\n", code, b.Duration.Round(time.Millisecond))
	var vs []verdict.Verdict
	switch {
	case p.s.goResults():
		vs = verdict.GoTestJSON(b)
	case cfg.Results.Kind == config.ResultsJUnit:
		data, err := w.c.ReadFile(ctx, cfg.Results.Path, maxJUnitFile)
		if err != nil && !errors.Is(err, engine.ErrNotExist) {
			return nil, fmt.Errorf("copy %s: %w", cfg.Results.Path, err)
		}
		b.JUnit = data
		vs = verdict.JUnit(b)
	default:
		vs = verdict.ExitCode(b)
	}
	if code == agent.ExitTimeout && bytes.Contains(b.Stderr, []byte(agent.TimeoutMarker)) {
		timedOut(vs, timeout, cfg.Results.Kind == config.ResultsExitCode && !p.s.goResults())
	}
	return vs, nil
}

// execPrefix runs a command through the agent, killed whole after timeout (0: none).
func execPrefix(timeout time.Duration) []string {
	if timeout <= 0 {
		return []string{agentPath, "agent", "exec", "--"}
	}
	return []string{agentPath, "agent", "exec", "--timeout", timeout.String(), "--"}
}

// timedOut marks the tests of a batch killed at its timeout: those without a
// verdict of their own (all of them when the verdict is the exit code) failed by
// timing out; tests that finished before keep theirs.
func timedOut(vs []verdict.Verdict, timeout time.Duration, all bool) {
	for i := range vs {
		if all || vs[i].Status == result.Errored {
			vs[i].Status = result.Failed
			vs[i].Message = fmt.Sprintf("timed out after %s; the test's processes were killed", timeout)
		}
	}
}

// goCommand runs the tests of one package's test binary through test2json. The ids
// reach the binary inside an anchored, quoted -test.run pattern, as argv.
func goCommand(dir string, ids []string) []string {
	pkg := goPackage(ids[0])
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = regexp.QuoteMeta(id[len(pkg)+1:])
	}
	return []string{
		path.Join(dir, "test2json"), "-t", "-p", pkg,
		path.Join(dir, pkg+".test"), "-test.v=test2json",
		"-test.run", "^(" + strings.Join(names, "|") + ")$",
	}
}

// jsonOutput writes the Output fields of a test2json stream as plain text; lines
// that are not JSON pass through as they are.
type jsonOutput struct {
	w   io.Writer
	buf []byte
}

func (j *jsonOutput) Write(p []byte) (int, error) {
	j.buf = append(j.buf, p...)
	for {
		i := bytes.IndexByte(j.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		j.line(j.buf[:i+1])
		j.buf = j.buf[i+1:]
	}
}

func (j *jsonOutput) line(l []byte) {
	var ev struct{ Output *string }
	if err := json.Unmarshal(l, &ev); err != nil {
		j.w.Write(l)
		return
	}
	if ev.Output != nil {
		io.WriteString(j.w, *ev.Output)
	}
}

// Close writes what is left of an unterminated last line.
func (j *jsonOutput) Close() error {
	if len(j.buf) > 0 {
		j.line(j.buf)
		j.buf = nil
	}
	return nil
}

func (s *session) goResults() bool {
	return s.cfg.Preset == "go" || s.cfg.Results.Kind == config.ResultsGoTestJSON
}

// goPackage is the import path of a Go test id "import/path.TestName".
func goPackage(id string) string {
	if i := strings.LastIndexByte(id, '.'); i > 0 {
		return id[:i]
	}
	return id
}
