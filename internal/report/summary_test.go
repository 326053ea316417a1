package report

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/golden"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

var t0 = time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)

func at(status result.Status, r int, w, host, msg string) result.Attempt {
	return result.Attempt{
		Status: status, Round: r, Worker: w, Host: host,
		Start: t0, Duration: time.Second, Detail: &result.Detail{Message: msg},
	}
}

func test(id string, attempts ...result.Attempt) *result.Test {
	suite, class, name := result.GoNames(id)
	return &result.Test{ID: id, Suite: suite, Class: class, Name: name, Attempts: attempts}
}

func passing(id string) *result.Test { return test(id, at(result.Passed, 1, "w1", "local", "")) }

func summaryCases() []struct {
	name string
	run  *result.Run
} {
	failed := at(result.Failed, 2, "w3", "host-a", "expected 1, got 2")
	failed.Say(result.Detail{
		Message: failed.Message(),
		Details: "a_test.go:12: expected 1, got 2\n```\nnot the end of the block\n````",
		Output:  "=== RUN   TestBad\n\x1b[31m--- FAIL: TestBad (0.00s)\x1b[0m\n",
	})
	errored := at(result.Errored, 1, "w2", "local", "timed out after 30s")
	errored.Say(result.Detail{Message: errored.Message(), Output: strings.Repeat("tick\n", 1_000)})

	many := &result.Run{ID: "jenkins-app-99", Start: t0, Duration: 10 * time.Minute, Workers: 16,
		BuildURL: "https://ci.example.com/job/app/99"}
	for i := range 300 {
		a := at(result.Failed, 1, fmt.Sprintf("w%d", i%16), "local", fmt.Sprintf("case %d: want ok", i))
		a.Say(result.Detail{Message: a.Message(), Output: strings.Repeat(fmt.Sprintf("output of test %03d\n", i), 60)})
		many.Tests = append(many.Tests, test(fmt.Sprintf("example.com/app/pkg.TestMany%03d", i), a))
	}
	for i := range 5 {
		many.Tests = append(many.Tests, test(fmt.Sprintf("example.com/app/pkg.TestFlaky%d", i),
			at(result.Failed, 1, "w1", "local", "boom"), at(result.Passed, 2, "w2", "local", "")))
	}
	many.Tests = append(many.Tests, test("example.com/app/pkg.TestLost"))

	return []struct {
		name string
		run  *result.Run
	}{
		{"001-all-pass", &result.Run{ID: "jenkins-app-41", Start: t0, Duration: 72500 * time.Millisecond, Workers: 4,
			Tests: []*result.Test{passing("example.com/app/pkg.TestA"), passing("example.com/app/pkg.TestB")}}},
		{"002-failures-and-flaky", &result.Run{ID: "jenkins-app-42", Start: t0, Duration: 72 * time.Second, Workers: 4,
			BuildURL: "https://ci.example.com/job/app/42/",
			Tests: []*result.Test{
				passing("example.com/app/pkg.TestA"),
				test("example.com/app/pkg.TestBad", at(result.Failed, 1, "w1", "local", "expected 1, got 2"), failed),
				test("example.com/app/pkg.TestHang", errored),
				test("example.com/app/pkg.TestFlaky",
					at(result.Failed, 1, "w3", "host-a", "dial tcp: connection refused | retry"),
					at(result.Errored, 2, "w_1", "host-b", "container exited\nwith code 137"),
					at(result.Passed, 3, "w2", "local", "")),
				test("example.com/app/pkg.TestSkip", at(result.Skipped, 1, "w1", "local", "needs docker")),
			}}},
		{"003-interrupted", &result.Run{ID: "jenkins-app-43", Start: t0, Duration: 350 * time.Millisecond, Workers: 2,
			Interrupted: true,
			Tests: []*result.Test{
				passing("example.com/app/pkg.TestA"),
				test("example.com/app/pkg.TestRunning"),
				test("example.com/app/pkg.TestNotStarted", at(result.Skipped, 0, "", "", "interrupted before it ran")),
			}}},
		{"004-truncated", many},
		{"005-reruns", reruns()},
		{"006-suspect-host", suspectHost()},
		{"007-rerun-skipped", &result.Run{ID: "jenkins-app-47", Start: t0, Duration: 30 * time.Second, Workers: 2,
			Rounds: 1, RerunSkipped: "3 of 4 tests failed, over the rerun threshold of 10% | see docs.",
			Tests: []*result.Test{
				passing("example.com/app/pkg.TestA"),
				test("example.com/app/pkg.TestB", at(result.Failed, 1, "w0", "local", "b")),
				test("example.com/app/pkg.TestC", at(result.Failed, 1, "w1", "local", "c")),
				test("example.com/app/pkg.TestD", at(result.Errored, 1, "w0", "local", "d")),
			}}},
	}
}

