package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The real binary plans the example suite from the JUnit files of a run of
// it, reaching no engine with --tests; the next run with that history records
// the same prediction, and its summary.md sets it against what happened.
func TestPlanThenRun(t *testing.T) {
	need(t, false)
	config := filepath.Join(repoRoot, "examples/go-suite/paratest.yml")
	dir := t.TempDir()
	id := runID(t)
	common := []string{"--config", config, "--image", exampleImage, "--run-id", id, "--workers", "4"}

	listed := paratest(t, dir, nil, append([]string{"list"}, common...)...)
	if listed.code != 0 {
		t.Fatalf("list exited %d: %s", listed.code, listed.stderr)
	}
	ids := filepath.Join(dir, "ids.txt")
	writeFile(t, ids, listed.stdout)
	first := filepath.Join(dir, "build1")
	if r := paratest(t, dir, nil, append([]string{"run", "--out", first}, common...)...); r.code != 0 {
		t.Fatalf("first run exited %d", r.code)
	}
	history := filepath.Join(first, "junit", "*.xml")

	// DOCKER_HOST pointing nowhere: with --tests, plan reaches no engine.
	p := paratest(t, dir, []string{"DOCKER_HOST=unix:///nonexistent.sock"},
		append([]string{"plan", "--tests", ids, "--history", history, "--target", "1h"}, common...)...)
	if p.code != 0 {
		t.Fatalf("plan exited %d: %s", p.code, p.stderr)
	}
	n := len(lines(listed.stdout))
	for _, want := range []string{
		"plan: " + strconv.Itoa(n) + " tests, 4 workers on local",
		"  w3 ", "plan: predicted wall time ", "lower bound ", "plan: target 1h0m0s: 1 worker reaches it",
	} {
		if !strings.Contains(p.stdout, want) {
			t.Errorf("plan printed no %q:\n%s", want, p.stdout)
		}
	}
	predicted := regexp.MustCompile(`predicted wall time (\S+),`).FindStringSubmatch(p.stdout)

	second := filepath.Join(dir, "build2")
	r := paratest(t, dir, nil, append([]string{"run", "--out", second, "--history", history}, common...)...)
	if r.code != 0 {
		t.Fatalf("second run exited %d", r.code)
	}
	md, err := os.ReadFile(filepath.Join(second, "summary.md"))
	if err != nil {
		t.Fatal(err)
	}
	if predicted == nil || !strings.Contains(string(md), "predicted "+predicted[1]+" from earlier runs") {
		t.Errorf("summary.md does not give plan's prediction %v:\n%s", predicted, md)
	}
	if !strings.Contains(string(md), "finished the first round last") {
		t.Errorf("summary.md names no worker that finished last:\n%s", md)
	}
	assertNoContainers(t, id)
}
