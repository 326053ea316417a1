package docker_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
)

func TestExecExitCode(t *testing.T) {
	e := setup(t)
	c := start(t, e, engine.ContainerSpec{})
	for _, want := range []int{0, 3} {
		if _, _, code := run(t, c, nil, "exit", fmt.Sprint(want)); code != want {
			t.Errorf("exit %d: code = %d", want, code)
		}
	}
}

func TestExecStreams(t *testing.T) {
	e := setup(t)
	c := start(t, e, engine.ContainerSpec{})
	if out, errOut, _ := run(t, c, nil, "echo", "to", "stdout"); out != "to stdout\n" || errOut != "" {
		t.Errorf("echo: stdout %q, stderr %q", out, errOut)
	}
	if out, errOut, _ := run(t, c, nil, "stderr", "to stderr"); out != "" || errOut != "to stderr\n" {
		t.Errorf("stderr: stdout %q, stderr %q", out, errOut)
	}
	// nil writers discard, and the exit code still arrives.
	code, err := c.Exec(context.Background(), engine.ExecSpec{Cmd: []string{"/tool", "spam", "10000"}})
	if err != nil || code != 0 {
		t.Errorf("spam with nil writers: code %d, err %v", code, err)
	}
}

func TestExecArgvVerbatim(t *testing.T) {
	e := setup(t)
	c := start(t, e, engine.ContainerSpec{})
	args := []string{"a; rm -rf /", "$HOME", "*", "", `it's "quoted"`, "x\ny"}
	out, _, _ := run(t, c, nil, append([]string{"args"}, args...)...)
	var want strings.Builder
	for _, a := range args {
		fmt.Fprintf(&want, "%q\n", a)
	}
	if out != want.String() {
		t.Errorf("args arrived as\n%s\nwant\n%s", out, want.String())
	}
}

func TestExecEnv(t *testing.T) {
	e := setup(t)
	c := start(t, e, engine.ContainerSpec{Env: []string{"FROM_START=start", "BOTH=start"}})
	for _, tc := range []struct {
		env       []string
		key, want string
	}{
		{nil, "FROM_START", "start\n"},
		{[]string{"FROM_EXEC=exec"}, "FROM_EXEC", "exec\n"},
		{[]string{"BOTH=exec"}, "BOTH", "exec\n"},
	} {
		if out, _, _ := run(t, c, tc.env, "env", tc.key); out != tc.want {
			t.Errorf("env %v: %s = %q, want %q", tc.env, tc.key, out, tc.want)
		}
	}
}

func TestReadFile(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	c := start(t, e, engine.ContainerSpec{Files: []engine.File{{Path: "/in/given", Data: []byte("given")}}})
	run(t, c, nil, "write", "/out/report.xml", "<testsuites/>")

	for _, tc := range []struct {
		path  string
		limit int64
		want  string
	}{
		{"/in/given", 1 << 20, "given"},
		{"/out/report.xml", 1 << 20, "<testsuites/>"},
		{"/out/report.xml", 4, "<tes"},
	} {
		got, err := c.ReadFile(ctx, tc.path, tc.limit)
		if err != nil || string(got) != tc.want {
			t.Errorf("ReadFile(%s, %d) = %q, %v; want %q", tc.path, tc.limit, got, err, tc.want)
		}
	}

	_, err := c.ReadFile(ctx, "/out/missing.xml", 1<<20)
	if !errors.Is(err, engine.ErrNotExist) || !strings.Contains(err.Error(), "/out/missing.xml") {
		t.Errorf("missing file: err = %v, want ErrNotExist naming the path", err)
	}
	_, err = c.ReadFile(ctx, "/out", 1<<20)
	if err == nil || errors.Is(err, engine.ErrNotExist) {
		t.Errorf("directory: err = %v, want a not-a-file error", err)
	}
}

// signalWriter closes ready at its first write.
type signalWriter struct {
	once  sync.Once
	ready chan struct{}
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.once.Do(func() { close(w.ready) })
	return len(p), nil
}

// A cancelled ctx ends an exec whose command would never end: the test hangs
// (and times out) if it does not.
func TestExecCancel(t *testing.T) {
	e := setup(t)
	c := start(t, e, engine.ContainerSpec{})
	cause := errors.New("second interrupt")
	for _, tc := range []struct {
		name  string
		cause error
	}{
		{"cancel", nil},
		{"cancel with cause", cause},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			w := &signalWriter{ready: make(chan struct{})}
			go func() {
				<-w.ready // the command runs and its output streams
				cancel(tc.cause)
			}()
			_, err := c.Exec(ctx, engine.ExecSpec{Cmd: []string{"/tool", "sleep"}, Stdout: w})
			if !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
			if tc.cause != nil && !errors.Is(err, tc.cause) {
				t.Errorf("err = %v, want the cause %v", err, tc.cause)
			}
		})
	}
	t.Run("before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := c.Exec(ctx, engine.ExecSpec{Cmd: []string{"/tool", "echo"}}); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
	// The container outlives its cancelled execs.
	if out, _, _ := run(t, c, nil, "echo", "alive"); out != "alive\n" {
		t.Errorf("after cancel: %q", out)
	}
}

// Many workers share one Engine, each driving its own Container; run with -race.
func TestConcurrentExec(t *testing.T) {
	e := setup(t)
	const workers, rounds, lines = 4, 5, 2000
	containers := make([]engine.Container, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			c, err := e.Start(context.Background(), engine.ContainerSpec{
				Image: imageRef, Cmd: []string{"/tool", "sleep"}, Labels: labelsFor(t, nil),
			})
			containers[i], errs[i] = c, err
		})
	}
	wg.Wait()
	for i, c := range containers {
		if c != nil {
			t.Cleanup(func() {
				if err := c.Remove(context.Background()); err != nil {
					t.Error(err)
				}
			})
		}
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
	}
	for i, c := range containers {
		wg.Go(func() {
			for r := range rounds {
				var out, errOut bytes.Buffer
				code, err := c.Exec(context.Background(), engine.ExecSpec{
					Cmd: []string{"/tool", "spam", fmt.Sprint(lines)}, Env: []string{fmt.Sprintf("ROUND=%d", r)},
					Stdout: &out, Stderr: &errOut,
				})
				switch {
				case err != nil:
					errs[i] = err
				case code != 0:
					errs[i] = fmt.Errorf("worker %d round %d: exit code %d", i, r, code)
				case strings.Count(out.String(), "out ") != lines || strings.Count(errOut.String(), "err ") != lines:
					errs[i] = fmt.Errorf("worker %d round %d: got %d stdout and %d stderr lines, want %d each",
						i, r, strings.Count(out.String(), "\n"), strings.Count(errOut.String(), "\n"), lines)
				}
				if errs[i] != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}
