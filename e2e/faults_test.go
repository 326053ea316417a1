package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// background is a run of the binary that a test interferes with while it runs.
type background struct {
	cmd   *exec.Cmd
	lines chan stampedLine // console lines as they come
	seen  []string
}

// stampedLine is a console line and when it came.
type stampedLine struct {
	at   time.Time
	text string
}

func startRun(t *testing.T, dir string, env []string, args ...string) *background {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	b := &background{cmd: cmd, lines: make(chan stampedLine, 10000)}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			b.lines <- stampedLine{time.Now(), sc.Text()}
		}
		close(b.lines)
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	return b
}

// waitFor reads console lines until one contains s; false when the run ended first.
func (b *background) waitFor(t *testing.T, s string) bool {
	t.Helper()
	timeout := time.After(2 * time.Minute)
	for {
		select {
		case l, ok := <-b.lines:
			if !ok {
				return false
			}
			b.seen = append(b.seen, l.text)
			if strings.Contains(l.text, s) {
				return true
			}
		case <-timeout:
			t.Fatalf("no console line with %q within 2 minutes:\n%s", s, strings.Join(b.seen, "\n"))
		}
	}
}

// wait drains the console and returns the exit code.
func (b *background) wait(t *testing.T) int {
	t.Helper()
	for l := range b.lines {
		b.seen = append(b.seen, l.text)
	}
	b.cmd.Wait()
	t.Logf("console:\n%s", strings.Join(b.seen, "\n"))
	return b.cmd.ProcessState.ExitCode()
}

// exactlyOnce asserts every listed id has exactly one testcase.
func exactlyOnce(t *testing.T, out string, n int) []junitCase {
	t.Helper()
	cases := readJUnit(t, out)
	seen := map[string]int{}
	for _, c := range cases {
		seen[c.Class+" "+c.Name]++
	}
	for k, c := range seen {
		if c != 1 {
			t.Errorf("%s has %d testcases", k, c)
		}
	}
	if len(seen) != n {
		t.Errorf("%d distinct testcases, want %d", len(seen), n)
	}
	return cases
}

func slowSuite(n int, sleep string) string {
	return `
image: ` + shellImage + `
pull: never
list: 'seq 1 ` + itoa(n) + ` | while read i; do echo t$i; done'
command: 'sleep ` + sleep + `'
reconnect_interval: 1s
`
}

func itoa(n int) string { return strconv.Itoa(n) }

