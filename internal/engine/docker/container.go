package docker

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/docker/docker/api/types"
	containertypes "github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
)

// container is a started container on an Engine.
type container struct {
	e  *Engine
	id string
}

func (c *container) ID() string { return c.id }

// Exec runs spec.Cmd to completion. Output is demultiplexed with stdcopy, which is
// right because containers are created without a TTY. When ctx ends first, the
// stream is closed and the error wraps ctx's cause; the process itself keeps running
// until the container is removed.
func (c *container) Exec(ctx context.Context, spec engine.ExecSpec) (int, error) {
	code, err := c.exec(ctx, spec)
	if err != nil {
		return -1, fmt.Errorf("exec in %s on %s: %w", shortID(c.id), c.e.host, err)
	}
	return code, nil
}

func (c *container) exec(ctx context.Context, spec engine.ExecSpec) (int, error) {
	if len(spec.Cmd) == 0 {
		return -1, errors.New("empty command")
	}
	cli := c.e.cli
	created, err := cli.ContainerExecCreate(ctx, c.id, containertypes.ExecOptions{
		AttachStdin:  spec.Stdin != nil,
		AttachStdout: true,
		AttachStderr: true,
		Env:          spec.Env,
		Cmd:          spec.Cmd,
	})
	if err != nil {
		if isConflict(err) || isNotFound(err) { // "is not running", "no such container"
			if gone := c.alive(ctx); errors.Is(gone, engine.ErrContainerGone) {
				return -1, fmt.Errorf("create: %w", gone)
			}
		}
		return -1, fmt.Errorf("create: %w", ctxErr(ctx, err))
	}
	resp, err := cli.ContainerExecAttach(ctx, created.ID, containertypes.ExecAttachOptions{})
	if err != nil {
		return -1, fmt.Errorf("attach: %w", ctxErr(ctx, err))
	}
	defer resp.Close()
	// A hijacked connection no longer watches ctx: closing it is what interrupts
	// the read below.
	stop := context.AfterFunc(ctx, resp.Close)
	if spec.Stdin != nil {
		go copyStdin(&resp, spec.Stdin)
	}
	_, err = stdcopy.StdCopy(orDiscard(spec.Stdout), orDiscard(spec.Stderr), resp.Reader)
	if !stop() {
		return -1, fmt.Errorf("read output: %w", ctxErr(ctx, err))
	}
	if err != nil {
		return -1, fmt.Errorf("read output: %w", err)
	}
	code, err := c.exitCode(ctx, created.ID)
	if err != nil {
		return -1, err
	}
	// A command whose container was killed (docker kill, OOM, a reboot) ends too,
	// but its exit code says nothing about the test: that is a lost command. The
	// engine may record the command's death by signal a moment before the
	// container's, so such an exit is looked at a few times.
	checks := 1
	if code >= 128 {
		checks = 10
	}
	for i := range checks {
		if err := c.alive(ctx); err != nil {
			return -1, err
		}
		if i+1 < checks {
			t := time.NewTimer(50 * time.Millisecond)
			select {
			case <-ctx.Done():
				t.Stop()
				return -1, fmt.Errorf("inspect container: %w", ctxCause(ctx))
			case <-t.C:
			}
		}
	}
	return code, nil
}

// alive returns engine.ErrContainerGone, with what is known of why, when the
// container no longer runs.
func (c *container) alive(ctx context.Context) error {
	ins, err := c.e.cli.ContainerInspect(ctx, c.id)
	if isNotFound(err) {
		return fmt.Errorf("%w: removed", engine.ErrContainerGone)
	}
	if err != nil {
		return fmt.Errorf("inspect container: %w", ctxErr(ctx, err))
	}
	if st := ins.State; st != nil && !st.Running {
		why := fmt.Sprintf("%s, exit code %d", st.Status, st.ExitCode)
		if st.OOMKilled {
			why += ", killed for lack of memory (OOM)"
		}
		return fmt.Errorf("%w: %s", engine.ErrContainerGone, why)
	}
	return nil
}

