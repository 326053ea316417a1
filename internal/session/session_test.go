package session_test

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"

	"github.com/jenkins-paratest/jenkins-paratest/internal/agent"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
	"github.com/jenkins-paratest/jenkins-paratest/internal/session"
)

// run runs argv and fails the test if its fate is unknown.
func run(t *testing.T, s *session.Session, r session.Run) session.Result {
	t.Helper()
	res, err := s.Run(context.Background(), r)
	if err != nil {
		t.Fatalf("%v: %v", r.Argv, err)
	}
	return res
}

func sh(script string) []string { return []string{"/bin/sh", "-c", script} }

func TestManyTrivialCommands(t *testing.T) {
	s := open(t, start(t))
	for i := range 1000 {
		argv, want := []string{"/bin/true"}, 0
		switch i % 4 {
		case 1:
			argv, want = []string{"/bin/false"}, 1
		case 2:
			argv, want = []string{"/no/such/program"}, agent.ExitNotFound
		case 3:
			argv, want = sh("exit 42"), 42
		}
		res := run(t, s, session.Run{ID: uint64(i + 1), Argv: argv})
		if res.ExitCode != want || res.TimedOut || res.File != nil {
			t.Fatalf("run %d %v: %+v, want exit code %d", i, argv, res, want)
		}
	}
}

// lockedBuffer is a bytes.Buffer the test reads while the session writes to it.
type lockedBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	wrote chan struct{} // closed at the first write
	once  sync.Once
}

func newLockedBuffer() *lockedBuffer { return &lockedBuffer{wrote: make(chan struct{})} }

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.once.Do(func() { close(b.wrote) })
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestOutputStreamsSeparateAndIntact(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	out, errOut := make([]byte, 5<<20+17), make([]byte, 3<<20+5)
	for i := range out {
		out[i] = byte(rnd.Uint32())
	}
	for i := range errOut {
		errOut[i] = byte(i) // every byte value, NUL and \r included
	}
	c := start(t, engine.File{Path: "/in/out", Mode: 0o644, Data: out}, engine.File{Path: "/in/err", Mode: 0o644, Data: errOut})
	s := open(t, c)
	var o, e bytes.Buffer
	res := run(t, s, session.Run{ID: 1, Argv: sh("cat /in/out & cat /in/err >&2; wait"), Stdout: &o, Stderr: &e})
	if res.ExitCode != 0 {
		t.Fatalf("exit code %d; stderr %.200q", res.ExitCode, e.String())
	}
	if !bytes.Equal(o.Bytes(), out) {
		t.Errorf("stdout: %d bytes, want the %d written", o.Len(), len(out))
	}
	if !bytes.Equal(e.Bytes(), errOut) {
		t.Errorf("stderr: %d bytes, want the %d written", e.Len(), len(errOut))
	}
}

func TestEnvAndArgvVerbatim(t *testing.T) {
	s := open(t, start(t))
	var o bytes.Buffer
	args := []string{"a; rm -rf /", "$HOME", "*", "", "x\ny"}
	run(t, s, session.Run{ID: 1, Argv: append(sh(`printf '[%s]\n' "$@" "$PARATEST_ROUND"`), append([]string{"sh"}, args...)...),
		Env: []string{"PARATEST_ROUND=3"}, Stdout: &o})
	want := "[a; rm -rf /]\n[$HOME]\n[*]\n[]\n[x\ny]\n[3]\n"
	if o.String() != want {
		t.Errorf("printed %q, want %q", o.String(), want)
	}
}

func TestTimeoutKillsTheProcessGroup(t *testing.T) {
	s := open(t, start(t))
	var e bytes.Buffer
	begin := time.Now()
	res := run(t, s, session.Run{ID: 1, Argv: sh("sleep 300 & echo $! > /tmp/bg; sleep 300"), Timeout: 300 * time.Millisecond, Stderr: &e})
	if !res.TimedOut {
		t.Fatalf("%+v, want TimedOut", res)
	}
	if d := time.Since(begin); d > 5*time.Second {
		t.Errorf("took %s", d)
	}
	// The background sleeper went with the group (a zombie is gone too: PID 1 reaps).
	if res := run(t, s, session.Run{ID: 2, Argv: sh(`for i in $(seq 50); do kill -0 $(cat /tmp/bg) 2>/dev/null || exit 0; sleep 0.1; done; exit 1`)}); res.ExitCode != 0 {
		t.Error("the background process of the timed-out command still runs")
	}
	// A command's own 124 is not a timeout.
	if res := run(t, s, session.Run{ID: 3, Argv: sh("exit 124"), Timeout: time.Minute}); res.TimedOut || res.ExitCode != 124 {
		t.Errorf("exit 124: %+v", res)
	}
}

