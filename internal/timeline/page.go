package timeline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/report"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// The chart's geometry, in CSS pixels: a pixel column is one unit of x.
const (
	svgW      = 1360
	plotX     = 140 // lane labels left of it
	plotW     = svgW - plotX - 10
	axisY     = 14 // baseline of the tick labels
	phaseY    = 20
	phaseH    = 18
	lanesY    = phaseY + phaseH + 8
	hostH     = 18
	tipH      = 16
	charW     = 6.7 // of the 11px monospace tips, to size their boxes
	maxLaneH  = 20
	minLaneH  = 4
	lanesArea = 640 // the height lanes shrink to fit, down to minLaneH
	labelMinH = 11  // lanes lower than this have no label
	maxListed = 500 // rows of the lists under the chart
	// maxBars is the most bar elements a chart has: past it, columns widen
	// (2, 4, … pixels) until the attempts narrower than one fit. Chromium
	// loads and draws 40,000 in about 1.5 s.
	maxBars = 40_000
	// maxTips is the most bars that show their details on focus: each tip is
	// a SMIL animation, and 100,000 of them take Chromium 20 s to set up.
	// Past it, only the failed, flaky, timed-out and lost bars have one (and
	// are focusable), up to maxTips.
	maxTips = 5_000
)

// Colours, by verdict and by span; chosen to stay apart for the common
// colour-vision deficiencies (blue-orange-purple besides red-green).
var (
	verdictColour = map[verdict]string{
		vPassed: "#4e9a3f", vFailed: "#d62728", vFlaky: "#ff9f1c",
		vTimedOut: "#7b3fa0", vLost: "#1f1f1f", vSkipped: "#a8a8a8",
	}
	verdictLabel = map[verdict]string{
		vPassed: "passed", vFailed: "failed", vFlaky: "flaky attempt",
		vTimedOut: "timed out", vLost: "lost", vSkipped: "skipped",
	}
	spanColour = map[string]string{spanStarting: "#bcd4ea", spanUp: "#e9e9e9", spanGap: "#f5c4bf"}
	spanLabel  = map[string]string{spanStarting: "container starting", spanUp: "idle (container up)", spanGap: "reconnect gap"}
)

// The marks on a lane: where its container was lost, where its worker retired.
const (
	lostMarkColour = "#b71c1c"
	retiredColour  = "#8d6e63"
)

// bar is one bar element: one attempt, or several too narrow to draw apart.
type bar struct {
	lane     int
	x, w     float64
	attempts []int
	verdict  verdict
}

// geometry places the lanes.
type geometry struct {
	scale  float64 // px per ms
	laneH  float64
	laneY  []float64
	hostY  map[int]float64 // a host header above the lane that starts the host
	bottom float64
}

func (m *model) geometry() geometry {
	g := geometry{scale: float64(plotW) / float64(max(m.WallMS, 1)), hostY: map[int]float64{}}
	n := len(m.Lanes)
	g.laneH = maxLaneH
	if n > 0 {
		g.laneH = math.Max(minLaneH, math.Min(maxLaneH, math.Floor(lanesArea/float64(n))))
	}
	y := float64(lanesY)
	for i, l := range m.Lanes {
		if i == 0 || l.Host != m.Lanes[i-1].Host {
			g.hostY[i] = y
			y += hostH
		}
		g.laneY = append(g.laneY, y)
		y += g.laneH
	}
	g.bottom = y + 4
	return g
}

func (g geometry) x(ms int64) float64 { return plotX + float64(ms)*g.scale }

// bars lays out the attempts: one bar each, except that on each lane the
// attempts narrower than a pixel column are merged per column into one bar,
// coloured by the worst verdict among them. Columns are wider than a pixel
// when there would be more than maxBars bars.
func (m *model) bars(g geometry) []bar {
	buf := make([]bar, 0, min(len(m.Attempts), maxBars+1)) // each try's, in turn
	for col := 1; ; col *= 2 {
		if bars, ok := m.barsOf(buf[:0], g, float64(col), col >= plotW); ok {
			m.ColumnPX = col
			return bars
		}
	}
}

