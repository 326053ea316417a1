package report

import (
	"fmt"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// MaxMarkdown is the most bytes summary.md holds. GitHub rejects a comment longer than
// 65,535 characters, and UTF-8 text has no more characters than bytes; the margin
// leaves room for a pipeline to add a line of its own.
const MaxMarkdown = 65_000

// How much of each failed test summary.md shows; the JUnit files keep much more.
const (
	mdMessageHalf = 1_000 // message and details
	mdOutputHalf  = 1_000
	mdCellRunes   = 200 // a flaky attempt's message in a table cell
)

// WriteSummaryMD writes a Markdown summary of run to path, atomically, ready to post as
// a pull-request comment: counts; how many rounds reruns took, or why there were
// none; predicted against actual wall time when there was timing history; the
// suspect hosts (see SuspectFactor); each failed test with its message and output,
// each flaky test with its attempts, both noting the host a test failed only on
// (FailedOnlyOn); and links. When it would be longer than MaxMarkdown it
// stops at a test boundary and says how many tests are not shown and where they are.
func WriteSummaryMD(path string, run *result.Run) error {
	return WriteAtomic(path, []byte(markdown(run, shownDir(path), timelineLink(path, run.BuildURL))))
}

// timelineLink is where summary.md links the timeline: the build's archived
// copy when the build is known and the output directory is in the workspace,
// since a pull-request comment resolves no relative link; else timeline.html
// beside summary.md.
func timelineLink(path, buildURL string) string {
	u := strings.TrimSuffix(Clean(buildURL), "/")
	dir := filepath.ToSlash(filepath.Clean(filepath.Dir(path)))
	if u == "" || filepath.IsAbs(filepath.Dir(path)) || dir == ".." || strings.HasPrefix(dir, "../") {
		return timeline
	}
	var segs []string
	for _, s := range strings.Split(dir+"/"+timeline, "/") {
		if s != "." {
			segs = append(segs, url.PathEscape(s))
		}
	}
	return u + "/artifact/" + strings.Join(segs, "/")
}

// shownDir is the output directory as a reader of the comment knows it: relative to
// the workspace, as archived. An absolute path would only name the agent's disk.
func shownDir(path string) string {
	dir := filepath.Dir(path)
	if filepath.IsAbs(dir) {
		dir = filepath.Base(dir)
	}
	return filepath.ToSlash(dir)
}

// A block is one test's part of the summary, the unit it is cut at.
type block struct {
	kind blockKind
	text string
}

type blockKind int

const (
	failedBlock blockKind = iota
	lostBlock
	flakyBlock
	orderBlock
)

func markdown(run *result.Run, dir, timelineURL string) string {
	in := func(name string) string {
		if dir == "." || dir == "" {
			return name
		}
		return dir + "/" + name
	}
	head := mdHead(run)
	foot := fmt.Sprintf("---\nJUnit XML: `%s` · flaky tests: `%s` · worker logs: `%s` · timeline: [`%s`](%s)\n",
		in(junitDir), in(flakyJSON), in(logsDir), in(timeline), timelineURL)
	blocks := mdBlocks(run)

	// note is what replaces blocks[i:] when the summary is cut there.
	note := func(i int) string {
		kinds := []string{failedBlock: "failed test", lostBlock: "lost test", flakyBlock: "flaky test", orderBlock: "order-dependent test"}
		n := make([]int, len(kinds))
		for _, b := range blocks[i:] {
			n[b.kind]++
		}
		var parts []string
		for k, what := range kinds {
			if n[k] > 0 {
				parts = append(parts, plural(n[k], "more "+what))
			}
		}
		return fmt.Sprintf("**Not shown: %s.** This summary is cut to fit a comment; "+
			"every test is in `%s` and every flaky test in `%s`.\n\n",
			strings.Join(parts, ", "), in(junitDir), in(flakyJSON))
	}

	var b strings.Builder
	b.WriteString(head)
	size := len(head) + len(foot)
	for i, bl := range blocks {
		need := size + len(bl.text)
		if i+1 < len(blocks) {
			need += len(note(i + 1))
		}
		if need > MaxMarkdown {
			b.WriteString(note(i))
			break
		}
		b.WriteString(bl.text)
		size += len(bl.text)
	}
	b.WriteString(foot)
	return b.String()
}

func mdHead(run *result.Run) string {
	c := run.Counts()
	status := "PASSED"
	switch {
	case run.Interrupted:
		status = "INTERRUPTED"
	case c.Failed > 0 || c.Lost > 0:
		status = "FAILED"
	}
	var parts []string
	if c.Failed > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", c.Failed))
	}
	passed := fmt.Sprintf("%d passed", c.Passed)
	if c.Flaky > 0 {
		passed += fmt.Sprintf(" (%d flaky)", c.Flaky)
	}
	parts = append(parts, passed)
	if c.Skipped > 0 {
		parts = append(parts, fmt.Sprintf("%d skipped", c.Skipped))
	}
	if c.Lost > 0 {
		parts = append(parts, fmt.Sprintf("%d lost", c.Lost))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "### jenkins-paratest %s: %s of %d in %s\n\n",
		status, strings.Join(parts, ", "), c.Tests, humanDuration(run.Duration))

	first := "Run"
	if id := codeSpan(Clean(run.ID)); id != "" {
		first += " " + id
	}
	if run.Workers > 0 {
		first += " on " + plural(run.Workers, "worker")
	}
	line := []string{first}
	if u := Clean(run.BuildURL); u != "" {
		u = strings.TrimSuffix(u, "/") + "/"
		line = append(line, "[Jenkins build]("+u+")", "[test report]("+u+"testReport/)")
	}
	b.WriteString(strings.Join(line, " · ") + "\n\n")
	if run.Interrupted {
		b.WriteString("The run was interrupted: tests it did not start count as skipped, " +
			"tests it stopped count as lost.\n\n")
	}
	b.WriteString(mdRounds(run))
	b.WriteString(mdTiming(run))
	b.WriteString(mdSuspects(HostStats(run)))
	return b.String()
}

