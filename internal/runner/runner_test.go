package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/agent"
	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// fakeEngine is an in-process engine for the runner's own logic — losing leases,
// rounds — where faults must happen exactly when a test says. The real engine is
// exercised end to end in e2e/.
type fakeEngine struct {
	mu           sync.Mutex
	started      int
	removeAlls   int
	removeStales int
	live         int   // running containers of another run with the run's id
	startErr     error // every container start fails with it
	// run decides what a test command does on a worker: its exit code, or an
	// error for a lost command.
	run func(worker, id string, round int) (int, error)
	// batch, when set, decides instead the verdicts of a whole batch — passed or
	// not, by id — which the container reports as a JUnit file (results: junit).
	batch func(ids []string) map[string]bool
	// listing is what the list command prints, one id a line; the workers that
	// ran it are counted in listedOn.
	listing  string
	listedOn []string
	// specs are the containers started; networks the networks made and
	// removed, in order ("+name", "-labels").
	specs    []engine.ContainerSpec
	networks []string
	// ready, when set, answers a service's readiness check: its exit code,
	// or an error (engine.ErrContainerGone: the service ended).
	ready func(service, worker string) (int, error)
	// serviceLog is what every service's container prints.
	serviceLog string
	// hang, when it says so for a worker, makes its container's start wait
	// until it is called off.
	hang func(worker string) bool
	// removals are the labels of every RemoveAll; execs every command run
	// outside a session ("worker: argv").
	removals []map[string]string
	execs    []string
	// removeFails is how many RemoveAll calls fail (a host gone as the run
	// ends) before they succeed.
	removeFails int
}

func (f *fakeEngine) Host() string { return "local" }
func (f *fakeEngine) Info(context.Context) (engine.Info, error) {
	return engine.Info{Host: "local", ServerVersion: "fake", APIVersion: "1.41", CPUs: 2}, nil
}
func (f *fakeEngine) Image(_ context.Context, ref string, _ engine.PullPolicy, _ io.Writer) (engine.ImageInfo, error) {
	if strings.HasPrefix(ref, "svc/") { // a service's: its own entrypoint and command
		return engine.ImageInfo{Ref: ref, ID: "sha256:svc", Entrypoint: []string{"entry.sh"}, Cmd: []string{ref[4:] + "-server"}}, nil
	}
	return engine.ImageInfo{Ref: ref, ID: "sha256:fake"}, nil
}
func (f *fakeEngine) SaveImage(context.Context, string) (io.ReadCloser, error) {
	return nil, errors.New("not supported")
}
func (f *fakeEngine) LoadImage(context.Context, io.Reader) error { return errors.New("not supported") }
func (f *fakeEngine) Volume(context.Context, string, string, map[string]string, map[string]string, []engine.File) error {
	return nil
}
func (f *fakeEngine) RemoveVolumes(context.Context, map[string]string) ([]string, error) {
	return nil, nil
}
func (f *fakeEngine) Network(_ context.Context, name string, _ map[string]string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.networks = append(f.networks, "+"+name)
	return nil
}
func (f *fakeEngine) RemoveNetworks(_ context.Context, labels map[string]string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	keys := slices.Sorted(maps.Keys(labels))
	var kv []string
	for _, k := range keys {
		kv = append(kv, k+"="+labels[k])
	}
	f.networks = append(f.networks, "-"+strings.Join(kv, ","))
	return nil, nil
}
func (f *fakeEngine) RemoveAll(_ context.Context, labels map[string]string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.removeAlls++
	f.removals = append(f.removals, labels)
	if f.removeFails > 0 {
		f.removeFails--
		return nil, errLost
	}
	return nil, nil
}
func (f *fakeEngine) RemoveStale(context.Context, map[string]string) ([]string, int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.removeStales++
	return nil, f.live, nil
}
func (f *fakeEngine) Close() error { return nil }

