package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// The cucumber preset's parity test: e2e/testdata/cucumber-suite runs serially
// with Debian's cucumber and its own JUnit formatter (`--format junit`), and with
// jenkins-paratest on 4 workers in batches of 8. Every testcase must have the
// same classname, name and verdict; the scenario that exit!s the process, which
// a serial run cannot survive, fails as crashed without costing the scenarios of
// its feature and batch theirs; the two scenarios that pass only after a
// scenario of an earlier feature file are found out.
func TestPresetCucumber(t *testing.T) {
	image := suiteImage(t, runnerImage(t), filepath.Join(repoRoot, "e2e", "testdata", "cucumber-suite"), "/suite")

	files, output := serialRun(t, image, "/junit", "cucumber", "--format", "junit", "--out", "/junit", "--tags", "~@crash")
	serial := junitVerdicts(t, files...)
	if len(serial) < 200 {
		t.Fatalf("the serial run has %d testcases, want the suite's 200 or more\n%s", len(serial), output)
	}

	id := runID(t)
	dir := writeConfig(t, fmt.Sprintf("image: %s\npull: never\npreset: cucumber\nworkers: 4\nbatch: 8\nrun_id: %s\n", image, id))
	out := filepath.Join(dir, "out")
	r := paratest(t, dir, nil, "run", "--config", filepath.Join(dir, "paratest.yml"), "--out", out)
	if r.code != 1 {
		t.Fatalf("run exited %d, want 1 (the suite has failures)", r.code)
	}
	ours := ourVerdicts(t, out)

	crash := caseKey{"Crash zone", "the runner dies here"}
	if v := ours[crash]; v != "failed" {
		t.Errorf("%s: %q, want failed", crash, v)
	}
	for _, c := range readJUnit(t, out) {
		if c.Class == crash.Class && c.Name == crash.Name && (c.Failure == nil || !strings.Contains(c.Failure.Message, "crashed")) {
			t.Errorf("%s: failure %+v, want a message saying it crashed", crash, c.Failure)
		}
	}
	delete(ours, crash)
	assertParity(t, serial, ours)
	assertOrderDependent(t, out, map[string]string{
		"features/10_order_dependent.feature:3": "features/05_order_setup.feature:3",
		"features/10_order_dependent.feature:6": "features/05_order_setup.feature:7",
	})
	assertNoContainers(t, id)
}
