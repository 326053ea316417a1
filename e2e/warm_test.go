package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/agent"
	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	results "github.com/jenkins-paratest/jenkins-paratest/internal/result"
	"github.com/jenkins-paratest/jenkins-paratest/internal/suite"
	"github.com/jenkins-paratest/jenkins-paratest/internal/verdict"
)

// The warm runners of the pytest and rspec presets, in a container of the
// runners image with the parity suites: the server started the way the runner
// starts it (Warm's command, in the background, through the agent), the
// batches run through the agent as the runner runs them, and their verdicts
// read by the adapter. Warm batches must give the verdicts cold ones give,
// start each from the preloaded state (an order-dependent test fails as it
// does cold), crash alone, lose their child when the agent's timeout kills
// the client, and run cold when the server is gone.

type warmCase struct {
	preset string
	dir    string // under e2e/testdata
	crash  string // the id that kills the runner
	slow   string // an id that sleeps 2 s
	setup  string // the prefix of the ids that leave state behind…
	check  string // …and of those that fail without it
}

func TestWarmPytest(t *testing.T) {
	testWarm(t, warmCase{
		preset: config.PresetPytest, dir: "pytest-suite",
		crash: "tests/test_crash.py::test_crash_here", slow: "tests/test_slow.py::test_sleeps[2]",
		setup: "tests/test_a_order_setup.py::", check: "tests/test_z_order_check.py::",
	})
}

func TestWarmRSpec(t *testing.T) {
	testWarm(t, warmCase{
		preset: config.PresetRSpec, dir: "rspec-suite",
		crash: "./spec/crash_spec.rb[1:6]", slow: "./spec/slow_spec.rb[1:3]",
		setup: "./spec/a_ledger_spec.rb[", check: "./spec/z_ledger_check_spec.rb[",
	})
}