// reruns is a three-host run (two workers each: w0, w1 on h1; w2, w3 on h2; w4, w5
// on h3) with three rounds and timing history: four tests that failed in round 1
// and passed in round 2, three that failed all three attempts, one on each host,
// and one that failed twice on h2 and passed on h1. No host is suspect: every host
// has a similar share of the failures.
func reruns() *result.Run {
	host := func(w int) string { return fmt.Sprintf("h%d", w/2+1) }
	run := &result.Run{ID: "jenkins-app-45", Start: t0, Duration: 95 * time.Second, Workers: 6,
		BuildURL: "https://ci.example.com/job/app/45/", Rounds: 3,
		Predicted: 80 * time.Second, LowerBound: 62500 * time.Millisecond}
	for i := range 12 {
		w := i % 6
		run.Tests = append(run.Tests, test(fmt.Sprintf("example.com/app/pkg.TestOK%02d", i),
			at(result.Passed, 1, fmt.Sprintf("w%d", w), host(w), "")))
	}
	for i := range 4 {
		bad, good := i%6, (i+3)%6 // a different host in round 2
		run.Tests = append(run.Tests, test(fmt.Sprintf("example.com/app/pkg.TestFlaky%d", i),
			at(result.Failed, 1, fmt.Sprintf("w%d", bad), host(bad), fmt.Sprintf("flake %d", i)),
			at(result.Passed, 2, fmt.Sprintf("w%d", good), host(good), "")))
	}
	for i := range 3 {
		var as []result.Attempt
		for r := 1; r <= 3; r++ {
			w := (2*i + 2*r) % 6 // rounds 1-3 on three different hosts
			as = append(as, at(result.Failed, r, fmt.Sprintf("w%d", w), host(w), fmt.Sprintf("broken %d in round %d", i, r)))
		}
		run.Tests = append(run.Tests, test(fmt.Sprintf("example.com/app/pkg.TestBroken%d", i), as...))
	}
	for _, t := range run.Tests[12:] { // the flaky and the broken ones
		t.More().Reproduce = "printf '%s\\n' '" + t.ID + "' | jenkins-paratest run --config=paratest.yml --workers=1 --tests=- --max-reruns=0 --out=paratest-repro"
	}
	run.Tests = append(run.Tests, test("example.com/app/db.TestOnlyOnH2",
		at(result.Errored, 1, "w2", "h2", "dial tcp 10.0.0.2:5432: i/o timeout"),
		at(result.Errored, 2, "w3", "h2", "dial tcp 10.0.0.2:5432: i/o timeout"),
		at(result.Passed, 3, "w0", "h1", "")))
	return run
}

// suspectHost is a three-host run in which every test that ran on h3 errored in
// round 1 and passed elsewhere in round 2; h1 had one failure of its own.
func suspectHost() *result.Run {
	run := &result.Run{ID: "jenkins-app-46", Start: t0, Duration: 40 * time.Second, Workers: 3, Rounds: 2}
	hosts := []string{"h1", "h2", "h3"}
	for i := range 12 {
		h := i % 3
		id := fmt.Sprintf("example.com/app/pkg.Test%02d", i)
		switch h {
		case 2:
			run.Tests = append(run.Tests, test(id,
				at(result.Errored, 1, "w2", "h3", "container exited with code 137"),
				at(result.Passed, 2, fmt.Sprintf("w%d", i%2), hosts[i%2], "")))
		default:
			run.Tests = append(run.Tests, test(id, at(result.Passed, 1, fmt.Sprintf("w%d", h), hosts[h], "")))
		}
	}
	run.Tests[0].Attempts = []result.Attempt{
		at(result.Failed, 1, "w0", "h1", "expected 1, got 2"), at(result.Passed, 2, "w1", "h2", ""),
	}
	return run
}