// barsOf lays the bars out in columns col pixels wide, appending to out.
// Unless all is set it gives up (ok false) at the first bar over maxBars, so
// that trying a width too narrow costs no more than maxBars bars.
func (m *model) barsOf(out []bar, g geometry, col float64, all bool) ([]bar, bool) {
	column := func(x float64) float64 { return plotX + math.Floor((x-plotX)/col)*col }
	add := func(b bar) bool {
		out = append(out, b)
		return all || len(out) <= maxBars
	}
	for l, idx := range m.byLane {
		// A bar's attempts are a run of the lane's, idx[from:k]: no slice of
		// their own for each of up to maxBars bars.
		from := -1 // the first narrow attempt not yet in a bar
		flush := func(k int) bool {
			if from < 0 {
				return true
			}
			narrow := idx[from:k:k]
			from = -1
			return add(bar{lane: l, x: column(g.x(m.Attempts[narrow[0]].StartMS)), w: col, attempts: narrow, verdict: m.worst(narrow)})
		}
		for k, i := range idx {
			a := m.Attempts[i]
			x, w := g.x(a.StartMS), float64(a.DurMS)*g.scale
			if w >= col {
				if !flush(k) || !add(bar{lane: l, x: x, w: w, attempts: idx[k : k+1 : k+1], verdict: a.Verdict}) {
					return nil, false
				}
				continue
			}
			if from >= 0 && column(x) != column(g.x(m.Attempts[idx[from]].StartMS)) && !flush(k) {
				return nil, false
			}
			if from < 0 {
				from = k
			}
		}
		if !flush(len(idx)) {
			return nil, false
		}
	}
	return out, true
}

// tipped says which bars show their details on focus (see maxTips).
func tipped(bars []bar) []bool {
	tip := make([]bool, len(bars))
	n := 0
	for i, br := range bars {
		if len(bars) <= maxTips || br.verdict != vPassed && br.verdict != vSkipped && n < maxTips {
			tip[i] = true
			n++
		}
	}
	return tip
}

func (m *model) worst(idx []int) verdict {
	best := len(verdictOrder)
	for _, i := range idx {
		for r, v := range verdictOrder {
			if v == m.Attempts[i].Verdict && r < best {
				best = r
			}
		}
	}
	return verdictOrder[min(best, len(verdictOrder)-1)]
}

// writePage writes m's page to w and returns the first write error.
func writePage(w io.Writer, m *model) error {
	b := &pageWriter{w: w}
	g := m.geometry()
	bars := m.bars(g)
	m.Bars = len(bars)
	for _, br := range bars {
		if len(br.attempts) > 1 {
			m.Merged++
		}
	}
	title := "jenkins-paratest timeline"
	if m.Run != "" {
		title += ": " + m.Run
	}
	b.WriteString(`<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="en">
<head>
<meta charset="utf-8"/>
<title>` + esc(title) + `</title>
</head>
<body>
`)
	m.writeHeader(b)
	writeLegend(b)
	m.writeChart(b, g, bars)
	m.writeLists(b)
	fmt.Fprintf(b, "<script type=\"application/json\" id=\"%s\">", DataID)
	writeData(b, &m.data)
	b.WriteString("</script>\n</body>\n</html>\n")
	return b.err
}

// writeData writes d as JSON, its lists of tests and attempts element by
// element: at 100,000 attempts one json.Marshal of it held 8 MB twice over.
// The rest is marshalled with the lists nil, and each list goes where its
// "key":null is (a string cannot hold that: its quotes would be escaped).
// json.Marshal escapes <, > and &: nothing in the block can end the script.
func writeData(b *pageWriter, d *data) {
	head := *d
	head.Tests, head.Attempts, head.Lost = nil, nil, nil
	rest, err := json.Marshal(head)
	if err != nil {
		panic(err) // only strings and numbers
	}
	list := func(key string, n int, elem func(i int) ([]byte, error)) {
		before, after, ok := bytes.Cut(rest, []byte(`"`+key+`":null`))
		if !ok {
			panic("timeline: no " + key + " in the page's data")
		}
		b.Write(before)
		fmt.Fprintf(b, "%q:[", key)
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			e, err := elem(i)
			if err != nil {
				panic(err) // a string, or an attempt's numbers
			}
			b.Write(e)
		}
		b.WriteString("]")
		rest = after
	}
	list("tests", len(d.Tests), func(i int) ([]byte, error) { return json.Marshal(d.Tests[i]) })
	list("attempts", len(d.Attempts), func(i int) ([]byte, error) { return d.Attempts[i].MarshalJSON() })
	list("lost", len(d.Lost), func(i int) ([]byte, error) { return json.Marshal(d.Lost[i]) })
	b.Write(rest)
}

