package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// The pytest preset's parity test: e2e/testdata/pytest-suite runs serially in
// the runners image with Debian's pytest and its own --junitxml alone, and with
// jenkins-paratest on 4 workers of the same image, which has nothing of ours
// but the plugin the preset copies in. Every testcase must have the same
// classname, name and verdict; the test that kills the interpreter
// (os._exit(3)), which a serial run cannot survive, fails as crashed without
// costing its file's other tests theirs; the order-dependent tests are found
// out. The run has warm runners (the default): every batch is run from the
// session each worker's server collected.
func TestPresetPytest(t *testing.T) {
	need(t, false)
	image := suiteImage(t, runnerImage(t), filepath.Join(repoRoot, "e2e", "testdata", "pytest-suite"), "/suite")
	const crashID = "tests/test_crash.py::test_crash_here"

	files, _ := serialRun(t, image, "/out",
		"python3", "-m", "pytest", "-p", "no:cacheprovider", "--junitxml=/out/junit.xml", "--deselect", crashID)
	checkParity(t, junitVerdicts(t, files...), parityRun{
		image: image, preset: "pytest",
		crash:  caseKey{"tests.test_crash", "test_crash_here"},
		served: "warm pytest server: batch in child",
		order: map[string]string{
			"tests/test_z_order_check.py::test_registry_ready": "tests/test_a_order_setup.py::test_configure_registry", // a module attribute
			"tests/test_z_order_check.py::test_token_visible":  "tests/test_a_order_setup.py::test_export_token",       // an environment variable
		},
	})
}

// A listing that fails stops the run before any worker starts, with one line
// saying what to do.
func TestPresetPytestListingErrors(t *testing.T) {
	need(t, false)
	base := runnerImage(t)
	for _, tc := range []struct {
		name, dir, args, want string
	}{
		{"collection error", filepath.Join(repoRoot, "internal", "suite", "testdata", "pytest", "suites", "collect-error"), "",
			"pytest --collect-only: 2 collection errors, the first in tests/test_broken.py: ModuleNotFoundError: No module named 'no_such_module_anywhere'"},
		{"usage error", filepath.Join(repoRoot, "e2e", "testdata", "pytest-suite"), "args: [--no-such-option]\n",
			"pytest usage error (exit code 4): pytest: error: unrecognized arguments: --no-such-option"},
		{"no tests", filepath.Join(repoRoot, "e2e", "testdata", "pytest-suite"), "args: [-k, no_test_is_called_that]\n",
			"pytest collected no tests (exit code 5)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			image := suiteImage(t, base, tc.dir, "/suite")
			id := runID(t)
			dir := writeConfig(t, fmt.Sprintf("image: %s\npull: never\npreset: pytest\nworkers: 2\nrun_id: %s\n%s", image, id, tc.args))
			r := paratest(t, dir, nil, "run", "--config", filepath.Join(dir, "paratest.yml"), "--out", filepath.Join(dir, "out"))
			if r.code != 2 || !strings.Contains(r.stderr, "image "+image+": "+tc.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 2 and %q", r.code, r.stderr, tc.want)
			}
			assertNoContainers(t, id)
		})
	}
}