// mdRounds says how many rounds the reruns took, or why there were none.
func mdRounds(run *result.Run) string {
	var b strings.Builder
	if n := Rounds(run); n > 1 {
		fmt.Fprintf(&b, "Failed tests were rerun: %d rounds in all.\n\n", n)
	}
	if why := strings.TrimSuffix(cell(run.RerunSkipped), "."); why != "" {
		b.WriteString("Failed tests were not rerun: " + why + ".\n\n")
	}
	return b.String()
}

// mdTiming compares the wall time with what the timing history predicted
// (internal/plan) and, from the prediction's detail, says where the two
// differ most: the worker that finished the first round last against its
// predicted finish, and the tests whose durations were furthest from theirs.
func mdTiming(run *result.Run) string {
	if run.Predicted <= 0 {
		return ""
	}
	s := fmt.Sprintf("Wall time %s · predicted %s from earlier runs: %s", humanDuration(run.Duration),
		humanDuration(run.Predicted), offBy(run.Duration, run.Predicted))
	if run.LowerBound > 0 {
		s += fmt.Sprintf(" · lower bound %s (the longest test, or all test time spread over the workers, plus one container start)",
			humanDuration(run.LowerBound))
	}
	s += "\n\n"
	if run.Forecast == nil {
		return s
	}
	var parts []string
	if w, at, ok := lastWorker(run); ok {
		if want, ok := run.Forecast.Finish[w]; ok {
			parts = append(parts, fmt.Sprintf("%s finished the first round last, at %s against %s predicted",
				codeSpan(w), humanDuration(at), humanDuration(want)))
		}
	}
	if far := furthest(run, mdFurthest); len(far) > 0 {
		parts = append(parts, "the tests furthest from their predictions: "+strings.Join(far, ", "))
	}
	if len(parts) == 0 {
		return s
	}
	return s + "Where it differed most: " + strings.Join(parts, "; ") + ".\n\n"
}

// mdFurthest is how many tests mdTiming names as furthest from the prediction.
const mdFurthest = 3

// offBy says how far actual was from predicted: "21s (26%) longer".
func offBy(actual, predicted time.Duration) string {
	d := actual - predicted
	what := "longer"
	if d < 0 {
		d, what = -d, "shorter"
	}
	if d*50 < predicted { // within 2%
		return "as predicted"
	}
	return fmt.Sprintf("%s (%.0f%%) %s", humanDuration(d), 100*float64(d)/float64(predicted), what)
}

// firstRound is the lowest round any attempt ran in: what the prediction is of.
func firstRound(run *result.Run) int {
	first := 0
	for _, t := range run.Tests {
		for _, a := range t.Attempts {
			if a.Round > 0 && (first == 0 || a.Round < first) {
				first = a.Round
			}
		}
	}
	return first
}

// lastWorker is the worker ("host/worker") whose last first-round attempt
// ended last, and when, counted from the run's start.
func lastWorker(run *result.Run) (worker string, at time.Duration, ok bool) {
	first := firstRound(run)
	for _, t := range run.Tests {
		for _, a := range t.Attempts {
			if a.Round != first || a.Start.IsZero() || a.Worker == "" {
				continue
			}
			end := a.Start.Add(a.Duration).Sub(run.Start)
			w := a.Host + "/" + a.Worker
			if !ok || end > at || (end == at && w < worker) {
				worker, at, ok = w, end, true
			}
		}
	}
	return worker, at, ok
}

