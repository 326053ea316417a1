package runner

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// fakeEngine is an in-process engine for the runner's own logic — losing leases,
// rounds — where faults must happen exactly when a test says. The real engine is
// exercised end to end in e2e/.
type fakeEngine struct {
	mu      sync.Mutex
	started int
	// run decides what a test command does on a worker: its exit code, or an
	// error for a lost command.
	run func(worker, id string, round int) (int, error)
}

func (f *fakeEngine) Host() string { return "local" }
func (f *fakeEngine) Info(context.Context) (engine.Info, error) {
	return engine.Info{Host: "local", ServerVersion: "fake", APIVersion: "1.41", CPUs: 2}, nil
}
func (f *fakeEngine) Image(_ context.Context, ref string, _ engine.PullPolicy, _ io.Writer) (engine.ImageInfo, error) {
	return engine.ImageInfo{Ref: ref, ID: "sha256:fake"}, nil
}
func (f *fakeEngine) SaveImage(context.Context, string) (io.ReadCloser, error) {
	return nil, errors.New("not supported")
}
func (f *fakeEngine) LoadImage(context.Context, io.Reader) error { return errors.New("not supported") }
func (f *fakeEngine) RemoveAll(context.Context, map[string]string) ([]string, error) {
	return nil, nil
}
func (f *fakeEngine) Close() error { return nil }

func (f *fakeEngine) Start(_ context.Context, spec engine.ContainerSpec) (engine.Container, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.started++
	return &fakeContainer{f: f, worker: spec.Labels[LabelWorker]}, nil
}

type fakeContainer struct {
	f      *fakeEngine
	worker string
}

func (c *fakeContainer) ID() string { return "fake" + c.worker }
func (c *fakeContainer) Exec(_ context.Context, spec engine.ExecSpec) (int, error) {
	argv := spec.Cmd
	if strings.Contains(strings.Join(argv, " "), "agent beat") {
		return 0, nil
	}
	round := 1
	for _, e := range spec.Env {
		if e == "PARATEST_ROUND=2" {
			round = 2
		} else if e == "PARATEST_ROUND=3" {
			round = 3
		}
	}
	return c.f.run("w"+c.worker, argv[len(argv)-1], round)
}
func (c *fakeContainer) ReadFile(context.Context, string, int64) ([]byte, error) {
	return nil, engine.ErrNotExist
}
func (c *fakeContainer) Remove(context.Context) error { return nil }

// fakeRun runs ids on 2 fake workers and returns the run and the console.
func fakeRun(t *testing.T, ids []string, run func(worker, id string, round int) (int, error)) (*result.Run, string) {
	t.Helper()
	agentBin := "/bin/busybox" // any static ELF: the fake engine never runs it
	if _, err := os.Stat(agentBin); err != nil {
		t.Skip("needs a static binary at /bin/busybox (apt-get install busybox-static)")
	}
	dir := t.TempDir()
	tests := filepath.Join(dir, "tests.txt")
	os.WriteFile(tests, []byte(strings.Join(ids, "\n")), 0o644)
	cfg := &config.Config{
		Image: "fake", Pull: engine.PullNever, Workers: 2, Tests: tests,
		Command: config.Command{Argv: []string{"run"}}, Batch: 1,
		Results: config.Results{Kind: config.ResultsExitCode}, RunID: "unit", Out: filepath.Join(dir, "out"),
		Stream: config.StreamNone, Color: "never", MaxLost: 3, ReconnectInterval: time.Millisecond,
		OrphanTTL: time.Minute, RerunThreshold: 0.5, MaxReruns: 2,
	}
	var out bytes.Buffer
	r, err := Run(context.Background(), cfg, Options{Stdout: &out, AgentPath: agentBin, Engine: &fakeEngine{run: run}})
	if err != nil && r == nil {
		t.Fatalf("Run: %v\n%s", err, out.String())
	}
	return r, out.String()
}

func attempts(r *result.Run, id string) []result.Attempt {
	for _, t := range r.Tests {
		if t.ID == id {
			return t.Attempts
		}
	}
	return nil
}

var errLost = errors.New("connection reset")

// A lost command is not an attempt: its test goes back to the queue and gets
// exactly one verdict from the worker that runs it next.
func TestLostBatchIsRequeuedNotFailed(t *testing.T) {
	var mu sync.Mutex
	lost := false
	r, console := fakeRun(t, []string{"a", "b", "c"}, func(worker, id string, _ int) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		if id == "b" && !lost {
			lost = true
			return -1, errLost
		}
		return 0, nil
	})
	if got := attempts(r, "b"); len(got) != 1 || got[0].Status != result.Passed {
		t.Fatalf("b: attempts %+v, want one pass", got)
	}
	if c := r.Counts(); c.Passed != 3 || c.Failed != 0 {
		t.Errorf("counts %+v", c)
	}
	if !strings.Contains(console, "back in the queue") {
		t.Errorf("console does not say b went back to the queue:\n%s", console)
	}
}

// A test lost max_lost times gets an error verdict naming where it was lost.
func TestTestLostMaxLostTimesErrors(t *testing.T) {
	r, _ := fakeRun(t, []string{"a", "killer"}, func(worker, id string, _ int) (int, error) {
		if id == "killer" {
			return -1, errLost
		}
		return 0, nil
	})
	got := attempts(r, "killer")
	if len(got) == 0 || got[0].Status != result.Errored || !strings.Contains(got[0].Message, "didn't run because of a timeout or a drop: lost on local/w") {
		t.Fatalf("killer: %+v, want an error naming the workers it was lost on", got)
	}
	if strings.Count(got[0].Message, "local/w") != 3 {
		t.Errorf("message %q does not name 3 losses", got[0].Message)
	}
	if a := attempts(r, "a"); len(a) != 1 || a[0].Status != result.Passed {
		t.Errorf("a: %+v, want one pass", a)
	}
}

// A test failing in round 1 only is rerun on the other worker and is flaky.
func TestFlakyTestIsRerunElsewhere(t *testing.T) {
	r, _ := fakeRun(t, []string{"a", "b", "flaky", "d"}, func(worker, id string, round int) (int, error) {
		if id == "flaky" && round == 1 {
			return 1, nil
		}
		return 0, nil
	})
	got := attempts(r, "flaky")
	if len(got) != 2 || got[0].Status != result.Failed || got[1].Status != result.Passed || got[1].Round != 2 {
		t.Fatalf("flaky: %+v, want a failure in round 1 and a pass in round 2", got)
	}
	if got[0].Worker == got[1].Worker {
		t.Errorf("the rerun ran on %s again", got[0].Worker)
	}
	if c := r.Counts(); c.Flaky != 1 || c.Failed != 0 || r.Rounds != 2 {
		t.Errorf("counts %+v, rounds %d", c, r.Rounds)
	}
}

// Failures above rerun_threshold are not rerun, and the run says why.
func TestNoRerunAboveThreshold(t *testing.T) {
	r, _ := fakeRun(t, []string{"a", "b", "c"}, func(worker, id string, round int) (int, error) {
		if id != "a" {
			return 1, nil
		}
		return 0, nil
	})
	if got := attempts(r, "b"); len(got) != 1 {
		t.Errorf("b ran %d times, want 1", len(got))
	}
	if !strings.Contains(r.RerunSkipped, "2 of 3 tests failed") {
		t.Errorf("RerunSkipped = %q", r.RerunSkipped)
	}
}
