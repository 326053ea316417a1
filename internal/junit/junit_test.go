package junit

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/jenkins-paratest/jenkins-paratest/internal/golden"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

var t0 = time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)

// at is an attempt in round r on worker w of host local, started s seconds after t0;
// a bad one has the log excerpt of its batch, the worker's r-th.
func at(status result.Status, r int, w string, s int, d time.Duration) result.Attempt {
	a := result.Attempt{
		Status:   status,
		Duration: d,
		Start:    t0.Add(time.Duration(s) * time.Second),
		Round:    r,
		Worker:   w,
		Host:     "local",
	}
	if status.Bad() {
		a.Say(result.Detail{Excerpt: fmt.Sprintf("paratest-out/attachments/local_%s-%d.txt", w, r)})
	}
	return a
}

// with sets an attempt's message, details and output.
func with(a result.Attempt, msg, details, out string) result.Attempt {
	d := a.Said()
	d.Message, d.Details, d.Output = msg, details, out
	a.Say(d)
	return a
}

func test(class, name string, attempts ...result.Attempt) *result.Test {
	return &result.Test{ID: class + "." + name, Suite: class, Class: class, Name: name, Attempts: attempts}
}

// reproduce sets a test's reproduce line.
func reproduce(t *result.Test, line string) *result.Test {
	t.More().Reproduce = line
	return t
}

func run(tests ...*result.Test) *result.Run {
	return &result.Run{
		ID:       "jenkins-app-42",
		Start:    t0,
		Duration: 90 * time.Second,
		Workers:  4,
		BuildURL: "https://ci.example.com/job/app/42/",
		Tests:    tests,
	}
}

func lines(prefix string, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%s %06d\n", prefix, i)
	}
	return b.String()
}

const cls = "example.com.app.pkg"