// furthest names up to n listed tests whose first-round duration was furthest
// from their predicted one, furthest first: off by at least 100ms and a fifth
// of the prediction, so that noise is not named.
func furthest(run *result.Run, n int) []string {
	type off struct {
		t       *result.Test
		took, d time.Duration
	}
	first := firstRound(run)
	var offs []off
	for _, t := range run.Tests {
		want, ok := run.Forecast.Tests[t.ID]
		if t.Parent() != "" || !ok {
			continue
		}
		for _, a := range t.Attempts {
			if a.Round == first && a.Status != result.Skipped {
				if d := max(a.Duration-want, want-a.Duration); d >= 100*time.Millisecond && 5*d >= want {
					offs = append(offs, off{t, a.Duration, d})
				}
				break
			}
		}
	}
	sort.SliceStable(offs, func(i, j int) bool { return offs[i].d > offs[j].d })
	var out []string
	for _, o := range offs[:min(n, len(offs))] {
		want := humanDuration(run.Forecast.Tests[o.t.ID])
		if run.Forecast.Unknown[o.t.ID] {
			want += ", counted for want of history"
		}
		out = append(out, fmt.Sprintf("%s took %s against %s", codeSpan(o.t.ID), humanDuration(o.took), want))
	}
	return out
}

// mdSuspectAllHosts is the most hosts mdSuspects lists all of; with more, it lists
// the suspect ones only, so a large matrix cannot crowd the tests out of summary.md.
const mdSuspectAllHosts = 20

// mdSuspects lists every host when one of them is suspect, so its failure rate
// can be compared with the others'.
func mdSuspects(hosts []HostStat) string {
	suspects := SuspectHosts(hosts)
	n := len(suspects)
	if n == 0 {
		return ""
	}
	if len(hosts) > mdSuspectAllHosts {
		hosts = suspects
	}
	var b strings.Builder
	fmt.Fprintf(&b, "#### Suspect hosts (%d)\n\n", n)
	b.WriteString("| Host | Attempts | Failed | Failure rate | Suspect |\n| --- | --- | --- | --- | --- |\n")
	for _, h := range hosts {
		mark := ""
		if h.Suspect {
			mark = "**yes**"
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %.1f%% | %s |\n", cell(h.Host), h.Attempts, h.Bad, 100*h.Rate(), mark)
	}
	fmt.Fprintf(&b, "\nA suspect host failed at least %d attempts, at a rate at least %g× the median "+
		"of the other hosts': check the host (load, disk, network) before the tests that failed there.\n\n",
		SuspectMinBad, SuspectFactor)
	return b.String()
}

func mdBlocks(run *result.Run) []block {
	var failed, lostTests, flaky, order []*result.Test
	for _, t := range run.Tests {
		switch {
		case t.Final().Bad():
			failed = append(failed, t)
		case t.Flaky():
			flaky = append(flaky, t)
		case t.OrderDependent() != nil:
			order = append(order, t)
		case lost(t):
			lostTests = append(lostTests, t)
		}
	}
	var blocks []block
	for i, t := range failed {
		text := mdFailed(t)
		if i == 0 {
			text = fmt.Sprintf("#### Failed tests (%d)\n\n", len(failed)) + text
		}
		blocks = append(blocks, block{failedBlock, text})
	}
	for i, t := range lostTests {
		text := "- " + codeSpan(Clean(t.ID)) + "\n"
		if i == 0 {
			text = fmt.Sprintf("#### Lost tests (%d)\n\nThese never ran to completion:\n\n", len(lostTests)) + text
		}
		if i == len(lostTests)-1 {
			text += "\n"
		}
		blocks = append(blocks, block{lostBlock, text})
	}
	for i, t := range flaky {
		text := mdFlaky(t)
		if i == 0 {
			text = fmt.Sprintf("#### Flaky tests (%d)\n\n%s\n\n", len(flaky), flakyInJenkins) + text
		}
		blocks = append(blocks, block{flakyBlock, text})
	}
	for i, t := range order {
		text := "- " + codeSpan(Clean(t.ID)) + " " + orderNote(t.OrderDependent()) + "\n"
		if i == 0 {
			text = fmt.Sprintf("#### Order-dependent tests (%d)\n\nThese failed when run apart and passed when run after the tests listed before them, as in a serial run; their verdict is the serial one. They depend on state another test leaves behind:\n\n", len(order)) + text
		}
		if i == len(order)-1 {
			text += "\n"
		}
		blocks = append(blocks, block{orderBlock, text})
	}
	return blocks
}

// flakyInJenkins says what Jenkins makes of a flaky test, which its JUnit
// file has as a pass with a flakyFailure per bad attempt.
const flakyInJenkins = "Jenkins' test report shows these as passed: their failed attempts are only " +
	"in its API (each case's `flakyFailures`) and, with the Flaky Test Handler plugin " +
	"(`junitFlakyTestPublisher()`), on their test pages. `flaky.json` has every attempt."

// orderNote says what an order-dependent test needs.
func orderNote(d *result.OrderDependence) string {
	if d.Needs != "" {
		return "needs " + codeSpan(Clean(d.Needs))
	}
	return fmt.Sprintf("needs several of the %d tests listed before it", d.Before)
}

// mdFailed shows a failed test's last attempt: where it ran, its message and details
// in a fenced block, and its output folded away.
func mdFailed(t *result.Test) string {
	a := t.Attempts[len(t.Attempts)-1]
	var b strings.Builder
	fmt.Fprintf(&b, "**%s** %s", codeSpan(Clean(t.ID)), verdict(a.Status))
	if at := Clean(Place(a)); at != "" {
		b.WriteString(" in " + at)
	}
	if n := len(t.Attempts); n > 1 {
		fmt.Fprintf(&b, " (%d attempts)", n)
	}
	b.WriteString(onlyOnNote(t))
	b.WriteString("\n\n")
	msg := Clean(a.Message())
	if d := Clean(a.Details()); d != "" {
		msg += "\n" + d
	}
	if strings.TrimSpace(msg) == "" {
		msg = "(no message)"
	}
	b.WriteString(fence(Bound(msg, mdMessageHalf)))
	b.WriteString("\n")
	b.WriteString(mdReproduce(t))
	if out := Clean(a.Output()); strings.TrimSpace(out) != "" {
		b.WriteString("<details><summary>Output</summary>\n\n")
		b.WriteString(fence(Bound(out, mdOutputHalf)))
		b.WriteString("\n</details>\n\n")
	}
	return b.String()
}

// mdFlaky shows a flaky test with a table of its attempts.
func mdFlaky(t *result.Test) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s**%s\n\n", codeSpan(Clean(t.ID)), onlyOnNote(t))
	b.WriteString("| Round | Worker | Host | Verdict | Message |\n| --- | --- | --- | --- | --- |\n")
	for _, a := range t.Attempts {
		msg := ""
		if m := firstLine(Clean(a.Message()), mdCellRunes); m != "" {
			msg = codeSpan(m)
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s |\n",
			a.Round, cell(a.Worker), cell(a.Host), verdict(a.Status), strings.ReplaceAll(msg, "|", `\|`))
	}
	b.WriteString("\n")
	b.WriteString(mdReproduce(t))
	return b.String()
}