// exitCode waits for the exec to be recorded as finished. The output stream can end
// before that (the engine closes it first, or the process closed its stdout and
// stderr and runs on), and the exit code of a running exec reads as 0.
func (c *container) exitCode(ctx context.Context, execID string) (int, error) {
	delay := 5 * time.Millisecond
	for {
		ins, err := c.e.cli.ContainerExecInspect(ctx, execID)
		if err != nil {
			return -1, fmt.Errorf("inspect: %w", ctxErr(ctx, err))
		}
		if !ins.Running {
			return ins.ExitCode, nil
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return -1, fmt.Errorf("wait for exit: %w", ctxCause(ctx))
		case <-t.C:
		}
		delay = min(2*delay, time.Second)
	}
}

// copyStdin copies stdin to the command and half-closes the connection at its end,
// which the engine passes on as the end of the command's standard input. Errors
// are not reported here: a connection that broke ends the output stream too, and
// Exec reports that; a Stdin that failed ends the input like EOF does.
func copyStdin(resp *types.HijackedResponse, stdin io.Reader) {
	if _, err := io.Copy(resp.Conn, stdin); err != nil {
		slog.Debug("exec stdin", "err", err)
	}
	_ = resp.CloseWrite() // without CloseWrite (an unusual connection) the input ends with the exec
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// ReadFile returns at most limit bytes of the regular file at path.
func (c *container) ReadFile(ctx context.Context, path string, limit int64) ([]byte, error) {
	data, err := c.readFile(ctx, path, limit)
	if err != nil {
		return nil, fmt.Errorf("read %s in %s on %s: %w", path, shortID(c.id), c.e.host, err)
	}
	return data, nil
}

func (c *container) readFile(ctx context.Context, path string, limit int64) ([]byte, error) {
	rc, _, err := c.e.cli.CopyFromContainer(ctx, c.id, path)
	if err != nil {
		if isNotFound(err) {
			return nil, engine.ErrNotExist
		}
		return nil, ctxErr(ctx, err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	hdr, err := tr.Next()
	if err != nil {
		return nil, fmt.Errorf("read archive: %w", ctxErr(ctx, err))
	}
	switch mode := hdr.FileInfo().Mode(); {
	case mode.IsDir():
		return nil, errors.New("is a directory")
	case hdr.Typeflag == tar.TypeSymlink:
		return nil, fmt.Errorf("is a symbolic link to %s", hdr.Linkname)
	case !mode.IsRegular():
		return nil, fmt.Errorf("not a regular file (%s)", mode.Type())
	}
	data, err := io.ReadAll(io.LimitReader(tr, max(limit, 0)))
	if err != nil {
		return nil, fmt.Errorf("read archive: %w", ctxErr(ctx, err))
	}
	return data, nil
}

// Remove force-removes the container and its anonymous volumes.
func (c *container) Remove(ctx context.Context) error {
	err := c.e.cli.ContainerRemove(ctx, c.id, containertypes.RemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("remove container %s on %s: %w", shortID(c.id), c.e.host, ctxErr(ctx, err))
	}
	return nil
}

// Logs follows the container's output from its start with stdcopy (no TTY)
// until its main process ends or ctx is done.
func (c *container) Logs(ctx context.Context, stdout, stderr io.Writer) error {
	rc, err := c.e.cli.ContainerLogs(ctx, c.id, containertypes.LogsOptions{ShowStdout: true, ShowStderr: true, Follow: true})
	if err != nil {
		return fmt.Errorf("logs of %s on %s: %w", shortID(c.id), c.e.host, ctxErr(ctx, err))
	}
	defer rc.Close()
	stop := context.AfterFunc(ctx, func() { rc.Close() })
	defer stop()
	if _, err := stdcopy.StdCopy(orDiscard(stdout), orDiscard(stderr), rc); err != nil && ctx.Err() == nil {
		return fmt.Errorf("logs of %s on %s: %w", shortID(c.id), c.e.host, err)
	}
	return ctx.Err()
}