// goldenCases each make one suite, so each writes one file: testdata/NNN-name.xml.
func goldenCases() []struct {
	name string
	run  *result.Run
} {
	ms := time.Millisecond
	cet := time.FixedZone("CET", 3600)
	noURL := run(test(cls, "TestZone", at(result.Passed, 1, "w1", 0, 5*ms)))
	noURL.BuildURL, noURL.ID = "", ""
	noURL.Tests[0].Attempts[0].Start = time.Date(2025, 3, 4, 11, 0, 0, 0, cet)
	noAttemptStart := run(test(cls, "TestLost"))

	return []struct {
		name string
		run  *result.Run
	}{
		{"001-all-pass", run(
			test(cls, "TestA", with(at(result.Passed, 1, "w1", 3, 1234567*time.Microsecond), "", "", "hello\n")),
			test(cls, "TestB", at(result.Passed, 1, "w2", 1, 0)),
		)},
		{"002-failure", run(
			test(cls, "TestOK", at(result.Passed, 1, "w1", 0, 10*ms)),
			reproduce(test(cls, "TestBad", with(at(result.Failed, 1, "w3", 2, 250*ms),
				"expected 1, got 2", "a_test.go:12: expected 1, got 2\n", "=== RUN TestBad\n--- FAIL: TestBad\n")),
				"printf '%s\\n' example.com.app.pkg.TestBad | jenkins-paratest run --config=paratest.yml --workers=1 --tests=- --max-reruns=0 --out=paratest-repro"),
		)},
		{"003-error", run(
			test(cls, "TestHang", with(at(result.Errored, 1, "w2", 0, 30*time.Second),
				"timed out after 30s", "goroutine 1 [running]:\nmain.main()\n", "=== RUN TestHang\n")),
		)},
		{"004-flaky-failure", run(
			test(cls, "TestFlaky",
				with(at(result.Failed, 1, "w3", 0, 120*ms), "connection refused", "db_test.go:40: dial: connection refused", "dialing db\n"),
				with(at(result.Passed, 2, "w1", 60, 80*ms), "", "", "dialing db\nok\n")),
		)},
		{"005-flaky-error", run(
			test(cls, "TestFlaky",
				with(at(result.Errored, 1, "w2", 0, 30*time.Second), "timed out after 30s", "", ""),
				at(result.Passed, 2, "w4", 45, 2*time.Second)),
		)},
		{"006-failed-all-attempts", run(
			test(cls, "TestBroken",
				with(at(result.Failed, 1, "w1", 0, 100*ms), "want 3, got 4", "math_test.go:9: want 3, got 4", "round one\n"),
				with(at(result.Failed, 2, "w2", 30, 110*ms), "want 3, got 4", "math_test.go:9: want 3, got 4", "round two\n"),
				with(at(result.Failed, 3, "w1", 60, 120*ms), "want 3, got 4", "math_test.go:9: want 3, got 4", "round three\n")),
		)},
		{"007-error-then-failures", run(
			test(cls, "TestMixed",
				with(at(result.Errored, 1, "w1", 0, 30*time.Second), "container exited with code 137", "", ""),
				with(at(result.Failed, 2, "w2", 40, 100*ms), "want 3, got 4", "", ""),
				with(at(result.Errored, 3, "w3", 80, 30*time.Second), "timed out after 30s", "", "")),
		)},
		{"008-skipped", run(
			test(cls, "TestSkip", with(at(result.Skipped, 1, "w1", 0, ms), "needs docker", "", "")),
			test(cls, "TestStopped",
				with(at(result.Failed, 1, "w2", 0, 100*ms), "want 3, got 4", "", ""),
				with(result.Attempt{Status: result.Skipped, Round: 2}, "interrupted before it ran", "", "")),
		)},
		{"009-lost", noAttemptStart},
		{"010-ansi-and-illegal-chars", run(
			test(cls, "Test\x1b[1mColour\x1b[0m\x00",
				with(at(result.Failed, 1, "w1", 0, ms),
					"\x1b[31mexpected\x00 1\x0b got 2\x1b[0m",
					"\x1b]8;;file:///a_test.go\x07a_test.go:3\x1b]8;;\x07: \x1b[1;31mFAIL\x1b[0m\r\nnext\tline\x01\ufffe",
					"\x1b[32mgreen\x1b[0m \x1b[38;5;196mred\x1b[m & <tag> \"q\" \xff\xfe bytes\x07\n\x1b[2K\x1b[1Gprogress\n"),
			),
		)},
		{"011-timestamp-zone-no-properties", noURL},
		{"012-huge-output", run(
			test(cls, "TestLoudFail", with(at(result.Failed, 1, "w1", 0, 5*time.Second),
				"too loud", "", "é"+lines("fail line", 10_000)+"end of failing output\n")),
			test(cls, "TestLoudPass", with(at(result.Passed, 1, "w2", 0, 5*time.Second),
				"", "", lines("pass line", 1_000)+"end of passing output\n")),
		)},
	}
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases() {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			paths, err := Write(dir, tc.run)
			if err != nil {
				t.Fatal(err)
			}
			if len(paths) != 1 {
				t.Fatalf("wrote %d files, want 1: %v", len(paths), paths)
			}
			got, err := os.ReadFile(paths[0])
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, tc.run, got)
			assertGolden(t, filepath.Join("testdata", tc.name+".xml"), got)
		})
	}
}

// checkInvariants checks what Jenkins depends on, independently of the golden file:
// one testcase per logical test, suite counts that match the run's, and no byte that
// would make the file unreadable.
func checkInvariants(t *testing.T, run *result.Run, data []byte) {
	t.Helper()
	var s struct {
		Tests    int        `xml:"tests,attr"`
		Failures int        `xml:"failures,attr"`
		Errors   int        `xml:"errors,attr"`
		Skipped  int        `xml:"skipped,attr"`
		Cases    []struct{} `xml:"testcase"`
	}
	if err := xml.Unmarshal(data, &s); err != nil {
		t.Fatalf("written file does not parse: %v", err)
	}
	c := run.Counts()
	if len(s.Cases) != c.Tests || s.Tests != c.Tests {
		t.Errorf("%d testcases, tests=%d; want %d", len(s.Cases), s.Tests, c.Tests)
	}
	if s.Failures+s.Errors != c.Failed+c.Lost || s.Skipped != c.Skipped {
		t.Errorf("failures+errors=%d skipped=%d; want %d and %d",
			s.Failures+s.Errors, s.Skipped, c.Failed+c.Lost, c.Skipped)
	}
	// Jenkins' junit plugin keeps flakyFailure and rerunFailure and drops the
	// *Error variants: every bad attempt but a failed test's first must be one
	// of the two it keeps, or a test that errored and then passed looks clean.
	if bytes.Contains(data, []byte("<flakyError")) || bytes.Contains(data, []byte("<rerunError")) {
		t.Error("the file has a flakyError or rerunError, which Jenkins' junit plugin drops")
	}
	var kept struct {
		Cases []struct {
			Name  string     `xml:"name,attr"`
			Flaky []struct{} `xml:"flakyFailure"`
			Rerun []struct{} `xml:"rerunFailure"`
		} `xml:"testcase"`
	}
	if err := xml.Unmarshal(data, &kept); err != nil {
		t.Fatal(err)
	}
	for i, tc := range run.Suites()[0].Tests {
		bad := 0
		for _, a := range tc.Attempts {
			if a.Status.Bad() {
				bad++
			}
		}
		got := len(kept.Cases[i].Flaky) + len(kept.Cases[i].Rerun)
		switch {
		case tc.Flaky() && got != bad:
			t.Errorf("%s: %d flakyFailures for %d bad attempts", tc.Name, got, bad)
		case tc.Final().Bad() && got != bad-1:
			t.Errorf("%s: %d rerunFailures for %d bad attempts after the first", tc.Name, got, bad-1)
		}
	}
	if i := bytes.IndexAny(data, "\x1b\x00\x0b\x01\x07"); i >= 0 {
		t.Errorf("escape or illegal character at byte %d: %q", i, data[max(0, i-20):min(len(data), i+20)])
	}
}

