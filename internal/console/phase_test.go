package console

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

func TestPhases(t *testing.T) {
	c, buf, clk := newTest(Options{})
	c.End() // nothing open: nothing written
	c.Phase("starting")
	clk.Advance(1200 * time.Millisecond)
	c.Phase("listing")
	clk.Advance(250 * time.Millisecond)
	c.Phase("rerun round\n2") // one line whatever the name holds
	clk.Advance(72 * time.Second)
	c.End()
	c.End() // already ended
	want := "==> paratest: starting\n" +
		"<== paratest: starting done (1s)\n" +
		"==> paratest: listing\n" +
		"<== paratest: listing done (250ms)\n" +
		"==> paratest: rerun round 2\n" +
		"<== paratest: rerun round 2 done (1m12s)\n"
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestSummaryEndsThePhaseBeforeTheVerdict(t *testing.T) {
	c, buf, clk := newTest(Options{})
	c.Phase("summary")
	clk.Advance(10 * time.Millisecond)
	c.Summary(&result.Run{Tests: []*result.Test{test("a", attempt(result.Passed, ""))}, Workers: 1}, nil)
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if n := len(lines); n < 3 || lines[n-2] != "<== paratest: summary done (10ms)" || lines[n-1] != "paratest: PASSED" {
		t.Errorf("want the summary's end line, then the verdict last; got\n%s", buf.String())
	}
}

// sections folds lines the way the Collapsing Console Sections plugin's
// CollapsingSectionAnnotator does: per line, with its blanks trimmed, the open
// section's end pattern first (matches() is a whole-line match), then every
// start pattern. It returns the sections' names in order, the deepest nesting
// and the sections still open at the end.
func sections(t *testing.T, log string) (names []string, depth, open int) {
	t.Helper()
	start := regexp.MustCompile(`^(?:` + SectionStart + `)$`)
	end := regexp.MustCompile(`^(?:` + SectionEnd + `)$`)
	for _, line := range strings.Split(log, "\n") {
		line = strings.TrimSpace(line)
		if open > 0 && end.MatchString(line) {
			open--
		}
		if m := start.FindStringSubmatch(line); m != nil {
			names = append(names, "paratest: "+m[1])
			open++
			depth = max(depth, open)
		}
	}
	return names, depth, open
}

// A whole run's console, as the runner calls it, is one flat section per phase,
// all closed, and the verdict is outside them; the golden file is the log.
func TestRunFoldsIntoFlatSections(t *testing.T) {
	c, buf, clk := newTest(Options{Stream: StreamFailures, ProgressEvery: -1})
	step := func(d time.Duration) { clk.Advance(d) }
	fail := result.Attempt{Status: result.Failed, Duration: 500 * time.Millisecond, Worker: "w2", Host: "local", Round: 1,
		Detail: &result.Detail{Output: "==> paratest: fake banner from a test\n<== paratest: fake end\n", Message: "expected 1, got 2"}}
	pass := result.Attempt{Status: result.Passed, Duration: 20 * time.Millisecond, Worker: "w1", Host: "local", Round: 1}
	rerun := result.Attempt{Status: result.Passed, Duration: 30 * time.Millisecond, Worker: "w1", Host: "local", Round: 2}

	c.Phase("starting")
	step(300 * time.Millisecond)
	c.Phase("listing")
	step(700 * time.Millisecond)
	c.Infof("2 tests, 2 workers on 1 host, image busybox, run r1")
	c.Phase("running")
	c.Start(2, 2)
	c.TestDone("ok", pass, "")
	c.TestDone("flaky", fail, "")
	step(2 * time.Second)
	c.Phase("rerun round 2")
	c.TestDone("flaky", rerun, "")
	step(time.Second)
	c.Phase("cleanup")
	step(400 * time.Millisecond)
	c.Phase("reports")
	step(20 * time.Millisecond)
	c.Phase("summary")
	run := &result.Run{Workers: 2, Duration: 4 * time.Second, Tests: []*result.Test{
		test("ok", pass), {ID: "flaky", Attempts: []result.Attempt{fail, rerun}},
	}}
	c.Summary(run, []string{"paratest-out/junit/"})
	assertGolden(t, "phases.txt", buf.String())

	names, depth, open := sections(t, buf.String())
	want := []string{"paratest: starting", "paratest: listing", "paratest: running", "paratest: rerun round 2",
		"paratest: cleanup", "paratest: reports", "paratest: summary"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("sections (-want +got):\n%s", diff)
	}
	if depth != 1 || open != 0 {
		t.Errorf("sections nest %d deep and %d stay open; want flat and all closed", depth, open)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if last := lines[len(lines)-1]; !lastLine.MatchString(last) {
		t.Errorf("last line %q is not the verdict", last)
	}
}

// A run that stops with an error mid-phase and calls End closes it.
func TestEndClosesAPhaseLeftOpen(t *testing.T) {
	c, buf, _ := newTest(Options{})
	c.Phase("starting")
	c.Phase("listing")
	c.Errorf("listing: exit code 2")
	c.End()
	if _, _, open := sections(t, buf.String()); open != 0 {
		t.Errorf("%d sections open after End:\n%s", open, buf.String())
	}
}

// docs/console.md tells users these exact patterns.
func TestSectionPatternsAreDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/console.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range []string{
		"| Section starts with | `" + SectionStart + "` |",
		"| Section ends with | `" + SectionEnd + "` |",
	} {
		if !strings.Contains(string(doc), row) {
			t.Errorf("docs/console.md lacks the row %q", row)
		}
	}
}