func testWarm(t *testing.T, tc warmCase) {
	need(t, false)
	image := suiteImage(t, runnerImage(t), filepath.Join(repoRoot, "e2e", "testdata", tc.dir), "/suite")
	b := startWarmBox(t, image, tc.preset)
	ids := b.list()
	for _, id := range []string{tc.crash, tc.slow} {
		if !slices.Contains(ids, id) {
			t.Fatalf("the listing has no %s", id)
		}
	}
	b.startServer()
	served := b.served()

	t.Run("start", func(t *testing.T) {
		one := ids[:1]
		first, total := b.measure(b.warm.Batch(one, 900), b.cold.Batch(one, 901), 20)
		t.Logf("%s: one-test batch, median of 20 in turns (load %s): first test starts after %.0f ms warm, %.0f ms cold; the batch ends after %.0f ms warm, %.0f ms cold",
			tc.preset, loadavg(b), first[0], first[1], total[0], total[1])
		if first[0] >= first[1] {
			t.Errorf("warm batches start after %.0f ms, cold ones after %.0f ms", first[0], first[1])
		}
	})

	t.Run("suite", func(t *testing.T) {
		var rest []string
		for _, id := range ids {
			if id != tc.crash {
				rest = append(rest, id)
			}
		}
		var warm, cold []verdict.Verdict
		var warmTime, coldTime time.Duration
		for i, seq := 0, 1; i < len(rest); i, seq = i+16, seq+1 {
			batch := rest[i:min(i+16, len(rest))]
			w := b.batch(b.warm, batch, seq, 0)
			c := b.batch(b.cold, batch, 100+seq, 0)
			warm, cold = append(warm, b.warm.Verdicts(w)...), append(cold, b.cold.Verdicts(c)...)
			warmTime, coldTime = warmTime+w.Duration, coldTime+c.Duration
		}
		sameVerdicts(t, warm, cold)
		t.Logf("%s: %d tests in batches of 16: %s warm, %s cold", tc.preset, len(rest), warmTime.Round(time.Millisecond), coldTime.Round(time.Millisecond))
	})
	if n := b.served() - served; n < 15 {
		t.Errorf("the server ran %d batches, want every warm one", n)
	}

	if tc.preset == config.PresetPytest {
		testWarmPytestSession(t, b, ids)
	}

	// A batch never starts from the state an earlier one left: the checks
	// fail after their setup's batch as they do cold.
	t.Run("fresh state", func(t *testing.T) {
		var setup, check []string
		for _, id := range ids {
			switch {
			case strings.HasPrefix(id, tc.setup):
				setup = append(setup, id)
			case strings.HasPrefix(id, tc.check):
				check = append(check, id)
			}
		}
		b.batch(b.warm, setup, 200, 0)
		warm := b.warm.Verdicts(b.batch(b.warm, check, 201, 0))
		b.batch(b.cold, setup, 202, 0)
		cold := b.cold.Verdicts(b.batch(b.cold, check, 203, 0))
		sameVerdicts(t, warm, cold)
		failed := 0
		for _, v := range warm {
			if v.Status == results.Failed {
				failed++
			}
		}
		if failed < 2 {
			t.Errorf("%d checks failed after their setup's batch, want the order-dependent ones (2 or more): the state of that batch leaked", failed)
		}
	})

	// A crash is the crash of its batch only: the test crashed, those after
	// it go back to the queue, and the next batch is warm again.
	t.Run("crash", func(t *testing.T) {
		i := slices.Index(ids, tc.crash)
		batch := ids[max(0, i-2):min(len(ids), i+3)]
		before := b.served()
		warm := b.warm.Verdicts(b.batch(b.warm, batch, 300, 0))
		cold := b.cold.Verdicts(b.batch(b.cold, batch, 301, 0))
		sameVerdicts(t, warm, cold)
		for _, v := range warm {
			switch {
			case v.ID == tc.crash && (!v.Crashed || !strings.Contains(v.Message, "exited with code 3") && !strings.Contains(v.Message, "exited 3")):
				t.Errorf("%s: %+v, want crashed, exit code 3", v.ID, v)
			case slices.Index(batch, v.ID) > slices.Index(batch, tc.crash) && !v.Unrun:
				t.Errorf("%s after the crash: %+v, want unrun", v.ID, v)
			}
		}
		next := b.warm.Verdicts(b.batch(b.warm, batch[:1], 302, 0))
		if next[0].Status != results.Passed || b.served()-before != 2 {
			t.Errorf("after the crash: %+v, the server ran %d batches, want 2", next[0], b.served()-before)
		}
	})

	// The agent's timeout kills the client's process group; the server kills
	// the child that ran the batch.
	t.Run("timeout", func(t *testing.T) {
		out := b.batch(b.warm, []string{tc.slow}, 400, 700*time.Millisecond)
		if out.ExitCode != 124 {
			t.Fatalf("exit code %d, want 124 (the agent's timeout); stderr:\n%s", out.ExitCode, out.Stderr)
		}
		deadline := time.Now().Add(3 * time.Second)
		for b.children() > 0 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if n := b.children(); n > 0 {
			t.Errorf("%d children of the server still run after the timeout", n)
		}
		if v := b.warm.Verdicts(out)[0]; !v.Crashed {
			t.Errorf("%s: %+v, want crashed", tc.slow, v)
		}
		if log := b.log(); !strings.Contains(log, "signal 9") {
			t.Errorf("the server's log says nothing of its child killed:\n%s", log)
		}
	})

	// No server: the client runs the batch cold, with the same verdicts.
	t.Run("fallback", func(t *testing.T) {
		b.sh("kill -9 $(cat " + b.socket + ".pid)")
		time.Sleep(200 * time.Millisecond)
		batch := ids[:min(8, len(ids))]
		for _, how := range []string{"a dead server's pid file", "no pid file"} {
			before := b.served()
			out := b.batch(b.warm, batch, 500, 0)
			sameVerdicts(t, b.warm.Verdicts(out), b.cold.Verdicts(b.batch(b.cold, batch, 501, 0)))
			if b.served() != before || bytes.Contains(out.Stderr, []byte("paratest:")) {
				t.Errorf("%s: the batch was served, or the client complained:\n%s", how, out.Stderr)
			}
			b.sh("rm -f " + b.socket + " " + b.socket + ".pid")
		}
	})
}

// testWarmPytestSession checks what the pytest server serves from the session
// it collected: the listing, as a cold one writes it, and a batch naming a test
// the session did not collect, refused and run cold.
func testWarmPytestSession(t *testing.T, b *warmBox, ids []string) {
	t.Run("listing", func(t *testing.T) {
		cmd := b.warm.List()
		before := b.served()
		b.run(nil, 0, agent.Path, "agent", "rm", cmd.ResultFile)
		code, _, stderr := b.run(cmd.Env, 0, cmd.Argv...)
		warm := b.read(cmd.ResultFile)
		b.run(nil, 0, agent.Path, "agent", "rm", cmd.ResultFile)
		cold := b.cold.List()
		b.run(cold.Env, 0, cold.Argv...)
		if want := b.read(cold.ResultFile); code != 0 || b.served() != before+1 || !bytes.Equal(warm, want) || len(want) == 0 {
			t.Errorf("warm listing: exit %d, served %d, %d bytes, want the cold listing's %d bytes served once; stderr:\n%s", code, b.served()-before, len(warm), len(want), stderr)
		}
	})
	t.Run("not collected", func(t *testing.T) {
		batch := []string{ids[0], "tests/test_no_such_file.py::test_missing", ids[1]}
		before := b.served()
		out := b.batch(b.warm, batch, 600, 0)
		sameVerdicts(t, b.warm.Verdicts(out), b.cold.Verdicts(b.batch(b.cold, batch, 601, 0)))
		if b.served() != before || !bytes.Contains(out.Stderr, []byte("did not collect")) {
			t.Errorf("served %d, stderr:\n%s\nwant the batch refused and run cold", b.served()-before, out.Stderr)
		}
	})
}