// golden compares got with the golden file (golden.Assert; -update rewrites it).
func assertGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	golden.Assert(t, path, got)
}

func TestWriteFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "junit") // Write creates it
	r := run(
		&result.Test{ID: "z", Suite: "z.suite", Class: "z", Name: "z", Attempts: []result.Attempt{at(result.Passed, 1, "w1", 0, 0)}},
		&result.Test{ID: "a", Suite: "a/b", Class: "a", Name: "a", Attempts: []result.Attempt{at(result.Passed, 1, "w1", 0, 0)}},
		&result.Test{ID: "b", Suite: "a_b", Class: "b", Name: "b", Attempts: []result.Attempt{at(result.Passed, 1, "w1", 0, 0)}},
		&result.Test{ID: "c", Suite: "a:b", Class: "c", Name: "c"},
	)
	paths, err := Write(dir, r)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"TEST-a_b-2.xml", "TEST-a_b-3.xml", "TEST-a_b.xml", "TEST-z.suite.xml"}
	var got []string
	for _, p := range paths {
		if filepath.Dir(p) != dir {
			t.Errorf("%s is not in %s", p, dir)
		}
		got = append(got, filepath.Base(p))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, e := range entries {
		listed = append(listed, e.Name())
	}
	if diff := cmp.Diff(want, listed); diff != "" {
		t.Errorf("directory holds other files than the ones returned (-want +got):\n%s", diff)
	}
	// The suites sort "a/b" < "a:b" < "a_b", so the numbering follows that order.
	for file, suite := range map[string]string{"TEST-a_b.xml": "a/b", "TEST-a_b-2.xml": "a:b", "TEST-a_b-3.xml": "a_b"} {
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		var s struct {
			Name string `xml:"name,attr"`
		}
		if err := xml.Unmarshal(data, &s); err != nil || s.Name != suite {
			t.Errorf("%s: suite %q (%v), want %q", file, s.Name, err, suite)
		}
	}
}

func TestWriteError(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(file, run(test(cls, "TestA", at(result.Passed, 1, "w1", 0, 0)))); err == nil {
		t.Error("Write into a regular file succeeded")
	}
}

// Any suite name fits in a file name: a long one keeps its start and gets a
// hash of the whole, so two long names that start alike stay apart.
func TestLongSuiteNamesFit(t *testing.T) {
	taken := map[string]bool{}
	a, b := strings.Repeat("s", 300)+"a", strings.Repeat("s", 300)+"b"
	na, nb := fileName(a, taken), fileName(b, taken)
	for _, n := range []string{na, nb} {
		if len(n) > 255-len(".tmp-1234567890")-1 || !strings.HasPrefix(n, "TEST-sss") || !strings.HasSuffix(n, ".xml") {
			t.Errorf("file name %q (%d bytes)", n, len(n))
		}
	}
	if na == nb {
		t.Errorf("two long suites share the file name %q", na)
	}
	if short := fileName("pkg.Suite", taken); short != "TEST-pkg.Suite.xml" {
		t.Errorf("short name %q", short)
	}
}