// pageWriter is the page's writer: after its first error it writes nothing
// and keeps that error, so that the page's many writes need no checks.
type pageWriter struct {
	w   io.Writer
	err error
}

func (p *pageWriter) Write(b []byte) (int, error) {
	if p.err != nil {
		return 0, p.err
	}
	n, err := p.w.Write(b)
	p.err = err
	return n, err
}

func (p *pageWriter) WriteString(s string) (int, error) {
	if p.err != nil {
		return 0, p.err
	}
	n, err := io.WriteString(p.w, s)
	p.err = err
	return n, err
}

func (m *model) writeHeader(b *pageWriter) {
	verdict := "PASSED"
	switch c := m.counts; {
	case m.interrupted:
		verdict = "INTERRUPTED"
	case c.Failed > 0 || c.Lost > 0:
		verdict = "FAILED"
	}
	fmt.Fprintf(b, "<h1>jenkins-paratest timeline</h1>\n<p>Run <code>%s</code>: %s. %d tests: %d passed (%d flaky), %d failed, %d skipped, %d lost; %s on %s in %s.</p>\n",
		esc(m.Run), verdict, m.counts.Tests, m.counts.Passed, m.counts.Flaky, m.counts.Failed, m.counts.Skipped, m.counts.Lost,
		plural(len(m.Attempts), "attempt"), plural(m.Workers, "worker"), plural(len(m.hosts()), "host"))
	b.WriteString("<dl>\n")
	dd := func(term, def string) { fmt.Fprintf(b, "<dt>%s</dt><dd>%s</dd>\n", term, def) }
	dd("Wall time", esc(dur(m.WallMS))+" (from the first phase to the end of the clean-up)")
	lb := esc(dur(m.LowerBoundMS)) + " (the longest test, or all test time spread over the workers, "
	if m.LowerBoundFrom == "history" {
		lb += "by the timing history's predictions)"
	} else {
		lb += "by this run's attempts)"
	}
	dd("Lower bound", lb)
	if m.PredictedMS > 0 {
		dd("Predicted", esc(dur(m.PredictedMS))+" (from the timing history)")
	}
	dd("Efficiency", fmt.Sprintf("%.0f%% (busy %s of %s available: %s from the first container ready to the end of the last round)",
		100*m.Efficiency, esc(dur(m.BusyMS)), esc(dur(m.AvailableMS)), plural(m.Workers, "worker")))
	if m.Longest >= 0 {
		a := m.Attempts[m.Longest]
		dd("Longest test", fmt.Sprintf("<code>%s</code>, %s on %s (round %d)", esc(m.Tests[a.Test]), esc(dur(a.DurMS)), esc(m.where(a)), a.Round))
	}
	if m.Last >= 0 {
		a := m.Attempts[m.Last]
		dd("Critical path's last test", fmt.Sprintf("<code>%s</code>, ended at %s on %s (round %d)", esc(m.Tests[a.Test]), esc(dur(a.StartMS+a.DurMS)), esc(m.where(a)), a.Round))
	}
	if len(m.Lost) > 0 {
		verb := "have"
		if len(m.Lost) == 1 {
			verb = "has"
		}
		dd("Lost", fmt.Sprintf("<a href=\"#lost\">%s</a> never got a verdict and %s no bar", plural(len(m.Lost), "test"), verb))
	}
	if m.Merged > 0 {
		dd("Merged bars", fmt.Sprintf("%d of the %d bars each stand for the attempts on one worker narrower than a column (%s), in the colour of the worst of them; hover over one to count them", m.Merged, m.Bars, plural(m.ColumnPX, "pixel")))
	}
	if m.Bars > maxTips {
		dd("Focus", fmt.Sprintf("with more than %d bars, only the failed, flaky, timed-out and lost ones can be focused with Tab", maxTips))
	}
	if m.NotDrawn > 0 {
		var why []string
		for _, w := range []struct {
			n    int
			what string
		}{
			{m.subtests, " of subtests, inside their parents' bars"},
			{m.earlier, " of the run this one resumed"},
			{m.unstarted, " never started: the run was interrupted"},
		} {
			if w.n > 0 {
				why = append(why, plural(w.n, "attempt")+w.what)
			}
		}
		dd("Not drawn", esc(strings.Join(why, "; ")))
	}
	b.WriteString("</dl>\n<p>Hover over a bar, or focus it with Tab, for its test, verdict, duration, round and host.</p>\n")
}

