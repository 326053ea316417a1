package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// What a test does stays in its worker: a fork bomb meets the pids limit, a
// memory hog is killed at the memory limit and fails with that said, and the
// worker goes on with the next tests in the same container.
func TestLimitsContainTheTests(t *testing.T) {
	need(t, true)
	dir := writeConfig(t, `
image: `+shellImage+`
pull: never
workers: 1
pids: 64
memory: 32m
rerun_threshold: 0
list: 'echo before; echo bomb; echo hog; echo after'
command: |
  case "$1" in
  bomb) b() { b | b & }; b; sleep 1; exit 1 ;;
  hog) head -c 200000000 /dev/zero | sort >/dev/null ;;
  esac
  echo "$1 ran"
`)
	id := runID(t)
	r := paratest(t, dir, nil, "run", "--run-id", id)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (two tests failed)\n%s", r.code, r.stdout)
	}
	verdicts := map[string]junitCase{}
	for _, c := range readJUnit(t, filepath.Join(dir, "paratest-out")) {
		verdicts[c.Name] = c
	}
	for _, name := range []string{"before", "after"} {
		if c := verdicts[name]; c.Failure != nil || c.Error != nil {
			t.Errorf("%s: %+v, want passed: the worker goes on after the bomb and the hog", name, c)
		}
	}
	if c := verdicts["bomb"]; c.Failure == nil {
		t.Errorf("bomb: %+v, want failed", c)
	}
	if c := verdicts["hog"]; c.Failure == nil || !strings.Contains(c.Failure.Message, "killed: out of memory (limit 32MiB)") {
		t.Errorf("hog: %+v, want failed with killed: out of memory (limit 32MiB)", c)
	}
	if s := readSummary(t, filepath.Join(dir, "paratest-out")); s.Lost != 0 {
		t.Errorf("summary %+v: a limit cost the worker", s)
	}
	assertNoContainers(t, id)
}

// Every worker runs with the limits asked for, no-new-privileges and the
// capabilities dropped, on the network asked for.
func TestWorkersGetTheirLimits(t *testing.T) {
	need(t, true)
	dir := writeConfig(t, `
image: `+shellImage+`
pull: never
workers: 1
cpus: 0.5
pids: 100
cap_drop: [NET_RAW]
network: none
list: 'echo t'
command: 'sleep 3'
`)
	id := runID(t)
	done := make(chan result, 1)
	go func() { done <- paratest(t, dir, nil, "run", "--run-id", id) }()
	var inspect []struct {
		HostConfig struct {
			NanoCpus    int64
			PidsLimit   int64
			CapDrop     []string
			SecurityOpt []string
			NetworkMode string
		}
	}
	for range 100 {
		ps, _ := exec.Command("docker", "ps", "-q", "--filter", "label=paratest.run="+id, "--filter", "label=paratest.role=worker").Output()
		if ids := strings.Fields(string(ps)); len(ids) > 0 {
			out, err := exec.Command("docker", "inspect", ids[0]).Output()
			if err == nil && json.Unmarshal(out, &inspect) == nil && len(inspect) == 1 {
				break
			}
		}
		exec.Command("sleep", "0.1").Run()
	}
	r := <-done
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	if len(inspect) != 1 {
		t.Fatal("no worker container seen while the run ran")
	}
	hc := inspect[0].HostConfig
	if hc.NanoCpus != 5e8 || hc.PidsLimit != 100 || strings.TrimPrefix(strings.Join(hc.CapDrop, ","), "CAP_") != "NET_RAW" ||
		strings.Join(hc.SecurityOpt, ",") != "no-new-privileges" || hc.NetworkMode != "none" {
		t.Errorf("worker's host config %+v, want 0.5 CPUs, 100 pids, NET_RAW dropped, no-new-privileges, network none", hc)
	}
}

// No process a test started outlives its batch, also one that left the
// batch's process group (setsid); what setup started stays for the tests.
func TestNothingEscapesABatch(t *testing.T) {
	need(t, true)
	dir := writeConfig(t, `
image: `+shellImage+`
pull: never
workers: 1
setup: 'setsid sleep 2000 </dev/null >/dev/null 2>&1 & sleep 0.2' # a daemon: gone from setup's group once it ends
list: 'echo escape; echo check'
command: |
  case "$1" in
  escape) setsid sleep 1000 </dev/null >/dev/null 2>&1 & sleep 0.2 ;;
  check)
    if ps -o args | grep -q '^sleep 1000'; then echo "the escapee of the last batch runs"; exit 1; fi
    if ! ps -o args | grep -q '^sleep 2000'; then echo "setup's daemon is gone"; exit 1; fi ;;
  esac
`)
	id := runID(t)
	r := paratest(t, dir, nil, "run", "--run-id", id)
	if r.code != 0 {
		t.Fatalf("exit %d, want 0\n%s", r.code, r.stdout)
	}
	assertNoContainers(t, id)
}

// A disk that fills while the run writes its logs costs no verdict: the logs
// stop with a warning, every test keeps its verdict, and the reports are still
// attempted, their error named (exit 3) when they do not fit either.
func TestFullDiskCostsNoVerdict(t *testing.T) {
	need(t, true)
	dir := writeConfig(t, `
image: `+shellImage+`
pull: never
workers: 2
list: 'i=1; while [ $i -le 20 ]; do echo t$i; i=$((i+1)); done'
command: 'head -c 100000 /dev/zero | tr "\000" x; echo; echo "$1 ok"'
`)
	out := filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if msg, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", out).CombinedOutput(); err != nil {
		if os.Getenv("PARATEST_REQUIRE_E2E") == "1" {
			t.Fatalf("mount a small tmpfs: %v: %s", err, msg)
		}
		t.Skipf("needs to mount a small tmpfs (root): %v: %s", err, msg)
	}
	t.Cleanup(func() { exec.Command("umount", out).Run() })
	id := runID(t)
	r := paratest(t, dir, nil, "run", "--run-id", id, "--out", out)
	if !strings.Contains(r.stdout, "20 passed, 0 failed") {
		t.Errorf("a full disk cost verdicts:\n%s", tail(r.stdout, 3000))
	}
	if !strings.Contains(r.stdout, "its log stops here") || !strings.Contains(r.stdout, "no space left on device") {
		t.Errorf("no warning that the logs stopped:\n%s", tail(r.stdout, 3000))
	}
	if r.code != 0 && (r.code != 3 || !strings.Contains(r.stderr, "write reports") || !strings.Contains(r.stderr, "no space left on device")) {
		t.Errorf("exit %d, stderr %q: want 0, or 3 naming the reports that did not fit", r.code, r.stderr)
	}
	assertNoContainers(t, id)
}