func TestSummaryGolden(t *testing.T) {
	for _, tc := range summaryCases() {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "paratest-out")
			l := Layout{Dir: dir}
			if err := WriteSummaryJSON(l.SummaryJSON(), tc.run); err != nil {
				t.Fatal(err)
			}
			if err := WriteSummaryMD(l.SummaryMD(), tc.run); err != nil {
				t.Fatal(err)
			}
			if err := WriteFlakyJSON(l.FlakyJSON(), tc.run); err != nil {
				t.Fatal(err)
			}
			flaky, err := os.ReadFile(l.FlakyJSON())
			if err != nil {
				t.Fatal(err)
			}
			js, err := os.ReadFile(l.SummaryJSON())
			if err != nil {
				t.Fatal(err)
			}
			md, err := os.ReadFile(l.SummaryMD())
			if err != nil {
				t.Fatal(err)
			}
			if len(md) > MaxMarkdown {
				t.Errorf("summary.md is %d bytes, over %d", len(md), MaxMarkdown)
			}
			if strings.Contains(string(md), "\x1b") {
				t.Error("summary.md holds an escape sequence")
			}
			assertGolden(t, filepath.Join("testdata", tc.name+".json"), js)
			assertGolden(t, filepath.Join("testdata", tc.name+".md"), md)
			assertGolden(t, filepath.Join("testdata", tc.name+".flaky.json"), flaky)
		})
	}
}

// golden compares got with the golden file (golden.Assert; -update rewrites it).
func assertGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	golden.Assert(t, path, got)
}

func TestShownDir(t *testing.T) {
	abs, err := filepath.Abs(filepath.Join("ws", "paratest-out", "summary.md"))
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		filepath.Join("paratest-out", "summary.md"):          "paratest-out",
		filepath.Join("build", "paratest-out", "summary.md"): "build/paratest-out",
		"summary.md": ".",
		abs:          "paratest-out",
	} {
		if got := shownDir(in); got != want {
			t.Errorf("shownDir(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFenceAndCodeSpan(t *testing.T) {
	for in, want := range map[string]string{
		"plain":     "```text\nplain\n```\n",
		"a ``` b\n": "````text\na ``` b\n````\n",
		"`````":     "``````text\n`````\n``````\n",
	} {
		if got := fence(in); got != want {
			t.Errorf("fence(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"pkg.TestA":  "`pkg.TestA`",
		"a`b":        "``a`b``",
		"`x":         "`` `x ``",
		"two\nlines": "`two lines`",
	} {
		if got := codeSpan(in); got != want {
			t.Errorf("codeSpan(%q) = %q, want %q", in, got, want)
		}
	}
}

// summary.md links the timeline beside it, or the build's archived copy: a
// pull-request comment resolves no relative link.
func TestTimelineLink(t *testing.T) {
	abs, err := filepath.Abs(filepath.Join("ws", "paratest-out", "summary.md"))
	if err != nil {
		t.Fatal(err)
	}
	build := "https://ci.example.com/job/app/42/"
	for _, tc := range []struct{ path, buildURL, want string }{
		{filepath.Join("paratest-out", "summary.md"), "", "timeline.html"},
		{filepath.Join("paratest-out", "summary.md"), build, build + "artifact/paratest-out/timeline.html"},
		{filepath.Join("out dir", "a#1", "summary.md"), "https://ci.example.com/job/app/42", build + "artifact/out%20dir/a%231/timeline.html"},
		{"summary.md", build, build + "artifact/timeline.html"},
		{abs, build, "timeline.html"}, // not where the build archives it from
		{filepath.Join("..", "out", "summary.md"), build, "timeline.html"},
	} {
		if got := timelineLink(tc.path, tc.buildURL); got != tc.want {
			t.Errorf("timelineLink(%q, %q) = %q, want %q", tc.path, tc.buildURL, got, tc.want)
		}
	}
}
