package e2e

import (
	"path/filepath"
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

	files, _ := serialRun(t, image, "/junit", "cucumber", "--format", "junit", "--out", "/junit", "--tags", "~@crash")
	checkParity(t, junitVerdicts(t, files...), parityRun{
		image: image, preset: "cucumber",
		crash: caseKey{"Crash zone", "the runner dies here"},
		order: map[string]string{
			"features/10_order_dependent.feature:3": "features/05_order_setup.feature:3",
			"features/10_order_dependent.feature:6": "features/05_order_setup.feature:7",
		},
	})
}