func TestResultFile(t *testing.T) {
	s := open(t, start(t))
	const file = "/tmp/out/junit.xml"
	run(t, s, session.Run{ID: 1, Argv: sh("mkdir -p /tmp/out; echo stale > " + file)})
	for i, tc := range []struct {
		script string
		want   []byte
	}{
		{"true", nil}, // the stale file was removed before the command started
		{": > " + file, []byte{}},
		{"printf '<testsuites/>' > " + file, []byte("<testsuites/>")},
	} {
		res := run(t, s, session.Run{ID: uint64(10 + i), Argv: sh(tc.script), ResultFile: file})
		if (res.File == nil) != (tc.want == nil) || !bytes.Equal(res.File, tc.want) {
			t.Errorf("%s: file %q (nil %v), want %q (nil %v)", tc.script, res.File, res.File == nil, tc.want, tc.want == nil)
		}
	}
	// A result file is left in place after the run: ReadFile and Remove reach it.
	ctx := context.Background()
	if data, err := s.ReadFile(ctx, file, 4); err != nil || string(data) != "<tes" {
		t.Errorf("ReadFile = %q, %v", data, err)
	}
	if err := s.Remove(ctx, file); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReadFile(ctx, file, 1<<20); !errors.Is(err, engine.ErrNotExist) || !strings.Contains(err.Error(), file) {
		t.Errorf("after Remove: err = %v, want ErrNotExist naming the file", err)
	}
	if err := s.Remove(ctx, file); err != nil {
		t.Errorf("removing a missing file: %v", err)
	}
	if _, err := s.ReadFile(ctx, "/tmp/out", 1<<20); err == nil || errors.Is(err, engine.ErrNotExist) {
		t.Errorf("directory: err = %v", err)
	}
}

