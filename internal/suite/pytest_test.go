package suite

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
	"github.com/jenkins-paratest/jenkins-paratest/internal/verdict"
)

// The pytest adapter's tests read what Debian's pytest 7.2 left behind when
// run.py listed or ran the parity suite (e2e/testdata/pytest-suite) and the
// small suites of testdata/pytest/suites, recorded in testdata/pytest/NNN-name/
// by testdata/pytest/capture.sh: the run.py arguments, the exit code, stdout,
// stderr, the result file, and for some the serial JUnit report of
// `python3 -m pytest --junitxml` that the verdicts must agree with.

// pytestCapture is one recorded run of run.py.
type pytestCapture struct {
	args []string // after the result file
	out  Output
}

func loadPytest(t *testing.T, name string) pytestCapture {
	t.Helper()
	dir := filepath.Join("testdata", "pytest", name)
	read := func(f string) []byte {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		return data
	}
	code, err := strconv.Atoi(strings.TrimSpace(string(read("exit"))))
	if err != nil {
		t.Fatalf("%s/exit: %v", dir, err)
	}
	c := pytestCapture{
		args: strings.Split(strings.TrimSuffix(string(read("args")), "\n"), "\n"),
		out:  Output{ExitCode: code, Stdout: read("stdout"), Stderr: read("stderr"), File: read("results.jsonl")},
	}
	if i := slices.Index(c.args, "--"); i >= 0 {
		c.out.IDs = c.args[i+1:]
	}
	return c
}

// serialJUnit is the verdict of each testcase of a recorded serial JUnit report,
// read as Jenkins reads it.
func serialJUnit(t *testing.T, name string) map[Name]result.Status {
	t.Helper()
	return junitStatuses(t, filepath.Join("testdata", "pytest", name, "junit.xml"))
}

// listedPytest is an adapter that has parsed the recorded listing.
func listedPytest(t *testing.T, listing string) (*pytest, []string) {
	t.Helper()
	p := newPytest(&config.Config{}).(*pytest)
	ids, err := p.ParseList(loadPytest(t, listing).out)
	if err != nil {
		t.Fatal(err)
	}
	return p, ids
}

const crashID = "tests/test_crash.py::test_crash_here"