// sameVerdicts fails t for each test whose verdicts differ.
func sameVerdicts(t *testing.T, warm, cold []verdict.Verdict) {
	t.Helper()
	key := func(v verdict.Verdict) string {
		return fmt.Sprintf("%s :: %s: %s crashed=%v unrun=%v %q", v.Class, v.Name, v.Status, v.Crashed, v.Unrun, v.Message)
	}
	if len(warm) != len(cold) {
		t.Fatalf("%d verdicts warm, %d cold", len(warm), len(cold))
	}
	counts := map[string]int{}
	for i := range warm {
		if w, c := key(warm[i]), key(cold[i]); w != c {
			t.Errorf("%s:\n  warm: %s\n  cold: %s", warm[i].ID, w, c)
		}
		counts[string(warm[i].Status)]++
	}
	t.Logf("%d verdicts, equal warm and cold: %v", len(warm), counts)
}

// warmBox is a worker's container, with the preset's files and the agent.
type warmBox struct {
	t          *testing.T
	name       string
	socket     string
	warm, cold suite.Adapter // warm runners on; off (warm: false)
}

func startWarmBox(t *testing.T, image, preset string) *warmBox {
	name := fmt.Sprintf("paratest-e2e-warm-%s-%d", preset, os.Getpid())
	exec.Command("docker", "rm", "-f", name).Run()
	if out, err := exec.Command("docker", "run", "-d", "--name", name, "--network", "none", "--tmpfs", suite.ScratchDir+":mode=1777", image, "sleep", "infinity").CombinedOutput(); err != nil {
		t.Fatalf("docker run %s: %v: %s", image, err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "rm", "-f", name).Run() })
	b := &warmBox{
		t: t, name: name, socket: "/tmp/paratest-" + preset + "-warm.sock",
		warm: suite.New(&config.Config{Preset: preset, Warm: true}),
		cold: suite.New(&config.Config{Preset: preset}),
	}
	dir := t.TempDir()
	for _, f := range b.warm.Files() {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f.Path)), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, f.Path), string(f.Data))
	}
	// Where the runner mounts it: the batches' warm client is the agent too.
	bin, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, agent.Path)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, agent.Path), bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("docker", "cp", dir+"/.", name+":/").CombinedOutput(); err != nil {
		t.Fatalf("docker cp: %v: %s", err, out)
	}
	return b
}

// run runs argv in the box through the agent, killed after timeout (0: none).
func (b *warmBox) run(env []string, timeout time.Duration, argv ...string) (code int, stdout, stderr []byte) {
	args := []string{"exec"}
	for _, e := range env {
		args = append(args, "-e", e)
	}
	args = append(args, b.name, agent.Path, "agent", "exec")
	if timeout > 0 {
		args = append(args, "--timeout", timeout.String())
	}
	var o, e bytes.Buffer
	cmd := exec.Command("docker", append(append(args, "--"), argv...)...)
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		b.t.Fatalf("docker exec %q: %v", argv, err)
	}
	return code, o.Bytes(), e.Bytes()
}

// sh runs a shell script in the box and returns its stdout.
func (b *warmBox) sh(script string) string {
	out, err := exec.Command("docker", "exec", b.name, "sh", "-c", script).Output()
	if err != nil {
		b.t.Fatalf("in the box: %s: %v", script, err)
	}
	return string(out)
}

// read is a file of the box; nil when there is none.
func (b *warmBox) read(path string) []byte {
	out, err := exec.Command("docker", "exec", b.name, "cat", path).Output()
	if err != nil {
		return nil
	}
	return out
}

func (b *warmBox) list() []string {
	cmd := b.warm.List()
	code, stdout, stderr := b.run(cmd.Env, 0, cmd.Argv...)
	ids, err := b.warm.ParseList(suite.Output{ExitCode: code, Stdout: stdout, Stderr: stderr, File: b.read(cmd.ResultFile)})
	if err != nil {
		b.t.Fatalf("listing: %v", err)
	}
	// The cold adapter names the tests as the listing did.
	b.cold.ParseList(suite.Output{ExitCode: code, Stdout: stdout, Stderr: stderr, File: b.read(cmd.ResultFile)})
	return ids
}

