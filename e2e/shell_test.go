package e2e

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Test ids reach the command as argv: ids that are shell code run as literal ids.
func TestIDsAreNeverSplicedIntoAShell(t *testing.T) {
	need(t, true)
	dir := writeConfig(t, `
image: `+shellImage+`
pull: never
workers: 1
tests: tests.txt
command: 'echo "id=$1"; test ! -e /tmp/pwned'
`)
	ids := "$(touch /tmp/pwned)\na; touch /tmp/pwned\n`touch /tmp/pwned`\ncheck\n"
	os.WriteFile(filepath.Join(dir, "tests.txt"), []byte(ids), 0o644)
	id := runID(t)
	r := paratest(t, dir, nil, "run", "--run-id", id)
	if r.code != 0 {
		t.Fatalf("exit %d, want 0: an id was run as shell code", r.code)
	}
	if s := readSummary(t, filepath.Join(dir, "paratest-out")); s.Passed != 4 {
		t.Errorf("summary = %+v, want 4 passed", s)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "paratest-out", "logs", "local_w0.log"))
	if !strings.Contains(string(log), "id=$(touch /tmp/pwned)") {
		t.Errorf("worker log lacks the literal id:\n%s", log)
	}
	assertNoContainers(t, id)
}

// A failing setup retires its worker, with the output shown; the others run the suite.
func TestFailingSetupRetiresOnlyItsWorker(t *testing.T) {
	need(t, true)
	dir := writeConfig(t, `
image: `+shellImage+`
pull: never
workers: 2
list: 'for i in 1 2 3 4 5 6; do echo t$i; done'
setup: 'if [ "$PARATEST_WORKER" = 0 ]; then echo "database would not start"; exit 3; fi; touch /tmp/ready'
command: 'test -e /tmp/ready'
`)
	id := runID(t)
	r := paratest(t, dir, nil, "run", "--run-id", id)
	if r.code != 0 {
		t.Fatalf("exit %d, want 0", r.code)
	}
	if !strings.Contains(r.stdout, "w0 retired") || !strings.Contains(r.stdout, "database would not start") {
		t.Errorf("console does not say that w0 was retired and why")
	}
	if s := readSummary(t, filepath.Join(dir, "paratest-out")); s.Passed != 6 {
		t.Errorf("summary = %+v, want 6 passed", s)
	}
	assertNoContainers(t, id)
}

// When every worker's setup fails, no test runs: exit 3, reports name them lost.
func TestAllWorkersRetiredIsAnInfrastructureError(t *testing.T) {
	need(t, true)
	dir := writeConfig(t, `
image: `+shellImage+`
pull: never
workers: 2
list: 'echo a; echo b'
setup: 'exit 1'
command: 'true'
`)
	id := runID(t)
	r := paratest(t, dir, nil, "run", "--run-id", id)
	if r.code != 3 {
		t.Fatalf("exit %d, want 3", r.code)
	}
	cases := readJUnit(t, filepath.Join(dir, "paratest-out"))
	if len(cases) != 2 || cases[0].Error == nil {
		t.Errorf("JUnit = %+v, want 2 testcases with an error", cases)
	}
	assertNoContainers(t, id)
}

// results: junit — the runner's JUnit file, copied out after each batch, gives the
// verdicts per test.
func TestJUnitResults(t *testing.T) {
	need(t, true)
	dir := writeConfig(t, `
image: `+shellImage+`
pull: never
workers: 2
batch: 2
list: 'echo pkg/a_test.py::test_one; echo pkg/a_test.py::test_two; echo pkg/b_test.py::test_three'
results: junit:/tmp/report.xml
command: |
  {
    echo '<testsuite name="pytest">'
    for id in "$@"; do
      file=${id%%::*}; name=${id##*::}; class=$(echo "${file%.py}" | tr / .)
      if [ "$name" = test_two ]; then
        echo "<testcase classname=\"$class\" name=\"$name\" time=\"0.5\"><failure message=\"assert 1 == 2\">trace</failure></testcase>"
      else
        echo "<testcase classname=\"$class\" name=\"$name\" time=\"0.25\"/>"
      fi
    done
    echo '</testsuite>'
  } > /tmp/report.xml
`)
	id := runID(t)
	r := paratest(t, dir, nil, "run", "--run-id", id)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1", r.code)
	}
	cases := readJUnit(t, filepath.Join(dir, "paratest-out"))
	got := map[string]bool{}
	for _, c := range cases {
		got[c.Class+" "+c.Name] = c.Failure != nil
	}
	want := map[string]bool{"pkg.a_test test_one": false, "pkg.a_test test_two": true, "pkg.b_test test_three": false}
	for k, failed := range want {
		f, ok := got[k]
		if !ok || f != failed {
			t.Errorf("testcase %s: present %v failed %v, want failed %v (all: %v)", k, ok, f, failed, got)
		}
	}
	assertNoContainers(t, id)
}

// Filters that keep nothing are an error unless allow_empty is set.
func TestEmptySelection(t *testing.T) {
	need(t, true)
	dir := writeConfig(t, `
image: `+shellImage+`
pull: never
workers: 1
list: 'echo a; echo b'
filter: '^zzz'
command: 'true'
`)
	if r := paratest(t, dir, nil, "run", "--run-id", runID(t)); r.code != 2 || !strings.Contains(r.stderr, "no tests") {
		t.Errorf("exit %d (%q), want 2 saying there are no tests", r.code, r.stderr)
	}
	if r := paratest(t, dir, nil, "run", "--run-id", runID(t), "--allow-empty"); r.code != 0 {
		t.Errorf("with --allow-empty: exit %d, want 0", r.code)
	}
}

// SIGTERM mid-run: dispatch stops, the containers go, reports hold every test
// (unrun ones skipped), exit 128+15.
func TestSIGTERMMidRun(t *testing.T) {
	need(t, true)
	dir := writeConfig(t, `
image: `+shellImage+`
pull: never
workers: 2
list: 'for i in 1 2 3 4 5 6 7 8 9 10; do echo slow$i; done'
command: 'sleep 3'
`)
	id := runID(t)
	cmd := exec.Command(binary, "run", "--run-id", id)
	cmd.Dir = dir
	cmd.Env = cleanEnv()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	var seen []string
	for sc.Scan() {
		seen = append(seen, sc.Text())
		if strings.Contains(sc.Text(), "==> paratest: running") {
			break
		}
	}
	// Let the first batches start in their containers.
	for i := 0; len(containers(t, id)) < 2; i++ {
		if i == 300 {
			cmd.Process.Kill()
			t.Fatalf("the workers' containers did not start:\n%s", strings.Join(seen, "\n"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGTERM)
	for sc.Scan() {
		seen = append(seen, sc.Text())
	}
	err = cmd.Wait()
	t.Logf("console:\n%s", strings.Join(seen, "\n"))
	if cmd.ProcessState.ExitCode() != 128+15 {
		t.Fatalf("exit %d (%v), want 143", cmd.ProcessState.ExitCode(), err)
	}
	assertNoContainers(t, id)
	cases := readJUnit(t, filepath.Join(dir, "paratest-out"))
	if len(cases) != 10 {
		t.Errorf("JUnit has %d testcases, want all 10", len(cases))
	}
	skipped := 0
	for _, c := range cases {
		if c.Skipped != nil && strings.Contains(c.Skipped.Message, "interrupted") {
			skipped++
		}
	}
	if skipped == 0 {
		t.Errorf("no testcase skipped as interrupted")
	}
}
