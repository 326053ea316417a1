package console

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/golden"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// lastLine is what a pipeline may match on the log's last line.
var lastLine = regexp.MustCompile(`^paratest: (PASSED|FAILED|INTERRUPTED)( \([a-z0-9, ]+\))?$`)

// golden compares got with testdata/name, or rewrites it with -update.
func assertGolden(t *testing.T, name string, got string) {
	t.Helper()
	golden.Assert(t, filepath.Join("testdata", name), []byte(got))
}

func attempt(s result.Status, msg string) result.Attempt {
	return result.Attempt{Status: s, Duration: time.Second, Worker: "w1", Host: "local", Round: 1, Detail: &result.Detail{Message: msg}}
}

func test(id string, attempts ...result.Attempt) *result.Test {
	return &result.Test{ID: id, Attempts: attempts}
}

var paths = []string{"paratest-out/junit/", "paratest-out/summary.md", "paratest-out/summary.json", "paratest-out/logs/"}

func TestSummary(t *testing.T) {
	type testCase struct {
		name  string // golden file testdata/summary-<name>.txt
		run   *result.Run
		paths []string
	}
	fn := func(t *testing.T, tc testCase) {
		for _, color := range []bool{false, true} {
			c, buf, _ := newTest(Options{Color: color})
			c.Summary(tc.run, tc.paths)
			got := buf.String()
			name := "summary-" + tc.name + ".txt"
			if color {
				name = "summary-" + tc.name + ".color.txt"
			} else if strings.ContainsRune(got, 0x1b) {
				t.Errorf("escape byte without colour: %q", got)
			}
			assertGolden(t, name, got)

			lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
			if last := lines[len(lines)-1]; !lastLine.MatchString(last) {
				t.Errorf("last line %q does not match %v", last, lastLine)
			}
		}
	}
	many := &result.Run{Duration: 3*time.Minute + 400*time.Millisecond, Workers: 8}
	for i := range 53 {
		many.Tests = append(many.Tests, test(fmt.Sprintf("example/pkg.TestFail%02d", i), attempt(result.Failed, fmt.Sprintf("failure %d", i))))
	}
	for _, tc := range []testCase{
		{
			name: "passed",
			run: &result.Run{
				Duration: 72 * time.Second, Workers: 4,
				Tests: []*result.Test{
					test("example/pkg.TestA", attempt(result.Passed, "")),
					test("example/pkg.TestB", attempt(result.Passed, "")),
				},
			},
			paths: paths,
		},
		{
			name: "flaky",
			run: &result.Run{
				Duration: 72 * time.Second, Workers: 1, BuildURL: "https://ci.example/job/app/12",
				Tests: []*result.Test{
					test("example/pkg.TestA", attempt(result.Passed, "")),
					test("example/pkg.TestF", attempt(result.Errored, "timed out\nafter 10m"), attempt(result.Passed, "")),
					test("example/pkg.TestS", attempt(result.Skipped, "not on linux")),
				},
			},
			paths: paths,
		},
		{
			name: "failed",
			run: &result.Run{
				Duration: 72*time.Second + 600*time.Millisecond, Workers: 4, BuildURL: "https://ci.example/job/app/12/",
				Tests: []*result.Test{
					test("example/pkg.TestA", attempt(result.Passed, "")),
					test("example/pkg.TestB", attempt(result.Failed, "expected 1, got 2"), attempt(result.Failed, "expected 1, got 3")),
					test("example/pkg.TestC", attempt(result.Errored, "panic: nil map")),
					test("example/pkg.TestF", attempt(result.Failed, "flake"), attempt(result.Passed, "")),
					test("example/pkg.TestL"),
					test("example/pkg.TestS", attempt(result.Skipped, "")),
				},
			},
			paths: paths,
		},
		{
			name: "truncated",
			run:  many,
		},
		{
			name: "interrupted",
			run: &result.Run{
				Duration: 500 * time.Millisecond, Workers: 2, Interrupted: true,
				Tests: []*result.Test{
					test("example/pkg.TestB", attempt(result.Failed, "boom")),
					test("example/pkg.TestN", attempt(result.Skipped, "not run: the run was interrupted")),
				},
			},
			paths: paths[:1],
		},
		{
			name:  "reruns",
			run:   reruns(),
			paths: paths[:1],
		},
		{
			name: "rerun-skipped",
			run: &result.Run{
				Duration: 30 * time.Second, Workers: 2, Rounds: 1,
				RerunSkipped: "3 of 4 tests failed, over the rerun threshold of 10%.",
				Tests: []*result.Test{
					test("example/pkg.TestA", attempt(result.Passed, "")),
					test("example/pkg.TestB", attempt(result.Failed, "b")),
					test("example/pkg.TestC", attempt(result.Failed, "c")),
					test("example/pkg.TestD", attempt(result.Errored, "d")),
				},
			},
		},
		{
			name: "empty",
			run:  nil,
		},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestSummaryTruncation(t *testing.T) {
	run := &result.Run{}
	for i := range MaxListed + 1 {
		run.Tests = append(run.Tests, test(fmt.Sprintf("T%d", i), attempt(result.Failed, "")))
	}
	for _, tc := range []struct {
		n       int
		listed  int
		andMore string
	}{
		{MaxListed, MaxListed, ""},
		{MaxListed + 1, MaxListed, "  ... and 1 more\n"},
	} {
		c, buf, _ := newTest(Options{})
		c.Summary(&result.Run{Tests: run.Tests[:tc.n]}, nil)
		got := buf.String()
		if n := strings.Count(got, "\n  FAIL "); n != tc.listed {
			t.Errorf("%d failed: %d listed, want %d", tc.n, n, tc.listed)
		}
		if more := strings.Contains(got, "more\n"); more != (tc.andMore != "") || (more && !strings.Contains(got, tc.andMore)) {
			t.Errorf("%d failed: got\n%s", tc.n, got)
		}
	}
}

// on is an attempt in a given round on a given host.
func on(s result.Status, msg string, round int, host, worker string) result.Attempt {
	a := attempt(s, msg)
	a.Round, a.Host, a.Worker = round, host, worker
	return a
}

// reruns is a three-round run on three hosts with timing history: h3 errored
// every attempt it ran, one test failed twice on h2 and passed on h1.
func reruns() *result.Run {
	run := &result.Run{
		Duration: 95 * time.Second, Workers: 3, Rounds: 3,
		Predicted: 80 * time.Second, LowerBound: 62500 * time.Millisecond,
	}
	for i := range 12 {
		run.Tests = append(run.Tests, test(fmt.Sprintf("example/pkg.TestOK%02d", i),
			on(result.Passed, "", 1, fmt.Sprintf("h%d", i%2+1), "w0")))
	}
	for i := range 3 {
		run.Tests = append(run.Tests, test(fmt.Sprintf("example/pkg.TestH3%d", i),
			on(result.Errored, "container exited with code 137", 1, "h3", "w2"),
			on(result.Passed, "", 2, "h1", "w0")))
	}
	run.Tests = append(run.Tests,
		test("example/db.TestOnlyOnH2",
			on(result.Failed, "i/o timeout", 1, "h2", "w1"),
			on(result.Failed, "i/o timeout", 2, "h2", "w1"),
			on(result.Passed, "", 3, "h1", "w0")),
		test("example/pkg.TestBroken",
			on(result.Failed, "broken", 1, "h1", "w0"),
			on(result.Failed, "broken", 2, "h2", "w1"),
			on(result.Failed, "broken", 3, "h1", "w0")))
	return run
}