// Beats and file reads are answered while a command runs.
func TestBeatWhileRunning(t *testing.T) {
	s := open(t, start(t))
	ctx := context.Background()
	out := newLockedBuffer()
	done := make(chan error, 1)
	go func() {
		_, err := s.Run(ctx, session.Run{ID: 1, Argv: sh("echo started; sleep 2"), Stdout: out})
		done <- err
	}()
	<-out.wrote
	for range 3 {
		begin := time.Now()
		if err := s.Beat(ctx); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(begin); d > time.Second {
			t.Errorf("a beat took %s while a command ran", d)
		}
	}
	if _, err := s.ReadFile(ctx, agent.Heartbeat, 10); err != nil {
		t.Errorf("heartbeat file: %v", err)
	}
	select {
	case err := <-done:
		t.Fatalf("the command ended before the beats: %v", err)
	default:
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestCancelKillsTheCommand(t *testing.T) {
	s := open(t, start(t))
	cause := errors.New("second interrupt")
	ctx, cancel := context.WithCancelCause(context.Background())
	out := newLockedBuffer()
	go func() {
		<-out.wrote
		cancel(cause)
	}()
	begin := time.Now()
	_, err := s.Run(ctx, session.Run{ID: 1, Argv: sh("echo $$ > /tmp/pid; echo started; sleep 300"), Stdout: out})
	if !errors.Is(err, cause) {
		t.Fatalf("err = %v, want the cause", err)
	}
	if d := time.Since(begin); d > 2*time.Second {
		t.Errorf("cancel took %s", d)
	}
	// The session goes on, and the command was killed.
	if res := run(t, s, session.Run{ID: 2, Argv: sh(`for i in $(seq 50); do kill -0 $(cat /tmp/pid) 2>/dev/null || exit 0; sleep 0.1; done; exit 1`)}); res.ExitCode != 0 {
		t.Error("the cancelled command still runs")
	}
}

func TestContainerKilledMidCommand(t *testing.T) {
	c := start(t)
	s := open(t, c)
	out := newLockedBuffer()
	go func() {
		<-out.wrote
		if err := fixture.raw.ContainerKill(context.Background(), c.ID(), "KILL"); err != nil {
			t.Error(err)
		}
	}()
	res, err := s.Run(context.Background(), session.Run{ID: 1, Argv: sh("echo started; sleep 300"), Stdout: out})
	if err == nil {
		t.Fatalf("Run = %+v, want an error", res)
	}
	if !errors.Is(err, engine.ErrContainerGone) {
		t.Errorf("err = %v, want ErrContainerGone", err)
	}
	t.Log(err)
	select {
	case <-s.Done():
		if !errors.Is(s.Err(), engine.ErrContainerGone) {
			t.Errorf("Err = %v", s.Err())
		}
	case <-time.After(5 * time.Second):
		t.Error("Done not closed")
	}
	if err := s.Beat(context.Background()); err == nil {
		t.Error("Beat on an ended session succeeded")
	}
}

func TestPendingAfterClose(t *testing.T) {
	c := start(t)
	s1 := open(t, c)
	out := newLockedBuffer()
	go func() {
		<-out.wrote
		s1.Close()
	}()
	script := "echo started; sleep 1; echo late; echo late-err >&2; printf result > /tmp/res; exit 7"
	_, err := s1.Run(context.Background(), session.Run{ID: 77, Argv: sh(script), ResultFile: "/tmp/res", Stdout: out})
	if !errors.Is(err, session.ErrClosed) {
		t.Fatalf("Run on a closed session: err = %v, want ErrClosed", err)
	}
	t.Log(err)
	s2 := open(t, c)
	ctx := context.Background()
	// Still running: Pending waits for its end.
	res, ok, err := s2.Pending(ctx, 77)
	if err != nil || !ok {
		t.Fatalf("Pending = %+v, %v, %v", res, ok, err)
	}
	want := session.Result{ExitCode: 7, File: []byte("result"), Stdout: []byte("late\n"), Stderr: []byte("late-err\n")}
	if res.ExitCode != want.ExitCode || res.TimedOut || string(res.File) != string(want.File) ||
		string(res.Stdout) != string(want.Stdout) || string(res.Stderr) != string(want.Stderr) {
		t.Errorf("Pending = %+v (stdout %q, stderr %q), want %+v", res, res.Stdout, res.Stderr, want)
	}
	if res, ok, err := s2.Pending(ctx, 77); ok || err != nil {
		t.Errorf("second Pending = %+v, %v, %v; want nothing", res, ok, err)
	}
	// A run that was delivered leaves nothing behind.
	run(t, s2, session.Run{ID: 78, Argv: []string{"/bin/true"}})
	if res, ok, err := s2.Pending(ctx, 78); ok || err != nil {
		t.Errorf("Pending of a delivered run = %+v, %v, %v", res, ok, err)
	}
	if data, err := s2.ReadFile(ctx, agent.PendingDir+"/78.result", 100); !errors.Is(err, engine.ErrNotExist) {
		t.Errorf("a delivered run's outcome was kept: %q, %v", data, err)
	}
}

// The agent of an image that lacks `agent serve` (an older binary) says so.
func TestOpenWithoutServe(t *testing.T) {
	c := start(t, engine.File{Path: agent.Path + "-old", Mode: 0o755, Data: []byte("#!/bin/sh\necho 'agent: unknown subcommand \"serve\"' >&2; exit 2\n")})
	run(t, open(t, c), session.Run{ID: 1, Argv: sh("cp " + agent.Path + "-old " + agent.Path + ".new && mv " + agent.Path + ".new " + agent.Path)})
	_, err := session.Open(context.Background(), c)
	if err == nil || !strings.Contains(err.Error(), "unknown subcommand") {
		t.Errorf("err = %v, want the agent's message", err)
	}
	t.Log(err)
}

func TestOpenOnRemovedContainer(t *testing.T) {
	c := start(t)
	if err := fixture.raw.ContainerRemove(context.Background(), c.ID(), container.RemoveOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	_, err := session.Open(context.Background(), c)
	if err == nil {
		t.Fatal("Open succeeded")
	}
	t.Log(err)
}