// A worker container killed mid-test loses its test to the queue — an
// infrastructure event, not a failure — and the worker comes back with a new
// container.
func TestKilledContainerLosesNoVerdict(t *testing.T) {
	need(t, true)
	dir := writeConfig(t, slowSuite(8, "2")+"workers: 2\n")
	id := runID(t)
	b := startRun(t, dir, nil, "run", "--run-id", id)
	b.waitFor(t, "==> paratest: running")
	var victim string
	for i := 0; victim == ""; i++ {
		out, _ := exec.Command("docker", "ps", "-q", "--filter", "label=paratest.run="+id, "--filter", "label=paratest.worker=0").Output()
		victim = strings.TrimSpace(string(out))
		if i > 100 {
			t.Fatal("worker 0's container never ran")
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // into its first test
	if out, err := exec.Command("docker", "kill", victim).CombinedOutput(); err != nil {
		t.Fatalf("docker kill: %v %s", err, out)
	}
	if code := b.wait(t); code != 0 {
		t.Fatalf("exit %d, want 0", code)
	}
	joined := strings.Join(b.seen, "\n")
	if !strings.Contains(joined, "back in the queue") {
		t.Error("console does not say the test went back to the queue")
	}
	for _, c := range exactlyOnce(t, filepath.Join(dir, "paratest-out"), 8) {
		if c.Failure != nil || c.Error != nil {
			t.Errorf("%s did not pass: a lost lease counted as a failure", c.Name)
		}
	}
	assertNoContainers(t, id)
}

// A hanging test is killed at its timeout, with every process it started, and
// fails saying so; the worker goes on with the next test.
func TestHangingTestTimesOut(t *testing.T) {
	need(t, true)
	dir := writeConfig(t, `
image: `+shellImage+`
pull: never
workers: 1
timeout: 1s
list: 'echo fast1; echo hang; echo fast2'
command: 'if [ -f /tmp/bg ] && kill -0 "$(cat /tmp/bg)" 2>/dev/null; then echo "left running"; exit 1; fi; if [ "$1" = hang ]; then sleep 300 & echo $! > /tmp/bg; sleep 300; fi'
`)
	id := runID(t)
	r := paratest(t, dir, nil, "run", "--run-id", id)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1", r.code)
	}
	for _, c := range exactlyOnce(t, filepath.Join(dir, "paratest-out"), 3) {
		switch c.Name {
		case "hang":
			if c.Failure == nil || !strings.Contains(c.Failure.Message, "timed out after 1s") {
				t.Errorf("hang: %+v, want a failure saying it timed out", c)
			}
		default:
			// fast2 runs after the timeout in the same container: it passes only
			// when no `sleep 300` of the hanging test is left.
			if c.Failure != nil || c.Error != nil {
				t.Errorf("%s failed: the hanging test's processes outlived it", c.Name)
			}
		}
	}
	assertNoContainers(t, id)
}

// A test printing 1 GB does not grow the master: its memory stays below 200 MB
// and the output is kept as head and tail.
func TestLoudTestKeepsTheMasterSmall(t *testing.T) {
	need(t, true)
	dir := writeConfig(t, `
image: `+shellImage+`
pull: never
workers: 1
list: 'echo loud'
command: 'yes "all work and no play makes a loud test" | head -c 1000000000; exit 1'
`)
	id := runID(t)
	cmd := exec.Command(binary, "run", "--run-id", id, "--stream", "failures")
	cmd.Dir = dir
	cmd.Env = cleanEnv()
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The master's own high-water mark, VmHWM, read until it exits. Not the
	// rusage of its wait: Linux counts into that the memory of the process
	// it was forked from (this test's, large under -race) at its exec.
	done := make(chan struct{})
	hwm := make(chan int64, 1)
	go func() {
		var peak int64
		for {
			if v := vmHWM(cmd.Process.Pid); v > peak {
				peak = v
			}
			select {
			case <-done:
				hwm <- peak
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	cmd.Wait()
	close(done)
	out := buf.Bytes()
	rss := <-hwm // KiB
	if cmd.ProcessState.ExitCode() != 1 {
		t.Fatalf("exit %d, want 1\n%s", cmd.ProcessState.ExitCode(), tail(string(out), 3000))
	}
	t.Logf("master max RSS: %d MiB", rss/1024)
	if rss > 200*1024 {
		t.Errorf("master max RSS %d MiB, want below 200 MiB", rss/1024)
	}
	if len(out) > 1<<20 {
		t.Errorf("console printed %d bytes for one loud test", len(out))
	}
	log, err := os.Stat(filepath.Join(dir, "paratest-out", "logs", "local_w0.log"))
	if err != nil || log.Size() > 300<<20 {
		t.Errorf("worker log: %v, size %d, want bounded", err, log.Size())
	}
	exactlyOnce(t, filepath.Join(dir, "paratest-out"), 1)
	assertNoContainers(t, id)
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// A master killed with SIGKILL leaves its containers, which stop on their own at
// the orphan TTL; `run --resume` runs only the tests without a verdict, removes the
// leftovers and writes JUnit for every test.
func TestSIGKILLThenResume(t *testing.T) {
	need(t, true)
	dir := writeConfig(t, slowSuite(12, "1")+"workers: 2\norphan_ttl: 5s\n")
	id := runID(t)
	b := startRun(t, dir, nil, "run", "--run-id", id)
	for range 4 {
		if !b.waitFor(t, " PASS ") {
			t.Fatal("the run ended early")
		}
	}
	b.cmd.Process.Kill()
	b.wait(t)
	journal, err := os.ReadFile(filepath.Join(dir, "paratest-out", "journal.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	done := strings.Count(string(journal), "\n")
	if done < 4 || done >= 12 {
		t.Fatalf("journal has %d verdicts, want 4..11", done)
	}
	// The orphans stop on their own.
	for i := 0; ; i++ {
		out, _ := exec.Command("docker", "ps", "-q", "--filter", "label=paratest.run="+id).Output()
		if len(strings.Fields(string(out))) == 0 {
			break
		}
		if i > 300 {
			t.Fatal("orphaned containers still run 30 s after the 5 s orphan TTL")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(containers(t, id)) == 0 {
		t.Log("note: the stopped orphans were already gone")
	}
	r := paratest(t, dir, nil, "run", "--run-id", id, "--resume")
	if r.code != 0 {
		t.Fatalf("resume exited %d, want 0", r.code)
	}
	ran := strings.Count(r.stdout, " PASS ")
	if ran != 12-done {
		t.Errorf("resume ran %d tests, want the %d without a verdict", ran, 12-done)
	}
	exactlyOnce(t, filepath.Join(dir, "paratest-out"), 12)
	assertNoContainers(t, id)
}

// Cutting a host's SSH sessions mid-run loses no verdict: the pool redials and the
// host's workers carry on.
func TestCutSSHSessionsMidRun(t *testing.T) {
	need(t, true)
	hosts := startHosts(t, 2, 1, "")
	dir := writeConfig(t, slowSuite(10, "0.5"))
	id := runID(t)
	b := startRun(t, dir, nil, append([]string{"run", "--run-id", id}, hosts.flags()...)...)
	b.waitFor(t, " PASS ")
	hosts.servers[0].KillSessions()
	if code := b.wait(t); code != 0 {
		t.Fatalf("exit %d, want 0", code)
	}
	exactlyOnce(t, filepath.Join(dir, "paratest-out"), 10)
	assertNoContainers(t, id)
}

// A host whose sshd is down for 20 s rejoins when it comes back (the time it took
// is logged).
func TestHostRejoinsAfterSSHDRestart(t *testing.T) {
	need(t, true)
	hosts := startHosts(t, 2, 1, "")
	// h2 alone needs about 40 s for these: h1 has time to come back.
	dir := writeConfig(t, slowSuite(70, "0.5"))
	id := runID(t)
	b := startRun(t, dir, nil, append([]string{"run", "--run-id", id}, hosts.flags()...)...)
	b.waitFor(t, "[h1/w0] PASS")
	hosts.servers[0].Stop()
	b.waitFor(t, "trying again")
	time.Sleep(20 * time.Second)
	hosts.servers[0].Restart()
	back := time.Now()
	if !b.waitFor(t, "[h1/w0] PASS") {
		t.Fatalf("h1's worker did not rejoin after sshd came back:\n%s", strings.Join(b.seen, "\n"))
	}
	t.Logf("h1 ran a test again %s after its sshd came back", time.Since(back).Round(100*time.Millisecond))
	if code := b.wait(t); code != 0 {
		t.Fatalf("exit %d, want 0", code)
	}
	exactlyOnce(t, filepath.Join(dir, "paratest-out"), 70)
	assertNoContainers(t, id)
}

// vmHWM is a live process's peak resident set size, in KiB (0 once it is gone).
func vmHWM(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// A host whose sshd goes away just as the run cleans up still has its
// containers removed once it is back: the clean-up tries again, as the workers
// do, within its time.
func TestHostDownAtCleanupIsCleanedWhenBack(t *testing.T) {
	need(t, true)
	hosts := startHosts(t, 1, 2, "")
	dir := writeConfig(t, slowSuite(4, "0.2"))
	id := runID(t)
	b := startRun(t, dir, nil, append([]string{"run", "--run-id", id}, hosts.flags()...)...)
	b.waitFor(t, "==> paratest: cleanup")
	hosts.servers[0].Stop()
	time.Sleep(2 * time.Second)
	hosts.servers[0].Restart()
	if code := b.wait(t); code != 0 {
		t.Fatalf("exit %d, want 0\n%s", code, strings.Join(b.seen, "\n"))
	}
	exactlyOnce(t, filepath.Join(dir, "paratest-out"), 4)
	assertNoContainers(t, id)
}
