package timeline

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/jenkins-paratest/jenkins-paratest/internal/golden"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

var (
	leafArray = regexp.MustCompile(`\[[^\[\]{}]*\]`)
	space     = regexp.MustCompile(`\s*\n\s*`)
)

var t0 = time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)

// sec is t0 plus s seconds.
func sec(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

// at is an attempt that started s seconds after t0 and took d seconds.
func at(status result.Status, round int, host, worker string, s, d float64, msg string) result.Attempt {
	a := result.Attempt{Status: status, Round: round, Host: host, Worker: worker,
		Start: sec(s), Duration: time.Duration(d * float64(time.Second))}
	a.Say(result.Detail{Message: msg})
	return a
}

// because is a, which the master ended for cause.
func because(cause result.Cause, a result.Attempt) result.Attempt {
	d := a.Said()
	d.Cause = cause
	a.Say(d)
	return a
}

func test(id string, attempts ...result.Attempt) *result.Test {
	return &result.Test{ID: id, Suite: "pkg", Class: "pkg", Name: id, Attempts: attempts}
}

func ev(s float64, host, worker, kind, detail string) result.WorkerEvent {
	return result.WorkerEvent{Time: sec(s), Host: host, Worker: worker, Kind: kind, Detail: detail}
}

// phases are the console's phases, one starting where the one before ended;
// the last is open (End zero), as when the timeline is written.
func phases(names []string, starts ...float64) []result.Phase {
	var ps []result.Phase
	for i, n := range names {
		p := result.Phase{Name: n, Start: sec(starts[i])}
		if i+1 < len(names) {
			p.End = sec(starts[i+1])
		}
		ps = append(ps, p)
	}
	return ps
}

func cases() []struct {
	name string
	run  *result.Run
} {
	// One host, two workers; w0 runs a batch of three, recorded at its end.
	batch := func(id string, d float64) *result.Test {
		return test(id, at(result.Passed, 1, "local", "w0", 9-d, d, ""))
	}
	basic := &result.Run{ID: "jenkins-app-41", Start: sec(1.5), Duration: 8 * time.Second, Workers: 2,
		Phases: phases([]string{"starting", "listing", "running", "reports", "cleanup", "summary"}, 0, 0.5, 1.5, 9.5, 9.6, 10.5),
		Events: []result.WorkerEvent{
			ev(0.2, "local", "w0", result.EventStarting, ""), ev(0.4, "local", "w1", result.EventStarting, ""),
			ev(1.2, "local", "w0", result.EventReady, ""), ev(1.4, "local", "w1", result.EventReady, ""),
		},
		Tests: []*result.Test{
			batch("pkg.TestA", 2), batch("pkg.TestB", 3), batch("pkg.TestC", 1.5),
			test("pkg.TestD", at(result.Passed, 1, "local", "w1", 1.5, 7, "")),
		}}
	// The runner records a batch's verdicts with a few µs between them.
	basic.Tests[1].Attempts[0].Start = basic.Tests[1].Attempts[0].Start.Add(3 * time.Microsecond)
	basic.Tests[2].Attempts[0].Start = basic.Tests[2].Attempts[0].Start.Add(6 * time.Microsecond)

	// Two hosts: every verdict, a reconnect gap, a retired worker, a lost test,
	// a prediction from history.
	verdicts := &result.Run{ID: "jenkins-app-42", Start: sec(2), Duration: 40 * time.Second, Workers: 3,
		Predicted: 30 * time.Second, LowerBound: 25 * time.Second,
		Phases: phases([]string{"starting", "listing", "running", "rerun round 2", "reports", "cleanup", "summary"}, 0, 1, 2, 30, 42, 42.2, 44),
		Events: []result.WorkerEvent{
			ev(0.1, "b02", "w0", result.EventStarting, ""), ev(0.1, "b01", "w1", result.EventStarting, ""),
			ev(0.1, "b01", "w0", result.EventStarting, ""),
			ev(1.5, "b01", "w0", result.EventReady, ""), ev(1.6, "b01", "w1", result.EventReady, ""),
			ev(1.8, "b02", "w0", result.EventReady, ""),
			ev(12, "b01", "w1", result.EventLost, "ssh: connection reset"),
			ev(17, "b01", "w1", result.EventStarting, ""), ev(18, "b01", "w1", result.EventReady, ""),
			ev(25, "b02", "w0", result.EventRetired, "setup: exit status 3"),
		},
		Tests: []*result.Test{
			test("pkg.TestFails",
				at(result.Failed, 1, "b01", "w0", 2, 4, "expected 1, got 2"),
				at(result.Failed, 2, "b01", "w1", 30, 4, "expected 1, got 2")),
			test("pkg.TestFlaky",
				at(result.Failed, 1, "b02", "w0", 2, 3, "connection refused"),
				at(result.Passed, 2, "b01", "w0", 30, 3, "")),
			test("pkg.TestHangs",
				because(result.TimedOut, at(result.Failed, 1, "b01", "w1", 2, 10, "timed out after 10s; the test's processes were killed")),
				because(result.TimedOut, at(result.Failed, 2, "b01", "w0", 33, 9.5, "timed out after 10s; the test's processes were killed"))),
			test("pkg.TestDropped", because(result.Lost, at(result.Errored, 1, "b01", "w1", 18, 0, "didn't run because of a timeout or a drop: lost on b01/w1, b01/w1, b01/w1"))),
			test("pkg.TestSkips", at(result.Skipped, 1, "b02", "w0", 5, 0.5, "needs docker")),
			test("pkg.TestLong", at(result.Passed, 1, "b01", "w0", 6, 24, "")),
			test("pkg.<Esc&\"aped>", at(result.Passed, 1, "b01", "w1", 18.5, 5, "")),
			test("pkg.TestNeverRan"),
		}}

	// 600 attempts of 2ms on one lane, 20ms apart: too narrow to draw apart.
	many := &result.Run{ID: "many", Start: sec(0), Duration: 60 * time.Second, Workers: 1,
		Phases: phases([]string{"running", "reports"}, 0, 60)}
	for i := range 600 {
		status, msg := result.Passed, ""
		if i == 250 {
			status, msg = result.Failed, "boom"
		}
		many.Tests = append(many.Tests, test(fmt.Sprintf("pkg.TestTiny%03d", i), at(status, 1, "local", "w0", float64(i)*0.02, 0.002, msg)))
	}
	many.Tests = append(many.Tests, test("pkg.TestWide", at(result.Passed, 1, "local", "w0", 13, 30, "")))

	// No container events; an attempt of the run this one resumed, a subtest
	// inside its parent, a test the interrupted run never started.
	resumed := &result.Run{ID: "resumed", Start: sec(100), Duration: 10 * time.Second, Workers: 2, Interrupted: true,
		Phases: phases([]string{"starting", "running", "reports"}, 99, 100, 110),
		Tests: []*result.Test{
			test("pkg.TestEarlier", at(result.Passed, 1, "local", "w0", 10, 1, "")),
			test("pkg.TestParent", at(result.Passed, 1, "local", "w1", 101, 4, "")),
			{ID: "pkg.TestParent/sub", Extra: &result.Extra{Parent: "pkg.TestParent"}, Attempts: []result.Attempt{at(result.Passed, 1, "local", "w1", 102, 1, "")}},
			test("pkg.TestUnrun", result.Attempt{Status: result.Skipped, Round: 1, Detail: &result.Detail{Message: "not run: the run was interrupted"}}),
			test("pkg.TestNow", at(result.Passed, 1, "local", "w0", 100.5, 2, "")),
		}}

	return []struct {
		name string
		run  *result.Run
	}{
		{"001-batch", basic},
		{"002-verdicts-hosts-gaps", verdicts},
		{"003-merged", many},
		{"004-resumed-subtests", resumed},
		{"005-empty", &result.Run{ID: "empty"}},
	}
}

// embedded is the data block of a page, as JSON.
func embedded(t *testing.T, page []byte) []byte {
	t.Helper()
	open := []byte(`<script type="application/json" id="` + DataID + `">`)
	i := bytes.Index(page, open)
	if i < 0 {
		t.Fatal("no data block")
	}
	rest := page[i+len(open):]
	j := bytes.Index(rest, []byte("</script>"))
	if j < 0 {
		t.Fatal("data block not closed")
	}
	return rest[:j]
}

// The data each page embeds is the golden file's.
func TestEmbeddedData(t *testing.T) {
	for _, tc := range cases() {
		t.Run(tc.name, func(t *testing.T) {
			var got bytes.Buffer
			if err := json.Indent(&got, embedded(t, Render(tc.run)), "", "  "); err != nil {
				t.Fatalf("data block is not JSON: %v", err)
			}
			// An array of numbers and strings on one line: an attempt a line.
			got = *bytes.NewBuffer(leafArray.ReplaceAllFunc(got.Bytes(), func(b []byte) []byte {
				return space.ReplaceAll(b, []byte(" "))
			}))
			got.WriteByte('\n')
			path := filepath.Join("testdata", tc.name+".json")
			if *golden.Update {
				if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test -update writes it)", err)
			}
			if diff := cmp.Diff(string(want), got.String()); diff != "" {
				t.Errorf("data block differs from %s (-want +got):\n%s", path, diff)
			}
		})
	}
}

