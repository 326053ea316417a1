package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
	"github.com/jenkins-paratest/jenkins-paratest/internal/report"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// hangingEngine is a fake engine whose RemoveAll hangs, heeding no context,
// until release is closed: an engine host that stops answering during the
// clean-up.
type hangingEngine struct {
	*fakeEngine
	release chan struct{}
}

func (e *hangingEngine) RemoveAll(ctx context.Context, labels map[string]string) ([]string, error) {
	<-e.release
	return e.fakeEngine.RemoveAll(ctx, labels)
}

// syncBuffer is a console that a test reads while the run may still write.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// After a signal the reports are complete before the clean-up, which neither a
// hanging engine, nor the tests still running in their containers, nor the
// workers' sessions that cannot close hold up; the run returns once the clean-up's
// time is up (here: a second signal) and says what may be left.
func TestAbortWritesReportsBeforeCleanup(t *testing.T) {
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Skip("needs a static binary at /bin/busybox (apt-get install busybox-static)")
	}
	ids := []string{"a", "b", "slow1", "slow2"}
	unblock := make(chan struct{}) // the slow tests never end until the test is over
	started := make(chan string, len(ids))
	eng := &hangingEngine{release: make(chan struct{}), fakeEngine: &fakeEngine{run: func(_, id string, _ int) (int, error) {
		if strings.HasPrefix(id, "slow") {
			started <- id
			<-unblock
		}
		return 0, nil
	}}}
	t.Cleanup(func() { close(unblock); close(eng.release) })

	dir := t.TempDir()
	tests := filepath.Join(dir, "tests.txt")
	writeTestFile(t, tests, strings.Join(ids, "\n"))
	cfg := &config.Config{
		Image: "fake", Pull: engine.PullNever, Workers: 2, Tests: tests,
		Command: config.Command{Argv: []string{"run"}}, Batch: 1,
		Results: config.Results{Kind: config.ResultsExitCode}, RunID: "unit", Out: filepath.Join(dir, "out"),
		Stream: config.StreamNone, Color: "never", MaxLost: 3, ReconnectInterval: time.Millisecond,
		OrphanTTL: time.Minute, RerunThreshold: 0.5, MaxReruns: 2,
	}
	layout := report.Layout{Dir: cfg.Out}
	ctx, signal := context.WithCancelCause(context.Background())
	hard, signalAgain := context.WithCancelCause(context.Background())
	defer signal(nil)
	defer signalAgain(nil)
	var console syncBuffer
	type outcome struct {
		run *result.Run
		err error
	}
	ran := make(chan outcome, 1)
	go func() {
		r, err := Run(ctx, cfg, Options{Stdout: &console, AgentPath: "/bin/busybox", Engine: eng, Hard: hard})
		ran <- outcome{r, err}
	}()

	// Both workers are in a slow test, so a and b have their verdicts.
	for range 2 {
		select {
		case <-started:
		case <-time.After(10 * time.Second):
			t.Fatalf("the slow tests did not start:\n%s", console.String())
		}
	}
	signal(exit.Signal{Sig: syscall.SIGTERM})
	// The reports come while RemoveAll hangs: flaky.json is the last written.
	deadline := time.Now().Add(10 * time.Second)
	for !exists(layout.FlakyJSON()) {
		if time.Now().After(deadline) {
			t.Fatalf("no reports 10 s after the signal while the clean-up hangs:\n%s", console.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if con := console.String(); strings.Contains(con, "clean-up's time was up") {
		t.Fatalf("the reports came after the clean-up gave up:\n%s", con)
	}
	var sum struct {
		Tests, Passed, Skipped int
	}
	readJSON(t, layout.SummaryJSON(), &sum)
	if sum.Tests != 4 || sum.Passed != 2 || sum.Skipped != 2 {
		t.Errorf("summary.json: %+v, want 4 tests: 2 passed, 2 skipped", sum)
	}
	cases := junitCases(t, layout.JUnitDir())
	if len(cases) != len(ids) {
		t.Errorf("JUnit has testcases %v, want each of %v once", cases, ids)
	}
	for _, id := range []string{"slow1", "slow2"} {
		if want := "skipped: not run: the run was interrupted"; cases[id] != want {
			t.Errorf("%s in JUnit: %q, want %q", id, cases[id], want)
		}
	}
	// Every verdict the console printed is journaled, and only those.
	journaled, err := readJournal(layout.Journal())
	if err != nil {
		t.Fatal(err)
	}
	if len(journaled) != 2 || journaled["a"] == nil || journaled["b"] == nil {
		t.Errorf("journal holds %v, want a and b", journaled)
	}

	signalAgain(exit.Signal{Sig: syscall.SIGTERM})
	var out outcome
	select {
	case out = <-ran:
	case <-time.After(2 * time.Second): // the clean-up's own bound is 3 s
		t.Fatalf("Run did not return 2 s after the second signal, RemoveAll hanging:\n%s", console.String())
	}
	if exit.Code(out.err) != 128+int(syscall.SIGTERM) || out.run == nil || !out.run.Interrupted {
		t.Errorf("Run: %v (exit %d), interrupted %v; want the signal's exit code and an interrupted run", out.err, exit.Code(out.err), out.run != nil && out.run.Interrupted)
	}
	con := console.String()
	for _, want := range []string{
		"remove containers on local: not done when the clean-up's time was up",
		"to remove them now: jenkins-paratest clean --run unit",
	} {
		if !strings.Contains(con, want) {
			t.Errorf("console does not say %q:\n%s", want, con)
		}
	}
	// The reports come before the clean-up, the summary after it.
	if r, c, s := strings.Index(con, "paratest: reports"), strings.Index(con, "paratest: cleanup"), strings.Index(con, "paratest: summary"); !(r >= 0 && r < c && c < s) {
		t.Errorf("phases reports at %d, cleanup at %d, summary at %d; want that order:\n%s", r, c, s, con)
	}
	if lines := strings.Split(strings.TrimSpace(con), "\n"); lines[len(lines)-1] != "paratest: INTERRUPTED" {
		t.Errorf("last console line %q, want the verdict", lines[len(lines)-1])
	}
}

// The clean-up outlives the run's context, bounded: cleanupTimeout without a
// signal, abortCleanupTimeout once there is one, before or during the clean-up,
// and no longer than a second signal.
func TestCleanupContextBounds(t *testing.T) {
	t.Parallel()
	t.Run("no signal", func(t *testing.T) {
		t.Parallel()
		cctx, cancel := cleanupContext(context.Background(), nil)
		defer cancel()
		if d, ok := cctx.Deadline(); !ok || time.Until(d) < cleanupTimeout-time.Second {
			t.Errorf("deadline in %s, want %s", time.Until(d), cleanupTimeout)
		}
	})
	t.Run("signal before", func(t *testing.T) {
		t.Parallel()
		ctx, signal := context.WithCancel(context.Background())
		signal()
		cctx, cancel := cleanupContext(ctx, nil)
		defer cancel()
		if d, ok := cctx.Deadline(); !ok || time.Until(d) > abortCleanupTimeout {
			t.Errorf("deadline in %s, want at most %s", time.Until(d), abortCleanupTimeout)
		}
		if cctx.Err() != nil {
			t.Error("the clean-up context ended with the run's")
		}
	})
	t.Run("signal during", func(t *testing.T) {
		t.Parallel()
		ctx, signal := context.WithCancel(context.Background())
		cctx, cancel := cleanupContext(ctx, nil)
		defer cancel()
		start := time.Now()
		signal()
		select {
		case <-cctx.Done():
			if took := time.Since(start); took < abortCleanupTimeout-100*time.Millisecond {
				t.Errorf("the clean-up context ended %s after the signal, want %s", took, abortCleanupTimeout)
			}
		case <-time.After(abortCleanupTimeout + 2*time.Second):
			t.Errorf("the clean-up context lives on %s after a signal", abortCleanupTimeout+2*time.Second)
		}
	})
	t.Run("second signal", func(t *testing.T) {
		t.Parallel()
		ctx, signal := context.WithCancel(context.Background())
		signal()
		hard, signalAgain := context.WithCancel(context.Background())
		cctx, cancel := cleanupContext(ctx, hard)
		defer cancel()
		signalAgain()
		select {
		case <-cctx.Done():
		case <-time.After(time.Second):
			t.Error("the clean-up context outlives a second signal")
		}
	})
}

func writeTestFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// junitCases reads the testcases of the JUnit files in dir: by name, "passed" or
// "skipped: <message>" (anything else is "failed"), an id seen twice "twice".
func junitCases(t *testing.T, dir string) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no JUnit files in %s (%v)", dir, err)
	}
	cases := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var suite struct {
			Cases []struct {
				Name    string `xml:"name,attr"`
				Skipped *struct {
					Message string `xml:"message,attr"`
				} `xml:"skipped"`
				Failure *struct{} `xml:"failure"`
				Error   *struct{} `xml:"error"`
			} `xml:"testcase"`
		}
		if err := xml.Unmarshal(data, &suite); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, c := range suite.Cases {
			v := "passed"
			switch {
			case c.Skipped != nil:
				v = "skipped: " + c.Skipped.Message
			case c.Failure != nil || c.Error != nil:
				v = "failed"
			}
			if _, seen := cases[c.Name]; seen {
				v = "twice"
			}
			cases[c.Name] = v
		}
	}
	return cases
}
