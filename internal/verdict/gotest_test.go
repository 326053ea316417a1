package verdict

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The .json files under testdata/gotest are real `go test -json` and test2json output
// of the packages in testdata/gosrc, captured by testdata/capture-gotest.sh; the exit
// codes below are the ones it printed (but for 013, see there).
func TestGoTestJSON(t *testing.T) {
	const (
		calc  = "example.com/paratest/calc."
		other = "example.com/paratest/other."
		crash = "example.com/paratest/crash."
		hang  = "example.com/paratest/hang."
	)
	type testCase struct {
		file string
		ids  []string
		exit int
		want []string // summary of the verdicts; the .want.json file has them in full
	}
	fn := func(t *testing.T, tc testCase) {
		stdout, err := os.ReadFile(filepath.Join("testdata/gotest", tc.file+".json"))
		if err != nil {
			t.Fatal(err)
		}
		stderr, err := os.ReadFile(filepath.Join("testdata/gotest", tc.file+".stderr"))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		got := GoTestJSON(Batch{IDs: tc.ids, ExitCode: tc.exit, Stdout: stdout, Stderr: stderr, Duration: time.Second})
		checkIDs(t, tc.ids, got)
		if diff := cmp.Diff(tc.want, summary(got)); diff != "" {
			t.Errorf("verdicts (-want +got):\n%s", diff)
		}
		checkGolden(t, filepath.Join("testdata/gotest", tc.file+".want.json"), got)
	}
	for _, tc := range []testCase{
		{file: "001-pass", ids: []string{calc + "TestAdd"}, want: []string{"passed"}},
		{
			file: "002-fail", exit: 1,
			ids:  []string{calc + "TestDiv", calc + "TestAdd"}, // not in the stream's order
			want: []string{"failed: calc_test.go:20: Div(7, 2) = 3, want 4", "passed"},
		},
		{file: "003-skip", ids: []string{calc + "TestSkipped"}, want: []string{"skipped: calc_test.go:27: needs NETWORK"}},
		{
			file: "004-subtests", exit: 1, ids: []string{calc + "TestTable"},
			want: []string{"failed: TestTable/2+2: calc_test.go:35: got 4, want 5"},
		},
		{
			file: "005-panic-mid-batch", exit: 1,
			ids: []string{crash + "TestBefore", crash + "TestPanics", crash + "TestAfter"},
			want: []string{
				"passed",
				"failed: panic: assignment to entry in nil map [recovered, repanicked]",
				"error: no result for this test (exit code 1)",
			},
		},
		{
			file: "006-missing", ids: []string{calc + "TestAdd", calc + "TestGone"},
			want: []string{"passed", "error: no result for this test (exit code 0)"},
		},
		{
			// Output interleaves; each test's output must be its own. The message is
			// the first file:line line, which t.Log and t.Error print alike.
			file: "007-parallel", exit: 1,
			ids:  []string{calc + "TestParallelA", calc + "TestParallelB", calc + "TestAdd"},
			want: []string{"passed", "failed: calc_test.go:54: B step 0", "passed"},
		},
		{
			file: "008-timeout", exit: 1,
			ids: []string{hang + "TestQuick", hang + "TestHangs", hang + "TestLater"},
			want: []string{
				"passed",
				"failed: panic: test timed out after 2s",
				"error: no result for this test (exit code 1)",
			},
		},
		{
			file: "009-build-failure", exit: 1,
			ids:  []string{"example.com/paratest/broken.TestCompiles"},
			want: []string{"error: no result for this test (exit code 1)"},
		},
		{
			file: "010-two-packages", exit: 1,
			ids:  []string{other + "TestAdd", calc + "TestAdd"},
			want: []string{"failed: other_test.go:6: other.TestAdd fails", "passed"},
		},
		{
			file: "011-test2json", exit: 1, ids: []string{calc + "TestAdd", calc + "TestDiv"},
			want: []string{"passed", "failed: calc_test.go:20: Div(7, 2) = 3, want 4"},
		},
		{
			file: "012-test2json-no-package", exit: 1, ids: []string{calc + "TestAdd", calc + "TestDiv"},
			want: []string{"passed", "failed: calc_test.go:20: Div(7, 2) = 3, want 4"},
		},
		{
			// The test binary killed mid-test (the script's pipeline exits 0; a killed
			// container's command exits 137): the stream just stops.
			file: "013-killed", exit: 137,
			ids: []string{hang + "TestQuick", hang + "TestHangs", hang + "TestLater"},
			want: []string{
				"passed",
				"error: no result for this test (exit code 137)",
				"error: no result for this test (exit code 137)",
			},
		},
	} {
		t.Run(tc.file, func(t *testing.T) { fn(t, tc) })
	}
}

func TestGoTestJSONOutputIsTheTestsOwn(t *testing.T) {
	stdout, err := os.ReadFile("testdata/gotest/007-parallel.json")
	if err != nil {
		t.Fatal(err)
	}
	const calc = "example.com/paratest/calc."
	got := GoTestJSON(Batch{IDs: []string{calc + "TestParallelA", calc + "TestParallelB"}, ExitCode: 1, Stdout: stdout})
	for _, tc := range []struct {
		v          Verdict
		own, other string
	}{
		{got[0], "A step", "B step"},
		{got[1], "B step", "A step"},
	} {
		if strings.Count(tc.v.Output, tc.own) != 3 || strings.Contains(tc.v.Output, tc.other) {
			t.Errorf("%s: output is not its own:\n%s", tc.v.ID, tc.v.Output)
		}
	}
}

func TestGoTestJSONSurvivesBrokenStreams(t *testing.T) {
	const id = "example.com/p.TestA"
	for name, stdout := range map[string]string{
		// A line cut short when the container was killed.
		"cut line": `{"Action":"run","Package":"example.com/p","Test":"TestA"}
{"Action":"output","Package":"example.com/p","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Action":"output","Package":"example.com/p","Test":"TestA","Output":"--- PASS: TestA (0.01s)\n"}
{"Action":"pass","Package":"example.com/p","Test":"TestA","Elapsed":0.01}
{"Action":"output","Package":"exam`,
		// A wrapper script's own output mixed into the stream.
		"plain lines": `+ go test -json ./...
{"Action":"output","Package":"example.com/p","Test":"TestA","Output":"=== RUN   TestA\n"}
{not json at all}
{"Action":"output","Package":"example.com/p","Test":"TestA","Output":"--- PASS: TestA (0.01s)\n"}
`,
		// A line longer than the parser could read as JSON.
		"huge line": `{"Action":"output","Package":"example.com/p","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Action":"output","Package":"example.com/p","Test":"TestA","Output":"` + strings.Repeat(`\u0001`, 100_000) + `\n"}
{"Action":"output","Package":"example.com/p","Test":"TestA","Output":"--- PASS: TestA (0.01s)\n"}
`,
	} {
		t.Run(name, func(t *testing.T) {
			got := GoTestJSON(Batch{IDs: []string{id}, Stdout: []byte(stdout)})
			if diff := cmp.Diff([]string{"passed"}, summary(got)); diff != "" {
				t.Errorf("verdicts (-want +got):\n%s", diff)
			}
			if got[0].Duration != 10*time.Millisecond {
				t.Errorf("Duration = %v, want 10ms", got[0].Duration)
			}
		})
	}
}
