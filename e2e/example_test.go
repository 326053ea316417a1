package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The example suite with 4 workers: the JUnit files are valid against both schemas
// and hold exactly the tests `list` names, as summary.json counts them, and no
// container is left.
func TestExampleSuite(t *testing.T) {
	need(t, false)
	config := filepath.Join(repoRoot, "examples/go-suite/paratest.yml")
	dir := t.TempDir()
	id := runID(t)

	listed := paratest(t, dir, nil, "list", "--config", config, "--image", exampleImage, "--run-id", id)
	if listed.code != 0 {
		t.Fatalf("list exited %d: %s", listed.code, listed.stderr)
	}
	ids := lines(listed.stdout)
	if len(ids) < 30 {
		t.Fatalf("list printed %d ids, want the example's ~40", len(ids))
	}
	if !strings.Contains(listed.stderr, "4 workers") {
		t.Errorf("list did not say how many workers would run: %q", listed.stderr)
	}
	assertNoContainers(t, id)

	out := filepath.Join(dir, "out")
	r := paratest(t, dir, nil, "run", "--config", config, "--image", exampleImage, "--out", out, "--run-id", id, "--workers", "4")
	if r.code != 0 {
		t.Fatalf("run exited %d, want 0", r.code)
	}
	// Testcases are named as `go test -v ./... | go-junit-report` names them:
	// classname the import path, name the test; a subtest is a testcase of its
	// own, "TestX/sub", beside its listed parent.
	cases := readJUnit(t, out)
	isListed := map[string]bool{}
	for _, id := range ids {
		isListed[id] = true
	}
	seen := map[string]bool{}
	subtests := 0
	for _, c := range cases {
		top, _, sub := strings.Cut(c.Name, "/")
		if strings.Contains(c.Class, "w0") || !strings.HasPrefix(c.Class, "example/gosuite/") {
			t.Errorf("classname %q is not the import path", c.Class)
		}
		if !isListed[c.Class+"."+top] {
			t.Errorf("testcase %s %s is not a listed test or a subtest of one", c.Class, c.Name)
		}
		if sub {
			subtests++
		}
		seen[c.Class+"."+c.Name] = true
	}
	for _, id := range ids {
		if !seen[id] {
			t.Errorf("listed test %s has no testcase", id)
		}
	}
	if subtests == 0 || len(cases) != len(ids)+subtests {
		t.Errorf("JUnit has %d testcases, %d of them subtests; list printed %d ids", len(cases), subtests, len(ids))
	}
	s := readSummary(t, out)
	if s.Tests != len(cases) || s.Failed != 0 || s.Lost != 0 || s.Workers != 4 {
		t.Errorf("summary.json = %+v, want %d tests (the testcases), 0 failed, 0 lost, 4 workers", s, len(cases))
	}
	// Every worker wrote its log; tests spread over more than one worker.
	logs, _ := filepath.Glob(filepath.Join(out, "logs", "local_w*.log"))
	if len(logs) != 4 {
		t.Errorf("%d worker logs, want 4", len(logs))
	}
	busy := 0
	for _, l := range logs {
		data, _ := os.ReadFile(l)
		if strings.Contains(string(data), "=== paratest: round 1") {
			busy++
		}
	}
	if busy < 2 {
		t.Errorf("only %d workers ran tests", busy)
	}
	if !strings.Contains(r.stdout, "[w") || !strings.Contains(r.stdout, "PASS example/gosuite/") {
		t.Errorf("console has no per-test lines")
	}
	if last := lines(r.stdout); len(last) == 0 || last[len(last)-1] != "paratest: PASSED" {
		t.Errorf("console does not end with the verdict line")
	}
	assertNoContainers(t, id)
}

// With GOSUITE_FAIL=1 exactly one example test fails: exit 1, reports written, the
// failure in JUnit and on the console with its output.
func TestExampleShowsAFailure(t *testing.T) {
	need(t, false)
	config := filepath.Join(repoRoot, "examples/go-suite/paratest.yml")
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	id := runID(t)
	r := paratest(t, dir, []string{"GOSUITE_FAIL=1"}, "run", "--config", config, "--image", exampleImage,
		"--out", out, "--run-id", id, "--workers", "2", "--filter", "calc")
	if r.code != 1 {
		t.Fatalf("run exited %d, want 1", r.code)
	}
	s := readSummary(t, out)
	if s.Failed != 1 || s.Passed != s.Tests-1 {
		t.Errorf("summary.json = %+v, want exactly one failure", s)
	}
	var failed []junitCase
	for _, c := range readJUnit(t, out) {
		if c.Failure != nil {
			failed = append(failed, c)
		}
	}
	if len(failed) != 1 || failed[0].Name != "TestDivideRounding" || failed[0].Class != "example/gosuite/calc" {
		t.Fatalf("failed testcases = %+v, want example/gosuite/calc TestDivideRounding", failed)
	}
	if !strings.Contains(failed[0].Failure.Message, "got 3, want 4") {
		t.Errorf("failure message %q lacks the assertion", failed[0].Failure.Message)
	}
	if !strings.Contains(r.stdout, "FAIL example/gosuite/calc.TestDivideRounding") || !strings.Contains(r.stdout, "| ") {
		t.Errorf("console lacks the FAIL line or the failing test's output")
	}
	md, _ := os.ReadFile(filepath.Join(out, "summary.md"))
	if !strings.Contains(string(md), "TestDivideRounding") {
		t.Errorf("summary.md does not name the failed test")
	}
	assertNoContainers(t, id)
}

// A missing image is a one-line error naming it, exit 2, and no container.
func TestMissingImage(t *testing.T) {
	need(t, false)
	dir := t.TempDir()
	id := runID(t)
	r := paratest(t, dir, nil, "run", "--config", filepath.Join(repoRoot, "examples/go-suite/paratest.yml"),
		"--image", "paratest-e2e/no-such-image:1", "--run-id", id, "--out", filepath.Join(dir, "out"))
	if r.code != 2 {
		t.Errorf("exit %d, want 2", r.code)
	}
	if got := lines(r.stderr); len(got) != 1 || !strings.Contains(got[0], "paratest-e2e/no-such-image:1") {
		t.Errorf("stderr = %q, want one line naming the image", r.stderr)
	}
	assertNoContainers(t, id)
}