func (m *model) hosts() []string {
	var hs []string
	for i, l := range m.Lanes {
		if i == 0 || l.Host != m.Lanes[i-1].Host {
			hs = append(hs, l.Host)
		}
	}
	return hs
}

func (m *model) where(a attempt) string {
	l := m.Lanes[a.Lane]
	return l.Host + "/" + l.Worker
}

func writeLegend(b *pageWriter) {
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" width="` + itoa(svgW) + `" height="22" font-family="sans-serif" font-size="12" role="img" aria-label="legend">` + "\n")
	x := 4.0
	item := func(colour, label string) {
		fmt.Fprintf(b, `<rect x="%s" y="5" width="14" height="12" fill="%s"/><text x="%s" y="15">%s</text>`+"\n", num(x), colour, num(x+18), esc(label))
		x += 18 + float64(len(label))*6.6 + 16
	}
	for _, v := range []verdict{vPassed, vFailed, vFlaky, vTimedOut, vLost, vSkipped} {
		item(verdictColour[v], verdictLabel[v])
	}
	for _, s := range []string{spanStarting, spanUp, spanGap} {
		item(spanColour[s], spanLabel[s])
	}
	item(lostMarkColour, "container lost")
	item(retiredColour, "worker retired")
	b.WriteString("</svg>\n")
}

