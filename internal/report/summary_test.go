package report

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var t0 = time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)

func at(status result.Status, r int, w, host, msg string) result.Attempt {
	return result.Attempt{
		Status: status, Round: r, Worker: w, Host: host, Message: msg,
		Start: t0, Duration: time.Second, LogPath: "paratest-out/logs/" + host + "_" + w + ".log",
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
	failed.Details = "a_test.go:12: expected 1, got 2\n```\nnot the end of the block\n````"
	failed.Output = "=== RUN   TestBad\n\x1b[31m--- FAIL: TestBad (0.00s)\x1b[0m\n"
	errored := at(result.Errored, 1, "w2", "local", "timed out after 30s")
	errored.Output = strings.Repeat("tick\n", 1_000)

	many := &result.Run{ID: "jenkins-app-99", Start: t0, Duration: 10 * time.Minute, Workers: 16,
		BuildURL: "https://ci.example.com/job/app/99"}
	for i := range 300 {
		a := at(result.Failed, 1, fmt.Sprintf("w%d", i%16), "local", fmt.Sprintf("case %d: want ok", i))
		a.Output = strings.Repeat(fmt.Sprintf("output of test %03d\n", i), 60)
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
	}
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
			golden(t, filepath.Join("testdata", tc.name+".json"), js)
			golden(t, filepath.Join("testdata", tc.name+".md"), md)
		})
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, diff)
	}
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