// A run id or test id that reads like the data's keys, or would end the
// script, stays a string: the lists are where the data's keys are.
func TestEmbeddedDataOfAwkwardStrings(t *testing.T) {
	t.Parallel()
	odd := `x","tests":null,"lost":null,"</script>`
	run := &result.Run{ID: odd, Tests: []*result.Test{
		test(odd, at(result.Passed, 1, "local", "w1", 0, 1, "")),
		test("never ran"),
	}}
	var got struct {
		Run      string   `json:"run"`
		Tests    []string `json:"tests"`
		Attempts [][]any  `json:"attempts"`
		Lost     []string `json:"lost"`
	}
	if err := json.Unmarshal(embedded(t, Render(run)), &got); err != nil {
		t.Fatalf("data block is not JSON: %v", err)
	}
	if got.Run != odd || !slices.Equal(got.Tests, []string{odd}) || len(got.Attempts) != 1 || !slices.Equal(got.Lost, []string{"never ran"}) {
		t.Errorf("data: run %q, tests %q, %d attempts, lost %q", got.Run, got.Tests, len(got.Attempts), got.Lost)
	}
}

// page is what TestPage reads of a rendered page.
type page struct {
	scripts     int
	barAttempts map[int]bool
	merged      int // attempts in merged bars
	problems    []string
}