func (m *model) writeChart(b *pageWriter, g geometry, bars []bar) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%s" font-family="sans-serif" font-size="11" role="group" aria-label="timeline: a lane per worker, a bar per attempt">`+"\n",
		svgW, num(g.bottom+tipH+4))

	// The time axis: ticks and grid lines.
	step := tickStep(m.WallMS)
	b.WriteString(`<g stroke="#d8d8d8">`)
	for t := int64(0); t <= m.WallMS; t += step {
		fmt.Fprintf(b, `<line x1="%s" y1="%d" x2="%s" y2="%s"/>`, num(g.x(t)), phaseY, num(g.x(t)), num(g.bottom))
	}
	b.WriteString("</g>\n<g fill=\"#444\" text-anchor=\"middle\">")
	for t := int64(0); t <= m.WallMS; t += step {
		fmt.Fprintf(b, `<text x="%s" y="%d">%s</text>`, num(g.x(t)), axisY, esc(tick(t)))
	}
	b.WriteString("</g>\n")

	// Phases: a strip above the lanes, a dashed line where each begins.
	fmt.Fprintf(b, `<text x="4" y="%d">phases</text>`+"\n", phaseY+13)
	for i, p := range m.Phases {
		x0, x1 := g.x(p.StartMS), g.x(p.EndMS)
		fill := "#d5dde6"
		if i%2 == 1 {
			fill = "#b9c6d3"
		}
		fmt.Fprintf(b, `<g><title>%s: %s → %s (%s)</title><rect x="%s" y="%d" width="%s" height="%d" fill="%s"/>`,
			esc(p.Name), esc(dur(p.StartMS)), esc(dur(p.EndMS)), esc(dur(p.EndMS-p.StartMS)), num(x0), phaseY, num(math.Max(x1-x0, 1)), phaseH, fill)
		if float64(len(p.Name))*6.2+6 < x1-x0 {
			fmt.Fprintf(b, `<text x="%s" y="%d">%s</text>`, num(x0+3), phaseY+13, esc(p.Name))
		}
		b.WriteString("</g>\n")
	}
	b.WriteString(`<g stroke="#6b7b8c" stroke-dasharray="3 3">`)
	for _, p := range m.Phases {
		if p.StartMS > 0 {
			fmt.Fprintf(b, `<line x1="%s" y1="%d" x2="%s" y2="%s"/>`, num(g.x(p.StartMS)), phaseY, num(g.x(p.StartMS)), num(g.bottom))
		}
	}
	b.WriteString("</g>\n")

	// Hosts and lanes: labels, then each container's life.
	for i, l := range m.Lanes {
		if y, ok := g.hostY[i]; ok {
			n := 0
			for _, o := range m.Lanes[i:] {
				if o.Host != l.Host {
					break
				}
				n++
			}
			fmt.Fprintf(b, `<text x="4" y="%s" font-weight="bold">%s (%s)</text><line x1="4" y1="%s" x2="%d" y2="%s" stroke="#999"/>`+"\n",
				num(y+13), esc(l.Host), plural(n, "worker"), num(y+hostH-1), svgW-10, num(y+hostH-1))
		}
		y := g.laneY[i]
		if g.laneH >= labelMinH {
			fmt.Fprintf(b, `<text x="%d" y="%s" text-anchor="end">%s</text>`, plotX-6, num(y+g.laneH/2+4), esc(l.Worker))
		}
		for _, s := range l.Spans {
			fmt.Fprintf(b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s/%s: %s, %s → %s</title></rect>`,
				num(g.x(s.StartMS)), num(y), num(math.Max(float64(s.EndMS-s.StartMS)*g.scale, 1)), num(g.laneH), spanColour[s.Kind],
				esc(l.Host), esc(l.Worker), spanLabel[s.Kind], esc(dur(s.StartMS)), esc(dur(s.EndMS)))
		}
		b.WriteString("\n")
	}

	// The bars, each focusable; the tips that focus shows are drawn last, on top.
	barH := math.Max(g.laneH-2, 1)
	var tips bytes.Buffer
	tip := tipped(bars)
	for n, br := range bars {
		y := g.laneY[br.lane] + (g.laneH-barH)/2
		text := m.barText(br)
		attr := ""
		if len(br.attempts) == 1 {
			attr = ` data-a="` + itoa(br.attempts[0]) + `"`
		} else {
			attr = ` data-n="` + itoa(len(br.attempts)) + `"`
		}
		if tip[n] {
			attr = ` id="b` + itoa(n) + `" tabindex="0"` + attr
		}
		fmt.Fprintf(b, `<g%s><title>%s</title><rect x="%s" y="%s" width="%s" height="%s" fill="%s"/></g>`+"\n",
			attr, esc(text), num(br.x), num(y), num(math.Max(br.w, 1)), num(barH), verdictColour[br.verdict])
		if !tip[n] {
			continue
		}
		line := oneLine(text)
		w := float64(len([]rune(line)))*charW + 8
		tx := math.Max(0, math.Min(br.x, svgW-w))
		ty := g.laneY[br.lane] + g.laneH + 2 // the chart leaves room below its last lane
		fmt.Fprintf(&tips, `<g visibility="hidden"><set attributeName="visibility" to="visible" begin="b%d.focus" end="b%d.blur"/><rect x="%s" y="%s" width="%s" height="%d" fill="#ffffe6" stroke="#555"/><text x="%s" y="%s">%s</text></g>`+"\n",
			n, n, num(tx), num(ty), num(w), tipH, num(tx+4), num(ty+12), esc(line))
	}

	// Lost containers and retired workers.
	for i, l := range m.Lanes {
		for _, k := range l.Marks {
			colour, what := lostMarkColour, "container lost"
			if k.Kind == result.EventRetired {
				colour, what = retiredColour, "worker retired"
			}
			fmt.Fprintf(b, `<rect x="%s" y="%s" width="2" height="%s" fill="%s"><title>%s/%s: %s at %s: %s</title></rect>`+"\n",
				num(g.x(k.AtMS)-1), num(g.laneY[i]), num(g.laneH), colour, esc(l.Host), esc(l.Worker), what, esc(dur(k.AtMS)), esc(oneLine(k.Detail)))
		}
	}
	fmt.Fprintf(b, `<g font-family="monospace" pointer-events="none">`+"\n%s</g>\n</svg>\n", tips.Bytes())
}

// barText is a bar's title: the test, verdict, duration, round and place of
// its attempt, or what the attempts merged into it were.
func (m *model) barText(br bar) string {
	if len(br.attempts) == 1 {
		a := m.Attempts[br.attempts[0]]
		s := fmt.Sprintf("%s\n%s · %s · round %d · %s · %s → %s", m.Tests[a.Test], verdictLabel[a.Verdict], dur(a.DurMS), a.Round,
			m.where(a), dur(a.StartMS), dur(a.StartMS+a.DurMS))
		if msg := oneLine(a.a.Message()); msg != "" && a.Verdict != vPassed {
			s += "\n" + bound(msg, 200)
		}
		return s
	}
	count := map[verdict]int{}
	var bad []string
	var from, to int64 = math.MaxInt64, 0
	for _, i := range br.attempts {
		a := m.Attempts[i]
		count[a.Verdict]++
		if a.Verdict != vPassed && a.Verdict != vSkipped && len(bad) < 3 {
			bad = append(bad, m.Tests[a.Test]+" ("+verdictLabel[a.Verdict]+")")
		}
		from, to = min(from, a.StartMS), max(to, a.StartMS+a.DurMS)
	}
	var parts []string
	for _, v := range verdictOrder {
		if n := count[v]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, verdictLabel[v]))
		}
	}
	s := fmt.Sprintf("%d attempts: %s · %s · %s → %s", len(br.attempts), strings.Join(parts, ", "), m.where(m.Attempts[br.attempts[0]]), dur(from), dur(to))
	if len(bad) > 0 {
		s += "\n" + strings.Join(bad, "\n")
	}
	return s
}

// writeLists shows, under the chart, what has no bar (the lost tests) and what
// a reader looks for first (the bad attempts), readable without hovering.
func (m *model) writeLists(b *pageWriter) {
	if len(m.Lost) > 0 {
		fmt.Fprintf(b, "<h2 id=\"lost\">Lost tests (%d)</h2>\n<p>These never got a verdict, so they have no bar.</p>\n<ul>\n", len(m.Lost))
		for i, id := range m.Lost {
			if i == maxListed {
				fmt.Fprintf(b, "<li>… and %d more (summary.json, JUnit)</li>\n", len(m.Lost)-maxListed)
				break
			}
			fmt.Fprintf(b, "<li><code>%s</code></li>\n", esc(id))
		}
		b.WriteString("</ul>\n")
	}
	var bad []int
	for i, a := range m.Attempts {
		if a.Verdict != vPassed && a.Verdict != vSkipped {
			bad = append(bad, i)
		}
	}
	if len(bad) == 0 {
		return
	}
	fmt.Fprintf(b, "<h2>Failed, flaky, timed-out and lost attempts (%d)</h2>\n<table>\n<tr><th>Test</th><th>Verdict</th><th>Duration</th><th>Round</th><th>Worker</th><th>Start</th><th>Message</th></tr>\n", len(bad))
	for n, i := range bad {
		if n == maxListed {
			fmt.Fprintf(b, "<tr><td colspan=\"7\">… and %d more (flaky.json)</td></tr>\n", len(bad)-maxListed)
			break
		}
		a := m.Attempts[i]
		fmt.Fprintf(b, "<tr><td><code>%s</code></td><td>%s</td><td>%s</td><td>%d</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
			esc(m.Tests[a.Test]), verdictLabel[a.Verdict], esc(dur(a.DurMS)), a.Round, esc(m.where(a)), esc(dur(a.StartMS)), esc(bound(oneLine(a.a.Message()), 200)))
	}
	b.WriteString("</table>\n")
}

// esc makes s safe as XML and HTML text or attribute value.
func esc(s string) string { return html.EscapeString(report.Clean(s)) }

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " · ")), " ")
}

func bound(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// num is a coordinate with at most one decimal.
func num(f float64) string {
	return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64)
}

func itoa(n int) string { return strconv.Itoa(n) }

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return itoa(n) + " " + what + "s"
}

// dur is "350ms", "12.3s", "4m05s" or "1h02m".
func dur(ms int64) string {
	d := time.Duration(max(ms, 0)) * time.Millisecond
	switch {
	case d < time.Second:
		return fmt.Sprintf("%dms", ms)
	case d < time.Minute:
		return strconv.FormatFloat(math.Round(d.Seconds()*10)/10, 'f', -1, 64) + "s"
	case d < time.Hour:
		s := int(d.Round(time.Second).Seconds())
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	}
	mins := int(d.Round(time.Minute).Minutes())
	return fmt.Sprintf("%dh%02dm", mins/60, mins%60)
}

// tickSteps are the axis steps, in ms; tickStep picks the first that draws
// at most 12 ticks.
var tickSteps = []int64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000,
	60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000, 86_400_000}

func tickStep(wall int64) int64 {
	for _, s := range tickSteps {
		if wall/s <= 12 {
			return s
		}
	}
	return tickSteps[len(tickSteps)-1]
}

// tick is an axis label: "0", "500ms", "15s", "1m30s", "2h".
func tick(ms int64) string {
	switch d := time.Duration(ms) * time.Millisecond; {
	case ms == 0:
		return "0"
	case d < time.Second:
		return fmt.Sprintf("%dms", ms)
	case d < time.Minute:
		return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
	case d < time.Hour:
		m, s := ms/60_000, ms/1000%60
		if s == 0 {
			return fmt.Sprintf("%dm", m)
		}
		return fmt.Sprintf("%dm%02ds", m, s)
	}
	h, m := ms/3_600_000, ms/60_000%60
	if m == 0 {
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dh%02dm", h, m)
}
