package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Jenkins aborts an `sh` step with SIGTERM and sends SIGKILL about 5 s later
// (SoftKillWaitSeconds).
const jenkinsKillAfter = 5 * time.Second

// The aborted suite: 24 tests of 2 s on 4 workers, whose containers stop by
// themselves 10 s after the master's last heartbeat.
const (
	abortTests = 24
	abortTTL   = 10 * time.Second
)

func abortSuite() string {
	return slowSuite(abortTests, "2") + "workers: 4\norphan_ttl: " + abortTTL.String() + "\n"
}

// abortedRun is the binary run until a test aborts it as Jenkins does.
type abortedRun struct {
	*background
	out string // its --out
}

func startAbortedRun(t *testing.T, dir string, env []string, args ...string) *abortedRun {
	t.Helper()
	return &abortedRun{background: startRun(t, dir, env, args...), out: filepath.Join(dir, "paratest-out")}
}

// waitVerdicts reads the console until n tests have passed.
func (r *abortedRun) waitVerdicts(t *testing.T, n int) {
	t.Helper()
	timeout := time.After(2 * time.Minute)
	for passed := 0; passed < n; {
		select {
		case l, ok := <-r.lines:
			if !ok {
				t.Fatalf("the run ended before %d tests passed:\n%s", n, strings.Join(r.seen, "\n"))
			}
			r.seen = append(r.seen, l.text)
			if strings.Contains(l.text, " PASS ") {
				passed++
			}
		case <-timeout:
			t.Fatalf("not %d tests passed within 2 minutes:\n%s", n, strings.Join(r.seen, "\n"))
		}
	}
}

// abort is what happened after the SIGTERM, measured from it.
type abort struct {
	reports time.Duration // until flaky.json, the last report written, was there; 0: never
	summary time.Duration // until the console's summary phase began; 0: never
	exited  time.Duration
	killed  bool // by the SIGKILL, not on its own
	code    int
	console string
}