func (f *fakeEngine) Start(ctx context.Context, spec engine.ContainerSpec) (engine.Container, error) {
	if f.hang != nil && f.hang(spec.Labels[LabelWorker]) { // a pod no node takes
		<-ctx.Done()
		return nil, context.Cause(ctx)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.startErr != nil {
		return nil, f.startErr
	}
	f.started++
	f.specs = append(f.specs, spec)
	return &fakeContainer{f: f, worker: spec.Labels[LabelWorker], service: spec.Labels[LabelService]}, nil
}

type fakeContainer struct {
	f       *fakeEngine
	worker  string
	service string // the service it runs; "" for a worker
	junit   []byte // the last batch's JUnit file

	mu   sync.Mutex
	kept map[uint64]int // exit codes of commands whose stream broke, by run id
}

// errCutKept breaks a command's stream, as a lost SSH connection does, while
// the agent finishes the command and keeps its result (exit code 0).
var errCutKept = errors.New("stream cut, result kept")

// errCutAfter breaks the stream just after the command's result was sent: the
// worker is between two batches when it breaks.
var errCutAfter = errors.New("stream cut after the result")

func (c *fakeContainer) ID() string { return "fake" + c.worker }
func (c *fakeContainer) Exec(ctx context.Context, spec engine.ExecSpec) (int, error) {
	if slices.Equal(spec.Cmd, []string{agent.Path, "agent", "serve"}) {
		return c.serve(ctx, spec)
	}
	c.f.mu.Lock()
	c.f.execs = append(c.f.execs, c.worker+": "+strings.Join(spec.Cmd, " "))
	c.f.mu.Unlock()
	if c.service != "" && c.f.ready != nil {
		return c.f.ready(c.service, c.worker)
	}
	return 0, nil // a beat, a removal, a readiness check
}

// serve is `agent serve` over the exec's stdin and stdout, with every command
// answered by command.
func (c *fakeContainer) serve(ctx context.Context, spec engine.ExecSpec) (int, error) {
	out := spec.Stdout
	if err := agent.WriteFrame(out, agent.Frame{Type: agent.FrameHello, Payload: []byte{0, 0, 0, agent.ProtocolVersion}}); err != nil {
		return -1, err
	}
	for {
		f, err := agent.ReadFrame(spec.Stdin)
		if err != nil {
			return 0, nil // the session was closed
		}
		switch f.Type {
		case agent.FrameRun:
			var req agent.RunRequest
			if err := req.UnmarshalBinary(f.Payload); err != nil {
				return -1, err
			}
			if slices.Contains(req.Env, listingEnv) {
				c.f.mu.Lock()
				c.f.listedOn = append(c.f.listedOn, c.worker)
				c.f.mu.Unlock()
				agent.WriteFrame(out, agent.Frame{Type: agent.FrameStdout, Tag: f.Tag, Payload: []byte(c.f.listing)})
				payload, _ := agent.ExitStatus{}.MarshalBinary()
				agent.WriteFrame(out, agent.Frame{Type: agent.FrameExit, Tag: f.Tag, Payload: payload})
				continue
			}
			code, err := c.command(req.Argv, req.Env)
			if errors.Is(err, errCutKept) {
				c.mu.Lock()
				if c.kept == nil {
					c.kept = map[uint64]int{}
				}
				c.kept[req.ID] = 0
				c.mu.Unlock()
			}
			if err != nil && !errors.Is(err, errCutAfter) {
				return -1, err // the stream breaks: the batch is lost
			}
			st := agent.ExitStatus{Code: code}
			if req.ResultFile != "" {
				st.File = agent.FileMissing
				if c.junit != nil {
					st.File = agent.FileRead
					agent.WriteFrame(out, agent.Frame{Type: agent.FrameData, Tag: f.Tag, Payload: c.junit})
				}
			}
			payload, _ := st.MarshalBinary()
			agent.WriteFrame(out, agent.Frame{Type: agent.FrameExit, Tag: f.Tag, Payload: payload})
			if err != nil {
				return -1, err // errCutAfter
			}
		case agent.FramePending:
			id, _ := agent.UnmarshalU64(f.Payload)
			c.mu.Lock()
			code, ok := c.kept[id]
			delete(c.kept, id)
			c.mu.Unlock()
			if !ok {
				agent.WriteFrame(out, agent.Frame{Type: agent.FrameNone, Tag: f.Tag})
				continue
			}
			payload, _ := agent.ExitStatus{Code: code}.MarshalBinary()
			agent.WriteFrame(out, agent.Frame{Type: agent.FrameExit, Tag: f.Tag, Payload: payload})
		case agent.FrameBeat, agent.FrameRemove:
			agent.WriteFrame(out, agent.Frame{Type: agent.FrameOK, Tag: f.Tag})
		case agent.FrameAck, agent.FrameCancel:
		default:
			return -1, fmt.Errorf("fake agent: frame type %d", f.Type)
		}
	}
}

// command runs one command of a batch (or setup) the way the test says.
func (c *fakeContainer) command(argv, env []string) (int, error) {
	round := 1
	for _, e := range env {
		if n, ok := strings.CutPrefix(e, "PARATEST_ROUND="); ok {
			round, _ = strconv.Atoi(n)
		}
	}
	c.junit = nil
	if c.f.batch != nil {
		ids := argv[slices.Index(argv, "run")+1:]
		pass := c.f.batch(ids)
		var b strings.Builder
		b.WriteString("<testsuite>")
		for _, id := range ids {
			b.WriteString(`<testcase classname="t" name="` + id + `">`)
			if !pass[id] {
				b.WriteString(`<failure message="no"/>`)
			}
			b.WriteString("</testcase>")
		}
		b.WriteString("</testsuite>")
		c.junit = []byte(b.String())
		if slices.ContainsFunc(ids, func(id string) bool { return !pass[id] }) {
			return 1, nil
		}
		return 0, nil
	}
	return c.f.run("w"+c.worker, argv[len(argv)-1], round)
}
func (c *fakeContainer) ReadFile(context.Context, string, int64) ([]byte, error) {
	return nil, engine.ErrNotExist
}
func (c *fakeContainer) Remove(context.Context) error { return nil }
func (c *fakeContainer) Logs(ctx context.Context, stdout, _ io.Writer) error {
	if c.service != "" {
		io.WriteString(stdout, c.f.serviceLog)
	}
	<-ctx.Done()
	return ctx.Err()
}

// fakeRun runs ids on 2 fake workers and returns the run and the console.
func fakeRun(t *testing.T, ids []string, run func(worker, id string, round int) (int, error)) (*result.Run, string) {
	t.Helper()
	return fakeRunWith(t, ids, &fakeEngine{run: run}, nil)
}

// fakeRunWith is fakeRun on a given engine, with the configuration changed by
// change.
func fakeRunWith(t *testing.T, ids []string, eng *fakeEngine, change func(*config.Config)) (*result.Run, string) {
	t.Helper()
	r, out, err := fakeRunErr(t, ids, eng, change)
	if err != nil && r == nil {
		t.Fatalf("Run: %v\n%s", err, out)
	}
	return r, out
}

// fakeRunErr is fakeRunWith returning Run's error as well.
func fakeRunErr(t *testing.T, ids []string, eng *fakeEngine, change func(*config.Config)) (*result.Run, string, error) {
	t.Helper()
	var out bytes.Buffer
	r, err := fakeRunTo(t, ids, eng, &out, change)
	return r, out.String(), err
}

// fakeRunEngine is fakeRunErr on any engine.
func fakeRunEngine(t *testing.T, ids []string, eng engine.Engine, change func(*config.Config)) (*result.Run, string, error) {
	t.Helper()
	var out bytes.Buffer
	r, err := fakeRunTo(t, ids, eng, &out, change)
	return r, out.String(), err
}

// fakeRunTo runs ids on eng, its console going to stdout.
func fakeRunTo(t *testing.T, ids []string, eng engine.Engine, stdout io.Writer, change func(*config.Config)) (*result.Run, error) {
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
	if change != nil {
		change(cfg)
	}
	return Run(context.Background(), cfg, Options{Stdout: stdout, AgentPath: agentBin, Engine: eng})
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
	// The worker's container was lost, not its host, whose engine answers.
	if strings.Contains(console, "is back") {
		t.Errorf("one lost container took its host down:\n%s", console)
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
	if len(got) == 0 || got[0].Status != result.Errored || got[0].Cause() != result.Lost || !strings.Contains(got[0].Message(), "didn't run because of a timeout or a drop: lost on local/w") {
		t.Fatalf("killer: %+v, want an error for being lost, naming the workers it was lost on", got)
	}
	if strings.Count(got[0].Message(), "local/w") != 3 {
		t.Errorf("message %q does not name 3 losses", got[0].Message())
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

// A test that fails whenever it runs apart from the test it needs, listed before
// it, gets the serial run's verdict (passed), and the bisection names that test.
// A test that fails after its predecessors too stays failed.
func TestOrderDependentTestGetsTheSerialVerdict(t *testing.T) {
	ids := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "needs-c", "broken"}
	var mu sync.Mutex
	var batches [][]string
	eng := &fakeEngine{batch: func(batch []string) map[string]bool {
		mu.Lock()
		batches = append(batches, batch)
		mu.Unlock()
		pass := map[string]bool{}
		seenC := false
		for _, id := range batch {
			switch id {
			case "c":
				seenC = true
				pass[id] = true
			case "needs-c":
				pass[id] = seenC
			case "broken":
			default:
				pass[id] = true
			}
		}
		return pass
	}}
	r, console := fakeRunWith(t, ids, eng, func(cfg *config.Config) {
		cfg.Results = config.Results{Kind: config.ResultsJUnit, Path: "/r.xml"}
		cfg.Batch = 4
		cfg.RerunThreshold = 0.2
	})
	var dep, broken *result.Test
	for _, tc := range r.Tests {
		switch tc.ID {
		case "needs-c":
			dep = tc
		case "broken":
			broken = tc
		}
	}
	if dep.Final() != result.Passed || dep.OrderDependent() == nil || dep.OrderDependent().Needs != "c" {
		t.Fatalf("needs-c: final %s, order %+v, want passed and needing c\n%s", dep.Final(), dep.OrderDependent(), console)
	}
	if dep.OrderDependent().Before != 19 {
		t.Errorf("needs-c: %d tests before it, want 19", dep.OrderDependent().Before)
	}
	if dep.Flaky() {
		t.Error("an order-dependent test counts as flaky")
	}
	if broken.Final() != result.Failed || broken.OrderDependent() != nil {
		t.Errorf("broken: final %s, order %+v, want failed and no order dependence", broken.Final(), broken.OrderDependent())
	}
	if c := r.Counts(); c.Failed != 1 || c.OrderDependent != 1 || c.Flaky != 0 {
		t.Errorf("counts %+v", c)
	}
	if !strings.Contains(console, "order-dependent: passes only when run after c") {
		t.Errorf("console does not name the test needs-c needs:\n%s", console)
	}
}

// The workers start while the suite is listed; when the listing fails, the run
// ends with the listing's error and removes the containers it started.
func TestFailedListingRemovesWarmWorkers(t *testing.T) {
	eng := &fakeEngine{run: func(string, string, int) (int, error) { return 0, nil }}
	r, _, err := fakeRunErr(t, nil, eng, func(cfg *config.Config) {
		cfg.Tests = filepath.Join(t.TempDir(), "missing.txt")
	})
	if r != nil || err == nil || !strings.Contains(err.Error(), "missing.txt") {
		t.Fatalf("a run with a failed listing: %+v, %v; want the listing's error", r, err)
	}
	eng.mu.Lock()
	defer eng.mu.Unlock()
	if eng.started != 2 {
		t.Errorf("%d containers started, want the 2 workers' (warmed up while listing)", eng.started)
	}
	if eng.removeStales != 1 || eng.removeAlls < 1 { // leftovers before the run, then the clean-up
		t.Errorf("RemoveStale called %d times, RemoveAll %d: want the leftovers removed once and the clean-up after the failed listing", eng.removeStales, eng.removeAlls)
	}
}

// A host that cannot be cleaned up as the run ends (its connection lost) is
// tried again until it can: nothing is said to be left there.
func TestCleanupTriesAGoneHostAgain(t *testing.T) {
	eng := &fakeEngine{run: func(string, string, int) (int, error) { return 0, nil }, removeFails: 2}
	_, console := fakeRunWith(t, []string{"a", "b"}, eng, nil)
	eng.mu.Lock()
	defer eng.mu.Unlock()
	if eng.removeFails != 0 || strings.Contains(console, "may be left") {
		t.Errorf("clean-up with %d failures left untried, console:\n%s", eng.removeFails, console)
	}
}

// A batch whose stream broke while its command ran on is not run again: the
// worker opens a new session to the same container and reports the result the
// agent kept.
func TestBatchFinishedWhileCutOffIsReported(t *testing.T) {
	var mu sync.Mutex
	runs := map[string]int{}
	eng := &fakeEngine{run: func(worker, id string, _ int) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		runs[id]++
		if id == "b" && runs[id] == 1 {
			return 0, errCutKept
		}
		return 0, nil
	}}
	r, console := fakeRunWith(t, []string{"a", "b", "c"}, eng, nil)
	if got := attempts(r, "b"); len(got) != 1 || got[0].Status != result.Passed {
		t.Fatalf("b: attempts %+v, want one pass\n%s", got, console)
	}
	if runs["b"] != 1 {
		t.Errorf("b ran %d times, want once: its kept result is reported", runs["b"])
	}
	if eng.started != 2 {
		t.Errorf("%d containers started, want 2: the worker goes on in its container", eng.started)
	}
	if !strings.Contains(console, "finished meanwhile") {
		t.Errorf("console does not say the batch finished while cut off:\n%s", console)
	}
}

// A stream that broke between two batches (here two rounds) loses nothing and
// keeps the container: the worker's next batch, which the session could not
// send, goes back to the queue as it is, and the worker opens a new session
// to the same container rather than start another and run setup again.
func TestStreamBrokenBetweenBatchesKeepsTheContainer(t *testing.T) {
	var mu sync.Mutex
	runs := map[string]int{}
	eng := &fakeEngine{run: func(_, id string, round int) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		runs[id]++
		switch {
		case round > 1:
			return 0, nil
		case id == "a":
			return 1, errCutAfter // fails, and is rerun on the other worker, whose session ended too
		}
		return 0, errCutAfter
	}}
	r, console := fakeRunWith(t, []string{"a", "b"}, eng, func(cfg *config.Config) { cfg.RerunThreshold = 1 })
	got := attempts(r, "a")
	if len(got) != 2 || got[0].Status != result.Failed || got[1].Status != result.Passed {
		t.Fatalf("a: attempts %+v, want failed, then passed on the rerun\n%s", got, console)
	}
	if runs["a"] != 2 || runs["b"] != 1 {
		t.Errorf("runs %v, want a twice (once a round) and b once", runs)
	}
	if eng.started != 2 {
		t.Errorf("%d containers started, want the 2 workers': they go on in their containers\n%s", eng.started, console)
	}
	if !strings.Contains(console, "back in its container") || strings.Contains(console, "back in the queue") {
		t.Errorf("console does not say a worker is back in its container, with no test lost:\n%s", console)
	}
}

// A run's list command runs once, on the first worker whose session opens,
// rather than in a container of its own; its ids are the ones run.
func TestListingRunsOnTheFirstWorker(t *testing.T) {
	eng := &fakeEngine{listing: "a\nb\nc\n", run: func(string, string, int) (int, error) { return 0, nil }}
	r, console := fakeRunWith(t, nil, eng, func(cfg *config.Config) {
		cfg.Tests = ""
		cfg.List = config.Command{Argv: []string{"list"}}
		cfg.Workers = 3
	})
	if c := r.Counts(); c.Passed != 3 {
		t.Fatalf("counts %+v, want the 3 listed tests passed\n%s", c, console)
	}
	eng.mu.Lock()
	defer eng.mu.Unlock()
	if len(eng.listedOn) != 1 {
		t.Errorf("listed on workers %q, want once", eng.listedOn)
	}
	if eng.started != 3 {
		t.Errorf("%d containers started, want the 3 workers' alone", eng.started)
	}
}

// A run whose id a live run on the host carries (running containers) refuses to
// start, rather than remove that run's workers: exit 2, the host and the id
// named, and nothing started.
func TestRunIDInUseRefusesToStart(t *testing.T) {
	eng := &fakeEngine{live: 3, run: func(string, string, int) (int, error) { return 0, nil }}
	r, _, err := fakeRunErr(t, []string{"a"}, eng, nil)
	if r != nil || exit.Code(err) != exit.Usage || err == nil ||
		!strings.Contains(err.Error(), "run id unit is in use on local: 3 running containers of a live run carry it; give each call its own --run-id") {
		t.Fatalf("run: %v, %v; want exit 2 naming the run id in use", r, err)
	}
	if eng.started != 0 {
		t.Errorf("%d containers started", eng.started)
	}
}

// When no worker's container starts, there is nobody to list the suite on: the
// run ends (exit 3) with one worker's error, not waiting for ever.
func TestListingWithNoWorkerUp(t *testing.T) {
	eng := &fakeEngine{listing: "a\n", startErr: errors.New("no space for containers"), run: func(string, string, int) (int, error) { return 0, nil }}
	_, _, err := fakeRunErr(t, nil, eng, func(cfg *config.Config) {
		cfg.Tests = ""
		cfg.List = config.Command{Argv: []string{"list"}}
	})
	if exit.Code(err) != exit.Infra || err == nil || !strings.Contains(err.Error(), "listing: none of the 2 workers started; local/w") || !strings.Contains(err.Error(), "no space for containers") {
		t.Fatalf("run: %v, want exit 3 naming a worker's start error", err)
	}
}
