package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/agent"
)

// Run is one command for the agent to run.
type Run struct {
	// ID names the run across sessions: Pending asks for it. Unique per
	// container (a worker's batch counter will do).
	ID         uint64
	Argv       []string // never interpreted by a shell unless Argv[0] is one
	Env        []string // KEY=VALUE, added to the container's environment
	Timeout    time.Duration
	ResultFile string    // removed before the command starts, read after it ends; "" for none
	Stdout     io.Writer // the command's output as it comes; nil discards it
	Stderr     io.Writer
	// Keep lets the processes the command starts outlive it (setup's
	// database); otherwise all of them go when it ends.
	Keep bool
}

// Result is how a command ended.
type Result struct {
	ExitCode int
	TimedOut bool // the timeout expired and the command's processes were killed (ExitCode is then meaningless)
	// OutOfMemory: the kernel killed a process of the container for going over
	// its memory limit (MemoryLimit bytes, 0 when unknown) while it ran.
	OutOfMemory bool
	MemoryLimit int64
	File        []byte // the result file, at most agent.MaxResultFile bytes; nil when it was missing
	// FileError says why the result file, which exists, could not be read (a
	// directory, a file over agent.MaxResultFile, no permission).
	FileError string
	// From Pending only: the end (at most agent.TailMax bytes each) of the output
	// the closed session could not deliver.
	Stdout, Stderr []byte
}

// Run runs one command in the agent's process group of its own, its result file
// removed before it starts and read after it ends, and returns how it ended. Its
// output is written to r.Stdout and r.Stderr as it comes, none of it after Run
// returns.
//
// An error means the command's fate is unknown — the stream broke, the
// container died (engine.ErrContainerGone), ctx ended (its cause is returned, and
// the agent kills the command) — never that the command failed.
func (s *Session) Run(ctx context.Context, r Run) (Result, error) {
	res, err := s.run(ctx, r)
	if err != nil {
		return Result{}, fmt.Errorf("run in %s: %w", s.name, err)
	}
	return res, nil
}

func (s *Session) run(ctx context.Context, r Run) (Result, error) {
	if len(r.Argv) == 0 {
		return Result{}, errors.New("no command")
	}
	payload, _ := agent.RunRequest{ID: r.ID, Argv: r.Argv, Env: r.Env, Timeout: r.Timeout, ResultFile: r.ResultFile, Keep: r.Keep}.MarshalBinary()
	c := &call{stdout: orDiscard(r.Stdout), stderr: orDiscard(r.Stderr), limit: agent.MaxResultFile}
	f, err := s.call(ctx, c, agent.FrameRun, payload)
	if err != nil {
		return Result{}, err
	}
	res, err := c.result(f)
	if err != nil {
		return Result{}, err
	}
	if c.werr != nil {
		return Result{}, fmt.Errorf("write output: %w", c.werr)
	}
	return res, nil
}

// result turns the frame that ended a run or a pending query into a Result.
func (c *call) result(f agent.Frame) (Result, error) {
	if f.Type == agent.FrameError {
		return Result{}, replyError(f)
	}
	if f.Type != agent.FrameExit {
		return Result{}, fmt.Errorf("agent serve: a run ended by frame type %d", f.Type)
	}
	var st agent.ExitStatus
	if err := st.UnmarshalBinary(f.Payload); err != nil {
		return Result{}, fmt.Errorf("agent serve: %w", err)
	}
	res := Result{ExitCode: st.Code, TimedOut: st.TimedOut, OutOfMemory: st.OutOfMemory, MemoryLimit: st.MemoryLimit}
	switch st.File {
	case agent.FileRead:
		res.File = c.data
		if res.File == nil {
			res.File = []byte{}
		}
	case agent.FileFailed:
		res.FileError = st.FileError
	}
	return res, nil
}

// Beat touches the heartbeat file (agent.Heartbeat) the idle agent watches. The
// agent touches it as soon as the request arrives, but its reply shares the
// stream with a running command's output: writers of a Run that block hold it up.
func (s *Session) Beat(ctx context.Context) error {
	f, err := s.call(ctx, &call{}, agent.FrameBeat, nil)
	if err == nil {
		err = okOrError(f)
	}
	if err != nil {
		return fmt.Errorf("beat in %s: %w", s.name, err)
	}
	return nil
}

// ReadFile returns at most max bytes of the regular file at path (symbolic links
// followed); a missing file is engine.ErrNotExist.
func (s *Session) ReadFile(ctx context.Context, path string, max int64) ([]byte, error) {
	payload, _ := agent.FileRequest{Path: path, Max: max}.MarshalBinary()
	c := &call{limit: int(min(max, 1<<40))}
	f, err := s.call(ctx, c, agent.FrameRead, payload)
	if err == nil {
		err = okOrError(f)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s in %s: %w", path, s.name, err)
	}
	if c.data == nil {
		return []byte{}, nil
	}
	return c.data, nil
}

// Remove removes a file; a missing one is not an error.
func (s *Session) Remove(ctx context.Context, path string) error {
	payload, _ := agent.FileRequest{Path: path}.MarshalBinary()
	f, err := s.call(ctx, &call{}, agent.FrameRemove, payload)
	if err == nil {
		err = okOrError(f)
	}
	if err != nil {
		return fmt.Errorf("remove %s in %s: %w", path, s.name, err)
	}
	return nil
}

// Pending asks for the outcome of run id, which an earlier session of the same
// container started and could not see end. It returns it once (a second query
// finds nothing); while that run is still going, Pending waits for its end (ctx
// bounds the wait). false means nothing is kept for id: it was delivered, or it
// never started, or its agent died.
func (s *Session) Pending(ctx context.Context, id uint64) (Result, bool, error) {
	c := &call{limit: agent.MaxResultFile}
	for i := range c.tails {
		c.tails[i].max = 2 * agent.TailMax
	}
	f, err := s.call(ctx, c, agent.FramePending, agent.MarshalU64(id))
	if err != nil {
		return Result{}, false, fmt.Errorf("pending result of run %d in %s: %w", id, s.name, err)
	}
	if f.Type == agent.FrameNone {
		return Result{}, false, nil
	}
	res, err := c.result(f)
	if err != nil {
		return Result{}, false, fmt.Errorf("pending result of run %d in %s: %w", id, s.name, err)
	}
	res.Stdout, res.Stderr = c.tails[0].bytes(), c.tails[1].bytes()
	return res, true, nil
}

func okOrError(f agent.Frame) error {
	switch f.Type {
	case agent.FrameOK:
		return nil
	case agent.FrameError:
		return replyError(f)
	}
	return fmt.Errorf("agent serve: unexpected reply type %d", f.Type)
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