// parsePage reads a page as XML, strictly, and notes what Jenkins' CSP
// (no script, no inline style, nothing from elsewhere) would block.
func parsePage(t *testing.T, data []byte) page {
	t.Helper()
	p := page{barAttempts: map[int]bool{}}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	d.Entity = xml.HTMLEntity
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v", err)
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		name := el.Name.Local
		attr := map[string]string{}
		for _, a := range el.Attr {
			attr[a.Name.Local] = a.Value
			switch {
			case a.Name.Local == "style":
				p.problems = append(p.problems, fmt.Sprintf("<%s style=…>", name))
			case strings.HasPrefix(a.Name.Local, "on"):
				p.problems = append(p.problems, fmt.Sprintf("<%s %s=…>", name, a.Name.Local))
			case a.Name.Local == "href" || a.Name.Local == "src" || a.Name.Local == "action":
				if !strings.HasPrefix(a.Value, "#") {
					p.problems = append(p.problems, fmt.Sprintf("<%s %s=%q>", name, a.Name.Local, a.Value))
				}
			case strings.Contains(a.Value, "url(") || strings.Contains(a.Value, "javascript:"):
				p.problems = append(p.problems, fmt.Sprintf("<%s %s=%q>", name, a.Name.Local, a.Value))
			}
		}
		switch name {
		case "style", "link", "img", "image", "iframe", "object", "embed", "use", "foreignObject", "base", "meta":
			if name == "meta" && attr["charset"] != "" {
				break
			}
			p.problems = append(p.problems, "<"+name+">")
		case "script":
			p.scripts++
			if attr["type"] != "application/json" || attr["id"] != DataID {
				p.problems = append(p.problems, fmt.Sprintf("<script type=%q id=%q>", attr["type"], attr["id"]))
			}
		}
		if v, ok := attr["data-a"]; ok {
			i, err := strconv.Atoi(v)
			if err != nil || p.barAttempts[i] {
				p.problems = append(p.problems, "data-a="+v)
			}
			p.barAttempts[i] = true
		}
		if v, ok := attr["data-n"]; ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < 2 {
				p.problems = append(p.problems, "data-n="+v)
			}
			p.merged += n
		}
	}
	return p
}