// abort sends SIGTERM, then SIGKILL jenkinsKillAfter later if the process
// still runs — or as soon as the reports are complete when killOnReports — and
// waits for the end.
func (r *abortedRun) abort(t *testing.T, killOnReports bool) abort {
	t.Helper()
	var a abort
	sent := time.Now()
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	jenkins := time.AfterFunc(jenkinsKillAfter, func() { r.cmd.Process.Kill() })
	defer jenkins.Stop()
	// The reports are polled for as they come; the console is drained meanwhile.
	flaky := filepath.Join(r.out, "flaky.json")
	reportsAt := make(chan time.Duration, 1)
	stopPoll := make(chan struct{})
	var polled sync.WaitGroup
	polled.Go(func() {
		for {
			if _, err := os.Stat(flaky); err == nil {
				reportsAt <- time.Since(sent)
				if killOnReports {
					r.cmd.Process.Kill()
				}
				return
			}
			select {
			case <-stopPoll:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	})
	for l := range r.lines {
		r.seen = append(r.seen, l.text)
		if a.summary == 0 && strings.Contains(l.text, "paratest: summary") {
			a.summary = l.at.Sub(sent)
		}
	}
	err := r.cmd.Wait()
	a.exited = time.Since(sent)
	close(stopPoll)
	polled.Wait()
	select {
	case a.reports = <-reportsAt:
	default:
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	ws := r.cmd.ProcessState.Sys().(syscall.WaitStatus)
	a.killed = ws.Signaled() && ws.Signal() == syscall.SIGKILL
	a.code = r.cmd.ProcessState.ExitCode()
	a.console = strings.Join(r.seen, "\n")
	t.Logf("console:\n%s", a.console)
	t.Logf("after SIGTERM: reports complete %s, summary on the console %s, process gone %s (killed: %v)",
		since(a.reports), since(a.summary), since(a.exited), a.killed)
	return a
}

// since is d for the log, "never" for 0.
func since(d time.Duration) string {
	if d == 0 {
		return "never"
	}
	return d.Round(time.Millisecond).String()
}

// checkReports asserts complete reports after an abort: every listed test in
// JUnit exactly once (and the files valid), summary.json counting them, and
// the tests the console said passed, and only those, passed.
func checkReports(t *testing.T, a abort, out string) {
	t.Helper()
	cases := exactlyOnce(t, out, abortTests)
	s := readSummary(t, out)
	if s.Tests != abortTests {
		t.Errorf("summary.json counts %d tests, want %d", s.Tests, abortTests)
	}
	printed := strings.Count(a.console, " PASS ")
	passed, skipped := 0, 0
	for _, c := range cases {
		switch {
		case c.Skipped != nil && c.Skipped.Message == "not run: the run was interrupted":
			skipped++
		case c.Skipped == nil && c.Failure == nil && c.Error == nil:
			passed++
		default:
			t.Errorf("testcase %s: %+v, want passed or skipped as interrupted", c.Name, c)
		}
	}
	if passed != printed || s.Passed != printed {
		t.Errorf("the console printed %d passes, JUnit has %d, summary.json %d", printed, passed, s.Passed)
	}
	if skipped == 0 || s.Skipped != skipped {
		t.Errorf("JUnit has %d tests skipped as interrupted, summary.json %d; want some", skipped, s.Skipped)
	}
	journal, err := os.ReadFile(filepath.Join(out, "journal.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(journal), "\n"); n != printed {
		t.Errorf("the journal holds %d verdicts, the console printed %d", n, printed)
	}
}

// Aborted as Jenkins aborts a step, a run writes complete reports at once,
// removes its containers and exits 143 on its own, well inside the 5 s before
// the SIGKILL.
func TestAbortWithinJenkinsBudget(t *testing.T) {
	need(t, true)
	dir := writeConfig(t, abortSuite())
	id := runID(t)
	r := startAbortedRun(t, dir, nil, "run", "--run-id", id)
	r.waitVerdicts(t, 4)
	a := r.abort(t, false)
	if a.killed || a.code != 128+int(syscall.SIGTERM) {
		t.Fatalf("exit %d (killed by the SIGKILL %s after SIGTERM: %v); want 143 before it", a.code, jenkinsKillAfter, a.killed)
	}
	if a.reports == 0 {
		t.Error("flaky.json, the last report, was not seen")
	}
	checkReports(t, a, r.out)
	if !strings.Contains(a.console, "stopping the run: the reports first") {
		t.Error("the console does not say the run stops")
	}
	if l := lines(a.console); l[len(l)-1] != "paratest: INTERRUPTED" {
		t.Errorf("last console line %q, want the verdict", l[len(l)-1])
	}
	// The clean-up finished in the budget: nothing is left to stop at the TTL.
	if left := containers(t, id); len(left) > 0 {
		exec.Command("docker", append([]string{"rm", "-f"}, left...)...).Run()
		t.Errorf("%d containers of the run left after it exited", len(left))
	}
	// Other runs of this very binary (the same source built elsewhere) share
	// the volume: it is the run's to remove only when no container uses it.
	if vol := agentVolumeName(t); volumeExists(vol) && !volumeUsed(t, vol) {
		t.Errorf("the run left its agent volume %s", vol)
	}
}

// When the engine stops answering, the clean-up cannot finish: the run gives
// up on it in time, says what is left and how to remove it, and exits 143 with
// its summary printed before Jenkins' SIGKILL; the containers stop by
// themselves at their orphan TTL.
func TestAbortEngineHangs(t *testing.T) {
	need(t, true)
	proxy := startEngineProxy(t)
	dir := writeConfig(t, abortSuite())
	id := runID(t)
	r := startAbortedRun(t, dir, []string{"DOCKER_HOST=unix://" + proxy.path}, "run", "--run-id", id)
	r.waitVerdicts(t, 4)
	proxy.stall() // no heartbeat, no removal from now on
	stalled := time.Now()
	a := r.abort(t, false)
	if a.killed || a.code != 128+int(syscall.SIGTERM) {
		t.Fatalf("exit %d (killed by the SIGKILL %s after SIGTERM: %v); want 143 before it", a.code, jenkinsKillAfter, a.killed)
	}
	checkReports(t, a, r.out)
	for _, want := range []string{
		"remove containers on local: not done when the clean-up's time was up",
		"containers of run " + id + " may be left on local: they stop by themselves within orphan_ttl (10s); to remove them now: jenkins-paratest clean --run " + id,
	} {
		if !strings.Contains(a.console, want) {
			t.Errorf("the console does not say %q", want)
		}
	}
	if l := lines(a.console); l[len(l)-1] != "paratest: INTERRUPTED" {
		t.Errorf("last console line %q, want the verdict", l[len(l)-1])
	}
	proxy.Close()
	stopAtTTL(t, dir, id, stalled)
}

// A SIGKILL that comes while the clean-up cannot finish (the engine stopped
// answering) finds the reports complete, and the containers stop by themselves
// at their orphan TTL; the console named `jenkins-paratest clean --run ID`
// before the clean-up began.
func TestAbortHardKillDuringCleanup(t *testing.T) {
	need(t, true)
	proxy := startEngineProxy(t)
	dir := writeConfig(t, abortSuite())
	id := runID(t)
	r := startAbortedRun(t, dir, []string{"DOCKER_HOST=unix://" + proxy.path}, "run", "--run-id", id)
	r.waitVerdicts(t, 4)
	proxy.stall()
	stalled := time.Now()
	a := r.abort(t, true)
	if !a.killed {
		t.Fatalf("exit %d: the process ended before the SIGKILL, though its clean-up could not finish", a.code)
	}
	checkReports(t, a, r.out)
	if hint := "what is left stops by itself within orphan_ttl (10s), or: jenkins-paratest clean --run " + id; !strings.Contains(a.console, hint) {
		t.Errorf("the console does not say %q", hint)
	}
	proxy.Close()
	stopAtTTL(t, dir, id, stalled)
}

// stopAtTTL asserts that no container of the run still runs once its last
// heartbeat, at the latest at lastBeat, is orphan_ttl old (with a margin),
// then removes the stopped ones with `jenkins-paratest clean --run ID`.
func stopAtTTL(t *testing.T, dir, id string, lastBeat time.Time) {
	t.Helper()
	deadline := lastBeat.Add(abortTTL + 15*time.Second)
	for len(running(t, id)) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("containers of the run still run %s after its last heartbeat (orphan_ttl %s): %v",
				time.Since(lastBeat).Round(time.Second), abortTTL, running(t, id))
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("the containers stopped %s after the engine stopped answering (orphan_ttl %s, counted from the last heartbeat before it)", time.Since(lastBeat).Round(100*time.Millisecond), abortTTL)
	c := paratest(t, dir, nil, "clean", "--run", id)
	if c.code != 0 {
		t.Errorf("clean --run %s: exit %d", id, c.code)
	}
	if left := containers(t, id); len(left) > 0 {
		exec.Command("docker", append([]string{"rm", "-f"}, left...)...).Run()
		t.Errorf("%d containers of the run left after clean --run", len(left))
	}
	// The aborted run's volume, unless another run of this binary uses it.
	if vol := agentVolumeName(t); !volumeUsed(t, vol) {
		exec.Command("docker", "volume", "rm", vol).Run()
	}
}

// running lists the running containers labelled with a run id.
func running(t *testing.T, runID string) []string {
	t.Helper()
	out, err := exec.Command("docker", "ps", "-q", "--filter", "label=paratest.run="+runID).Output()
	if err != nil {
		t.Fatalf("docker ps: %v", err)
	}
	return strings.Fields(string(out))
}

// agentVolumeName is the name of the agent volume the binary under test makes
// (runner.agentVolume: its hash), which no other binary's runs share.
func agentVolumeName(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return "paratest-agent-" + hex.EncodeToString(sum[:8])
}

func volumeExists(name string) bool {
	return exec.Command("docker", "volume", "inspect", name).Run() == nil
}

// volumeUsed says whether a container, of whichever run, mounts the volume.
func volumeUsed(t *testing.T, name string) bool {
	t.Helper()
	out, err := exec.Command("docker", "ps", "-aq", "--filter", "volume="+name).Output()
	if err != nil {
		t.Fatalf("docker ps: %v", err)
	}
	return len(strings.TrimSpace(string(out))) > 0
}

// engineProxy is a unix socket relaying to the Docker engine's until stall:
// from then on it relays nothing more and answers no new connection, as an
// engine host that hangs.
type engineProxy struct {
	path    string
	ln      net.Listener
	stalled chan struct{}
	stopped chan struct{}
	once    sync.Once

	mu    sync.Mutex
	conns []net.Conn
}

func startEngineProxy(t *testing.T) *engineProxy {
	t.Helper()
	path := filepath.Join(t.TempDir(), "engine.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	p := &engineProxy{path: path, ln: ln, stalled: make(chan struct{}), stopped: make(chan struct{})}
	go p.serve()
	t.Cleanup(p.Close)
	return p
}

func (p *engineProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.track(c)
		select {
		case <-p.stalled:
			continue // held open, unanswered
		default:
		}
		up, err := net.Dial("unix", "/var/run/docker.sock")
		if err != nil {
			c.Close()
			continue
		}
		p.track(up)
		go p.pipe(up, c)
		go p.pipe(c, up)
	}
}

func (p *engineProxy) track(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.conns = append(p.conns, c)
}

// pipe copies src to dst until src ends (then dst's write side closes, as an
// exec's stdin ends) or the proxy stalls.
func (p *engineProxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			select {
			case <-p.stalled:
				<-p.stopped
				return
			default:
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if errors.Is(err, io.EOF) {
			if uc, ok := dst.(*net.UnixConn); ok {
				uc.CloseWrite()
			}
			return
		}
		if err != nil {
			return
		}
	}
}

func (p *engineProxy) stall() { close(p.stalled) }

// Close closes the socket and every connection through it.
func (p *engineProxy) Close() {
	p.once.Do(func() {
		close(p.stopped)
		p.ln.Close()
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, c := range p.conns {
			c.Close()
		}
	})
}