func TestPytestParseList(t *testing.T) {
	type testCase struct {
		name    string
		capture string
		cfg     config.Config
		edit    func(*Output)
		ids     int    // how many ids, when no error
		first   string // the first id
		err     string // a part of the error
	}
	fn := func(t *testing.T, tc testCase) {
		out := loadPytest(t, tc.capture).out
		if tc.edit != nil {
			tc.edit(&out)
		}
		ids, err := newPytest(&tc.cfg).ParseList(out)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error %v, want one with %q", err, tc.err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error of more than one line: %q", err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != tc.ids {
			t.Errorf("%d ids, want %d", len(ids), tc.ids)
		}
		if len(ids) > 0 && ids[0] != tc.first {
			t.Errorf("first id %q, want %q", ids[0], tc.first)
		}
	}
	for _, tc := range []testCase{
		{name: "suite", capture: "001-list", ids: 324, first: "tests/test_a_order_setup.py::test_configure_registry"},
		{name: "rootdir above the workdir", capture: "011-list-subdir", ids: 3, first: "tests/test_sub.py::test_param[a b]"},
		{name: "an id listed twice", capture: "011-list-subdir", ids: 3, first: "tests/test_sub.py::test_param[a b]",
			edit: func(o *Output) {
				o.File = append(o.File, `{"event": "item", "id": "tests/test_sub.py::test_param[a b]", "suite": "s", "classname": "c", "name": "n"}`+"\n"...)
			}},
		{name: "collection errors", capture: "002-list-collect-error",
			err: "pytest --collect-only: 2 collection errors, the first in tests/test_broken.py: ModuleNotFoundError: No module named 'no_such_module_anywhere'; fix it, or leave the file out with args: [--ignore=tests/test_broken.py]"},
		{name: "no tests", capture: "003-list-no-tests", err: "pytest collected no tests (exit code 5)"},
		{name: "no tests allowed", capture: "003-list-no-tests", cfg: config.Config{AllowEmpty: true}, ids: 0},
		{name: "conftest does not import", capture: "015-list-conftest-error",
			err: "pytest cannot load /suite/conftest.py (exit code 4): ModuleNotFoundError: No module named 'nope_not_here'"},
		{name: "usage error", capture: "004-list-usage", err: "pytest usage error (exit code 4): pytest: error: unrecognized arguments: --no-such-option; check args:"},
		{name: "no pytest", capture: "005-list-no-pytest", err: "python3 has no pytest module (No module named 'pytest'): install pytest in the image"},
		{name: "no pytest, no result file", capture: "005-list-no-pytest",
			edit: func(o *Output) { o.File, o.Stderr = nil, []byte("ModuleNotFoundError: No module named 'pytest'\n") },
			err:  "python3 cannot start pytest (ModuleNotFoundError: No module named 'pytest'): install pytest"},
		{name: "exit 0 without a result file", capture: "001-list", edit: func(o *Output) { o.File = nil },
			err: "pytest --collect-only exited 0 but wrote no /.paratest-results/paratest-pytest-list.jsonl"},
		{name: "unreadable result file", capture: "001-list", edit: func(o *Output) { o.File = append(o.File, "{\"event\": \"item\", \"id\n"...) },
			err: "pytest --collect-only: result line 326:"},
		{name: "internal error", capture: "003-list-no-tests",
			edit: func(o *Output) {
				o.ExitCode, o.Stderr = 3, []byte("INTERNALERROR> Traceback\nINTERNALERROR> ValueError: bad hook\n")
			},
			err: "pytest internal error (exit code 3): INTERNALERROR> ValueError: bad hook"},
		{name: "killed", capture: "003-list-no-tests", edit: func(o *Output) { o.ExitCode, o.Stdout = 137, []byte("collecting ...\n") },
			err: "pytest --collect-only exited 137: collecting ..."},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

// Every listed test is named exactly as pytest's junitxml named it in the serial
// run, from the listing and from the node id alone.
func TestPytestNamesMatchJUnit(t *testing.T) {
	p, ids := listedPytest(t, "001-list")
	serial := serialJUnit(t, "006-batch-all")
	named := map[Name]bool{}
	for _, id := range ids {
		n := p.Name(id)
		if id == crashID {
			continue
		}
		if _, ok := serial[Name{Class: n.Class, Name: n.Name}]; !ok {
			t.Errorf("%s: named %q %q, not a testcase of the serial report", id, n.Class, n.Name)
		}
		named[Name{Class: n.Class, Name: n.Name}] = true
		if got := pytestNames(id); got != n {
			t.Errorf("pytestNames(%q) = %+v, the listing says %+v", id, got, n)
		}
		if !strings.HasPrefix(n.Class, n.Suite) || n.Suite == "" {
			t.Errorf("%s: suite %q is not the start of classname %q", id, n.Suite, n.Class)
		}
	}
	if len(named) != len(serial) {
		t.Errorf("%d tests named, the serial report has %d testcases", len(named), len(serial))
	}
}

func TestPytestNames(t *testing.T) {
	for id, want := range map[string]Name{
		"test_a.py::test_x":                     {Suite: "test_a", Class: "test_a", Name: "test_x"},
		"tests/unit/test_b.py::TestC::TestD::t": {Suite: "tests.unit.test_b", Class: "tests.unit.test_b.TestC.TestD", Name: "t"},
		"tests/test_p.py::test[a::b/c.py]":      {Suite: "tests.test_p", Class: "tests.test_p", Name: "test[a::b/c.py]"},
		"tests/test_p.py::TestK::test[x[1]]":    {Suite: "tests.test_p", Class: "tests.test_p.TestK", Name: "test[x[1]]"},
		"test_u.py::test_grüße[\u0007🙂\u00ff]":  {Suite: "test_u", Class: "test_u", Name: "test_grüße[#x07#x1F642\u00ff]"},
		"README.txt":          {Suite: "pytest", Class: "", Name: "README.txt"},
		"pkg.py/test_x.py::t": {Suite: "pkg.py.test_x", Class: "pkg.py.test_x", Name: "t"},
	} {
		if got := pytestNames(id); got != want {
			t.Errorf("pytestNames(%q) = %+v, want %+v", id, got, want)
		}
	}
}

func TestPytestCommands(t *testing.T) {
	p, _ := listedPytest(t, "011-list-subdir")
	p.cfg = &config.Config{Args: []string{"-m", "not slow", "--tb=short"}, Warm: true}
	list := p.List()
	// Through the warm client: on the worker that lists, the server's preload is the listing's.
	coldList := []string{"python3", "/.paratest/pytest/run.py", "list", "/.paratest-results/paratest-pytest-list.jsonl", "-p", "no:cacheprovider", "-m", "not slow", "--tb=short"}
	if want := append([]string{"/.paratest/bin/agent", "agent", "warm", "/tmp/paratest-pytest-warm.sock", "--"}, coldList...); !slices.Equal(list.Argv, want) {
		t.Errorf("list argv %q, want %q", list.Argv, want)
	}
	if w, _ := p.Warm(); w.PidFile != "/tmp/paratest-pytest-warm.sock.pid" {
		t.Errorf("warm runner's pid file %q: batches would not wait for it", w.PidFile)
	}
	if list.ResultFile != "/.paratest-results/paratest-pytest-list.jsonl" {
		t.Errorf("list result file %q", list.ResultFile)
	}
	// The listing ran in /suite/tests under the rootdir /suite: the batch
	// selects its tests by paths relative to the working directory.
	ids := []string{"tests/test_sub.py::test_param[x[1]]", "tests/other.py::test_unlisted", "tests/test_sub.py::TestThing::test_method"}
	cold := []string{"python3", "/.paratest/pytest/run.py", "run", "/.paratest-results/paratest-pytest-7.jsonl", "-p", "no:cacheprovider", "-m", "not slow", "--tb=short", "--",
		"test_sub.py::test_param[x[1]]", "tests/other.py::test_unlisted", "test_sub.py::TestThing::test_method"}
	// Warm runners on: the client, which runs the cold command itself when
	// there is no server.
	b := p.Batch(ids, 7)
	if want := append([]string{"/.paratest/bin/agent", "agent", "warm", "/tmp/paratest-pytest-warm.sock", "--"}, cold...); !slices.Equal(b.Argv, want) {
		t.Errorf("batch argv\n%q, want\n%q", b.Argv, want)
	}
	if b.ResultFile != "/.paratest-results/paratest-pytest-7.jsonl" {
		t.Errorf("batch result file %q", b.ResultFile)
	}
	warm, ok := p.Warm()
	if want := []string{"python3", "/.paratest/pytest/run.py", "serve", "/tmp/paratest-pytest-warm.sock", "-p", "no:cacheprovider", "-m", "not slow", "--tb=short"}; !ok || !slices.Equal(warm.Argv, want) {
		t.Errorf("Warm() = %q, %v, want %q, true", warm.Argv, ok, want)
	}
	p.cfg.Warm = false
	if b := p.Batch(ids, 7); !slices.Equal(b.Argv, cold) {
		t.Errorf("batch argv with warm: false\n%q, want\n%q", b.Argv, cold)
	}
	if _, ok := p.Warm(); ok {
		t.Error("Warm() with warm: false: true, want false")
	}
	if l := p.List(); !slices.Equal(l.Argv, coldList) {
		t.Errorf("list argv with warm: false %q, want %q", l.Argv, coldList)
	}
	files := p.Files()
	if len(files) != 1 || files[0].Path != "/.paratest/pytest/run.py" || !strings.Contains(string(files[0].Data), "pytest.main(args, plugins=") {
		for _, f := range files {
			t.Errorf("file %s: %d bytes", f.Path, len(f.Data))
		}
	}
	if !p.PerID() || p.Group("tests/test_sub.py::TestThing::test_method") != "" {
		t.Error("PerID or Group")
	}
}

// The verdicts of one batch of the whole suite equal the serial run's, testcase
// for testcase.
func TestPytestVerdictsMatchJUnit(t *testing.T) {
	p, _ := listedPytest(t, "001-list")
	c := loadPytest(t, "006-batch-all")
	vs := p.Verdicts(c.out)
	serial := serialJUnit(t, "006-batch-all")
	if len(vs) != len(c.out.IDs) || len(vs) != len(serial) {
		t.Fatalf("%d verdicts for %d ids, serial report has %d testcases", len(vs), len(c.out.IDs), len(serial))
	}
	counts := map[result.Status]int{}
	for i, v := range vs {
		if v.ID != c.out.IDs[i] {
			t.Fatalf("verdict %d is of %q, want %q", i, v.ID, c.out.IDs[i])
		}
		k := Name{Class: v.Class, Name: v.Name}
		if want, ok := serial[k]; !ok || v.Status != want {
			t.Errorf("%s (%s :: %s): %s, serial %s", v.ID, v.Class, v.Name, v.Status, want)
		}
		if v.Crashed || v.Unrun {
			t.Errorf("%s: crashed %v, unrun %v", v.ID, v.Crashed, v.Unrun)
		}
		if n := p.Name(v.ID); n.Class != v.Class || n.Name != v.Name || n.Suite != v.Suite {
			t.Errorf("%s: verdict names %q %q %q, Name says %+v", v.ID, v.Suite, v.Class, v.Name, n)
		}
		counts[v.Status]++
	}
	if want := map[result.Status]int{result.Passed: 284, result.Failed: 20, result.Skipped: 12, result.Errored: 7}; !cmp.Equal(counts, want) {
		t.Errorf("counts %v, want %v", counts, want)
	}
}

// What the verdicts say besides the status, on the real output of one batch.
func TestPytestVerdictDetails(t *testing.T) {
	p, _ := listedPytest(t, "001-list")
	vs := map[string]verdict.Verdict{}
	for _, v := range p.Verdicts(loadPytest(t, "006-batch-all").out) {
		vs[v.ID] = v
	}
	type want struct {
		status  result.Status
		message string
		details string // a part of Details
		output  string // a part of Output
		minimum time.Duration
	}
	for id, w := range map[string]want{
		"tests/test_outcomes.py::test_passes":       {status: result.Passed},
		"tests/test_outcomes.py::test_fails_assert": {status: result.Failed, message: "assert 1 == 2", details: "tests/test_outcomes.py:13: AssertionError"},
		"tests/test_outcomes.py::test_prints_and_fails": {status: result.Failed, message: "AssertionError: printed, then failed",
			output: "Captured stdout call --------------------\nsome stdout before the failure"},
		"tests/test_outcomes.py::test_fails_multiline_message": {status: result.Failed, message: "AssertionError: assert 'first line\\nsecond line' == 'first line\\nthird line'"},
		"tests/test_outcomes.py::test_skip_imperative":         {status: result.Skipped, message: "not today", details: "/suite/tests/test_outcomes.py:31: not today"},
		"tests/test_outcomes.py::test_xfail":                   {status: result.Skipped, message: "known bug #12"},
		"tests/test_outcomes.py::test_xfail_imperative":        {status: result.Skipped, message: "decided at run time"},
		"tests/test_outcomes.py::test_xpass":                   {status: result.Passed},
		"tests/test_outcomes.py::test_xpass_strict":            {status: result.Failed, message: "[XPASS(strict)] must fail"},
		"tests/test_outcomes.py::test_xfail_wrong_exception":   {status: result.Failed, message: "ValueError: not the expected one"},
		"tests/test_outcomes.py::test_setup_error":             {status: result.Errored, message: `failed on setup with "RuntimeError: database refused the connection"`},
		"tests/test_outcomes.py::test_teardown_error":          {status: result.Errored, message: `failed on teardown with "RuntimeError: could not release the resource"`},
		// The xfail mark covers the teardown's error too.
		"tests/test_outcomes.py::test_xfail_then_teardown_error": {status: result.Skipped, message: "expected, then teardown breaks"},
		// A skipped test whose teardown errors is an error.
		"tests/test_outcomes.py::test_skip_then_teardown_error":    {status: result.Errored, message: `failed on teardown with "RuntimeError: could not release the resource"`},
		"tests/test_outcomes.py::test_skip_in_fixture":             {status: result.Skipped, message: "the fixture skips: no GPU here"},
		"tests/test_classes.py::UnitCase::test_unexpected_success": {status: result.Failed, message: "Unexpected success"},
		"tests/test_slow.py::test_sleeps[2]":                       {status: result.Passed, minimum: 2 * time.Second},
	} {
		v, ok := vs[id]
		if !ok {
			t.Errorf("no verdict for %s", id)
			continue
		}
		if v.Status != w.status || v.Message != w.message {
			t.Errorf("%s: %s %q, want %s %q", id, v.Status, v.Message, w.status, w.message)
		}
		if !strings.Contains(v.Details, w.details) {
			t.Errorf("%s: details %q, want %q in them", id, v.Details, w.details)
		}
		if !strings.Contains(v.Output, w.output) {
			t.Errorf("%s: output %q, want %q in it", id, v.Output, w.output)
		}
		if v.Duration < w.minimum || v.Duration > w.minimum+time.Second {
			t.Errorf("%s: duration %v, want %v or a little more", id, v.Duration, w.minimum)
		}
	}
}

func TestPytestVerdicts(t *testing.T) {
	type want struct {
		id      string
		status  result.Status // unset for an unrun id
		message string        // a part of the message
		crashed bool
		unrun   bool
		details string // a part of Details
		output  string // a part of Output
	}
	type testCase struct {
		name    string
		listing string // the listing the adapter parsed first; "" for none (tests:)
		capture string
		edit    func(*Output)
		want    []want
	}
	fn := func(t *testing.T, tc testCase) {
		p := newPytest(&config.Config{}).(*pytest)
		if tc.listing != "" {
			p, _ = listedPytest(t, tc.listing)
		}
		out := loadPytest(t, tc.capture).out
		if tc.edit != nil {
			tc.edit(&out)
		}
		vs := p.Verdicts(out)
		if len(vs) != len(tc.want) {
			t.Fatalf("%d verdicts, want %d", len(vs), len(tc.want))
		}
		for i, w := range tc.want {
			v := vs[i]
			if v.ID != w.id || v.Status != w.status || v.Crashed != w.crashed || v.Unrun != w.unrun || !strings.Contains(v.Message, w.message) {
				t.Errorf("verdict %d: %q %s %q crashed=%v unrun=%v, want %q %s %q crashed=%v unrun=%v",
					i, v.ID, v.Status, v.Message, v.Crashed, v.Unrun, w.id, w.status, w.message, w.crashed, w.unrun)
			}
			if !strings.Contains(v.Details, w.details) || !strings.Contains(v.Output, w.output) {
				t.Errorf("%s: details %q output %q, want %q and %q in them", v.ID, v.Details, v.Output, w.details, w.output)
			}
			if n := p.Name(v.ID); v.Class != n.Class || v.Name != n.Name || v.Suite != n.Suite {
				t.Errorf("%s: named %q %q %q, want %+v", v.ID, v.Suite, v.Class, v.Name, n)
			}
		}
	}
	crashFile := []want{
		{id: "tests/test_crash.py::test_before[0]", status: result.Passed},
		{id: "tests/test_crash.py::test_before[1]", status: result.Passed},
		{id: "tests/test_crash.py::test_before[2]", status: result.Passed},
		{id: "tests/test_crash.py::test_before[3]", status: result.Passed},
		{id: "tests/test_crash.py::test_before[4]", status: result.Passed},
		{id: "tests/test_crash.py::test_before_fails", status: result.Failed, message: "AssertionError: assert 'before' == 'after'"},
		{id: crashID, status: result.Failed, crashed: true, message: "crashed: pytest exited with code 3 while this test ran", details: "tests/test_crash.py .....F"},
		{id: "tests/test_crash.py::test_after[0]", unrun: true},
		{id: "tests/test_crash.py::test_after[1]", unrun: true},
		{id: "tests/test_crash.py::test_after[2]", unrun: true},
		{id: "tests/test_crash.py::test_after[3]", unrun: true},
		{id: "tests/test_crash.py::test_after[4]", unrun: true},
		{id: "tests/test_crash.py::test_after_skips", unrun: true},
	}
	noResult := func(ws []want, code int, output string) []want {
		out := make([]want, len(ws))
		for i, w := range ws {
			out[i] = want{id: w.id, status: result.Errored, message: "no result for this test (exit code " + strconv.Itoa(code) + ")", output: output}
		}
		return out
	}
	for _, tc := range []testCase{
		{name: "os._exit in the middle of a file", listing: "001-list", capture: "007-batch-crash", want: crashFile},
		{name: "killed in the middle of the crashing test's done line", listing: "001-list", capture: "007-batch-crash",
			edit: func(o *Output) {
				o.ExitCode = 137
				o.File = append(o.File, `{"event": "done", "id": "tests/test_crash.py::test_cr`...)
			},
			want: append(append(slices.Clone(crashFile[:6]),
				want{id: crashID, status: result.Failed, crashed: true, message: "crashed: pytest was killed by signal 9 (killed) while this test ran"}),
				crashFile[7:]...)},
		{name: "segfault", capture: "009-batch-segfault", want: []want{
			{id: "test_segv.py::test_first", status: result.Passed, output: "first ran"},
			{id: "test_segv.py::test_segfault", status: result.Failed, crashed: true,
				message: "crashed: pytest was killed by signal 11 (segmentation fault) while this test ran", details: "Fatal Python error: Segmentation fault"},
			{id: "test_segv.py::test_never_reached", unrun: true},
		}},
		{name: "call failure and teardown error", capture: "008-batch-double-fail", want: []want{
			{id: "test_double.py::test_call_and_teardown_fail", status: result.Failed, message: "AssertionError: call failed", details: "RuntimeError: teardown broke too"},
			{id: "test_double.py::test_after", status: result.Passed},
		}},
		{name: "an id pytest does not find", listing: "001-list", capture: "010-batch-not-found", want: []want{
			{id: "tests/test_outcomes.py::test_passes", status: result.Errored, message: "no result for this test (exit code 4)", output: "ERROR: not found: /suite/tests/test_outcomes.py::test_renamed_since"},
			{id: "tests/test_outcomes.py::test_renamed_since", status: result.Errored, message: "no result for this test (exit code 4)"},
		}},
		{name: "no result file", listing: "001-list", capture: "007-batch-crash", edit: func(o *Output) { o.File = nil },
			want: noResult(crashFile, 3, "tests/test_crash.py .....F")},
		{name: "died after its last test", listing: "001-list", capture: "007-batch-crash",
			edit: func(o *Output) {
				o.IDs = o.IDs[:6]
				lines := strings.SplitAfter(string(o.File), "\n")
				o.File = []byte(strings.Join(lines[:12], ""))
			},
			want: crashFile[:6]},
		{name: "stopped by -x", listing: "001-list", capture: "013-batch-exitfirst", want: []want{
			{id: "tests/test_outcomes.py::test_passes", status: result.Passed},
			{id: "tests/test_outcomes.py::test_fails_assert", status: result.Failed, message: "assert 1 == 2"},
			{id: "tests/test_outcomes.py::test_fails_exception", unrun: true},
		}},
		{name: "stopped by -x before any test ended", listing: "001-list", capture: "013-batch-exitfirst",
			edit: func(o *Output) {
				o.File = []byte(`{"event": "finish", "exitstatus": 1, "stopped": "stopping after 1 failures"}` + "\n")
			},
			want: []want{
				{id: "tests/test_outcomes.py::test_passes", status: result.Errored, message: "no result for this test (exit code 1)"},
				{id: "tests/test_outcomes.py::test_fails_assert", status: result.Errored, message: "no result for this test (exit code 1)"},
				{id: "tests/test_outcomes.py::test_fails_exception", status: result.Errored, message: "no result for this test (exit code 1)"},
			}},
		{name: "deselected by args:", listing: "001-list", capture: "014-batch-deselected", want: []want{
			{id: "tests/test_outcomes.py::test_passes", status: result.Passed},
			{id: "tests/test_outcomes.py::test_skipif", status: result.Errored, message: "no result for this test (exit code 1)", output: "1 deselected"},
			{id: "tests/test_outcomes.py::test_fails_assert", status: result.Failed, message: "assert 1 == 2"},
		}},
		{name: "rootdir above the workdir", listing: "011-list-subdir", capture: "012-batch-subdir",
			edit: func(o *Output) {
				o.IDs = []string{"tests/test_sub.py::test_param[x[1]]", "tests/test_sub.py::TestThing::test_method"}
			},
			want: []want{
				{id: "tests/test_sub.py::test_param[x[1]]", status: result.Passed},
				{id: "tests/test_sub.py::TestThing::test_method", status: result.Passed, output: "hello from the method"},
			}},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

// The double-fail case is the one where junitxml writes two testcases for one
// test; the verdict keeps the first, the failure.
func TestPytestDoubleFailJUnit(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "pytest", "008-batch-double-fail", "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	if n := strings.Count(s, `name="test_call_and_teardown_fail"`); n != 2 {
		t.Fatalf("the serial report has %d testcases test_call_and_teardown_fail, want 2", n)
	}
	if strings.Index(s, "<failure") > strings.Index(s, "<error") {
		t.Error("the serial report's first testcase is not the failure")
	}
	// Its time is that of both, as junitxml counts the test's reports.
	c := loadPytest(t, "008-batch-double-fail")
	var want time.Duration
	for _, line := range strings.Split(string(c.out.File), "\n") {
		var ev struct{ Cases []struct{ Time string } }
		json.Unmarshal([]byte(line), &ev)
		for _, tc := range ev.Cases[:min(len(ev.Cases), 2)] {
			secs, _ := strconv.ParseFloat(tc.Time, 64)
			want += time.Duration(secs * float64(time.Second))
		}
		if len(ev.Cases) > 0 {
			break
		}
	}
	if v := newPytest(&config.Config{}).Verdicts(c.out)[0]; v.Duration != want || want == 0 {
		t.Errorf("duration %v, want %v", v.Duration, want)
	}
}

func TestPytestDeath(t *testing.T) {
	for code, want := range map[int]string{
		0:   "pytest exited with code 0",
		3:   "pytest exited with code 3",
		128: "pytest exited with code 128",
		129: "pytest was killed by signal 1 (hangup)",
		139: "pytest was killed by signal 11 (segmentation fault)",
		192: "pytest was killed by signal 64 (signal 64)",
		193: "pytest exited with code 193",
	} {
		if got := pytestDeath(code); got != want {
			t.Errorf("pytestDeath(%d) = %q, want %q", code, got, want)
		}
	}
}