// Every page is well-formed XML (and so parses as the HTML it is), has no
// script but its data block, no inline style and nothing from elsewhere, and
// a bar for every attempt in its data.
func TestPage(t *testing.T) {
	for _, tc := range cases() {
		t.Run(tc.name, func(t *testing.T) {
			out := Render(tc.run)
			p := parsePage(t, out)
			if p.scripts != 1 {
				t.Errorf("%d script elements, want the data block alone", p.scripts)
			}
			for _, pr := range p.problems {
				t.Errorf("blocked or external under Jenkins' CSP: %s", pr)
			}
			var d struct {
				Attempts []json.RawMessage `json:"attempts"`
				Bars     int               `json:"bars"`
				Merged   int               `json:"merged"`
			}
			if err := json.Unmarshal(embedded(t, out), &d); err != nil {
				t.Fatal(err)
			}
			for i := range d.Attempts {
				if !p.barAttempts[i] && p.merged == 0 {
					t.Errorf("attempt %d has no bar", i)
				}
			}
			if got := len(p.barAttempts) + p.merged; got != len(d.Attempts) {
				t.Errorf("bars stand for %d attempts, the data has %d", got, len(d.Attempts))
			}
			if bars := len(p.barAttempts) + d.Merged; bars != d.Bars {
				t.Errorf("%d bar elements, the data says %d", bars, d.Bars)
			}
		})
	}
}

// Attempts narrower than a pixel column merge, per lane and column, into one
// bar whose title counts them; wider ones keep a bar each.
func TestNarrowAttemptsMerge(t *testing.T) {
	run := cases()[2].run
	out := string(Render(run))
	p := parsePage(t, []byte(out))
	if p.merged == 0 || len(p.barAttempts) == 0 {
		t.Fatalf("%d attempts in merged bars, %d bars of one: want both", p.merged, len(p.barAttempts))
	}
	if p.merged+len(p.barAttempts) != 601 {
		t.Errorf("bars stand for %d attempts, want 601", p.merged+len(p.barAttempts))
	}
	// 600 attempts in 12 s, 60 s over 1210 columns: 2 or 3 a column.
	if !strings.Contains(out, "attempts: 1 failed, ") || !strings.Contains(out, "pkg.TestTiny250 (failed)") {
		t.Errorf("no merged bar names its failed attempt")
	}
	if !strings.Contains(out, `fill="`+verdictColour[vFailed]+`"`) {
		t.Errorf("the merged bar with a failure is not red")
	}
}

func TestDur(t *testing.T) {
	for ms, want := range map[int64]string{0: "0ms", 350: "350ms", 12_340: "12.3s", 65_000: "1m05s", 3_720_000: "1h02m"} {
		if got := dur(ms); got != want {
			t.Errorf("dur(%d) = %q, want %q", ms, got, want)
		}
	}
	for ms, want := range map[int64]string{0: "0", 500: "500ms", 15_000: "15s", 90_000: "1m30s", 120_000: "2m", 7_200_000: "2h"} {
		if got := tick(ms); got != want {
			t.Errorf("tick(%d) = %q, want %q", ms, got, want)
		}
	}
}

func TestWriteIsAtomic(t *testing.T) {
	path := filepath.Join(t.TempDir(), "timeline.html")
	if err := Write(path, cases()[0].run); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("%d files in the directory, want timeline.html alone", len(entries))
	}
}

// failingWriter takes n bytes, then fails every write.
type failingWriter struct{ n int }

var errFull = errors.New("no space left on device")

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, errFull
	}
	w.n -= len(p)
	return len(p), nil
}

// A page that cannot be written whole says so: the first write error, at
// whatever point of the page it came.
func TestWritePageReportsTheWriteError(t *testing.T) {
	run := cases()[0].run
	whole := len(Render(run))
	for _, at := range []int{0, 100, whole / 2, whole - 1} {
		if err := writePage(&failingWriter{n: at}, build(run)); !errors.Is(err, errFull) {
			t.Errorf("write failing after %d of %d bytes: %v, want %v", at, whole, err, errFull)
		}
	}
	if err := writePage(&failingWriter{n: whole}, build(run)); err != nil {
		t.Errorf("a page that fits: %v", err)
	}
}