// batch runs a's batch of ids as the runner does: its result file removed
// before, read after.
func (b *warmBox) batch(a suite.Adapter, ids []string, seq int, timeout time.Duration) suite.Output {
	cmd := a.Batch(ids, seq)
	b.run(nil, 0, agent.Path, "agent", "rm", cmd.ResultFile)
	start := time.Now()
	code, stdout, stderr := b.run(append(cmd.Env, "PARATEST_ROUND=1"), timeout, cmd.Argv...)
	return suite.Output{IDs: ids, ExitCode: code, Stdout: stdout, Stderr: stderr, File: b.read(cmd.ResultFile), Duration: time.Since(start)}
}

// startServer starts the warm server as the runner does, in the background
// through the agent, and waits until it listens.
func (b *warmBox) startServer() {
	cmd, ok := b.warm.(suite.Warmer).Warm()
	if !ok {
		b.t.Fatal("Warm() is off")
	}
	args := []string{"exec", "-d"}
	for _, e := range cmd.Env {
		args = append(args, "-e", e)
	}
	args = append(args, b.name, "sh", "-c", `exec "$@" >/tmp/warm.log 2>&1`, "sh", agent.Path, "agent", "exec", "--")
	if out, err := exec.Command("docker", append(args, cmd.Argv...)...).CombinedOutput(); err != nil {
		b.t.Fatalf("start %q: %v: %s", cmd.Argv, err, out)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for !strings.Contains(b.sh("test -S "+b.socket+" && test -f "+b.socket+".pid && echo up || true"), "up") {
		if time.Now().After(deadline) {
			b.t.Fatalf("the server does not listen on %s after 2 minutes; its log:\n%s", b.socket, b.log())
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.t.Logf("%s", strings.TrimSpace(b.log()))
}

func (b *warmBox) log() string { return string(b.read("/tmp/warm.log")) }

// served is how many batches the server has run, by its log.
func (b *warmBox) served() int { return strings.Count(b.log(), "batch in child ") }

// children is how many processes the server has forked that still run.
func (b *warmBox) children() int {
	out := b.sh(`pid=$(cat ` + b.socket + `.pid); n=0; for s in /proc/[0-9]*/stat; do
		set -- $(cat "$s" 2>/dev/null | sed 's/^.*) //'); [ "$2" = "$pid" ] && [ "$1" != Z ] && n=$((n+1)); done; echo $n`)
	n, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil {
		b.t.Fatalf("children: %q", out)
	}
	return n
}

// measureScript runs two batch commands n times each, in turns (so that both
// see the same load), and prints for each the median milliseconds until its
// result file holds the first test's start, and until it exits.
const measureScript = `
import os, statistics, subprocess, sys, time
n, rest = int(sys.argv[1]), sys.argv[2:]
cut = rest.index("@@next@@")
cmds = [(rest[0], rest[1:cut]), (rest[cut + 1], rest[cut + 2:])]
first, total = [[], []], [[], []]
for _ in range(n):
    for i, (results, cmd) in enumerate(cmds):
        try: os.unlink(results)
        except OSError: pass
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        f = None
        while p.poll() is None:
            if f is None:
                try:
                    with open(results) as r:
                        data = r.read()
                    if '"event": "start"' in data or '"example_started"' in data:
                        f = time.monotonic() - t0
                except OSError:
                    pass
            time.sleep(0.0005)
        t = time.monotonic() - t0
        first[i].append((f or t) * 1000); total[i].append(t * 1000)
print(*(statistics.median(x) for x in (first[0], total[0], first[1], total[1])))
`

// measure runs the batch commands a and b n times each, in turns: the
// medians of ms to their first test's start and to their end.
func (b *warmBox) measure(a, c suite.Command, n int) (first, total [2]float64) {
	args := append([]string{"exec", b.name, "python3", "-c", measureScript, strconv.Itoa(n), a.ResultFile}, a.Argv...)
	args = append(append(args, "@@next@@", c.ResultFile), c.Argv...)
	out, err := exec.Command("docker", args...).Output()
	if err != nil {
		b.t.Fatalf("measure %q: %v", a.Argv, err)
	}
	if _, err := fmt.Sscan(string(out), &first[0], &total[0], &first[1], &total[1]); err != nil {
		b.t.Fatalf("measure: %q: %v", out, err)
	}
	return first, total
}

func loadavg(b *warmBox) string {
	f := strings.Fields(b.sh("cat /proc/loadavg"))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