// mdReproduce is the command that runs t again alone, in a shell block.
func mdReproduce(t *result.Test) string {
	if t.Reproduce() == "" {
		return ""
	}
	return "Reproduce:\n\n" + fence(Clean(t.Reproduce())) + "\n"
}

// onlyOnNote is " · failed only on host `h2`" when FailedOnlyOn names a host.
func onlyOnNote(t *result.Test) string {
	h := FailedOnlyOn(t)
	if h == "" {
		return ""
	}
	return " · failed only on host " + codeSpan(Clean(h))
}

// lost reports whether a test never got a verdict, as result.Counts counts it.
func lost(t *result.Test) bool {
	switch t.Final() {
	case result.Passed, result.Failed, result.Errored, result.Skipped:
		return false
	}
	return true
}

func verdict(s result.Status) string {
	if s == result.Errored {
		return "errored"
	}
	return string(s)
}

// fence puts s in a fenced code block whose fence is longer than any run of
// backticks in s, so nothing in a test's output can end it early.
func fence(s string) string {
	f := strings.Repeat("`", max(3, longestRun(s, '`')+1))
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	return f + "text\n" + s + f + "\n"
}

// codeSpan puts s in an inline code span that nothing in s can end early.
func codeSpan(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	if s == "" {
		return ""
	}
	d := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") ||
		(strings.HasPrefix(s, " ") && strings.HasSuffix(s, " ")) {
		s = " " + s + " "
	}
	return d + s + d
}

// cell makes s safe as the plain text of a table cell.
func cell(s string) string {
	s = firstLine(Clean(s), mdCellRunes)
	return strings.NewReplacer(`\`, `\\`, "|", `\|`, "`", "\\`", "*", `\*`, "_", `\_`,
		"[", `\[`, "]", `\]`, "<", `\<`, ">", `\>`).Replace(s)
}

// firstLine is the first line of s, cut to n runes.
func firstLine(s string, n int) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i] + " …"
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

func longestRun(s string, c byte) int {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// humanDuration is "1m12s", "12.3s" or "350ms".
func humanDuration(d time.Duration) string {
	switch {
	case d >= time.Minute:
		return d.Round(time.Second).String()
	case d >= time.Second:
		return d.Round(100 * time.Millisecond).String()
	}
	return max(d, 0).Round(time.Millisecond).String()
}
