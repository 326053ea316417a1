package timeline

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// A verdict is a byte, not its word: the model has one per attempt.
type verdict uint8

// The verdicts a bar is coloured by, worst first: a merged bar takes the
// colour of the worst attempt in it.
const (
	vFailed   verdict = iota // a bad attempt of a test that failed
	vTimedOut                // killed at its timeout
	vLost                    // lost with its container max_lost times
	vFlaky                   // a bad attempt of a test that passed on a rerun
	vSkipped
	vPassed
)

var verdictOrder = []verdict{vFailed, vTimedOut, vLost, vFlaky, vSkipped, vPassed}

// String is the verdict's word in the data and the page's classes.
func (v verdict) String() string {
	return [...]string{"failed", "timed_out", "lost", "flaky", "skipped", "passed"}[v]
}

// The kinds of a lane's spans: its container starting (until its setup is
// done), up (ready for tests: idle wherever no bar is), and the gap from a lost
// container to the next start.
const (
	spanStarting = "starting"
	spanUp       = "up"
	spanGap      = "reconnecting"
)

// batchEps is how close to the first end of a batch the end of another attempt
// on its lane must be for it to be taken as the same batch's: the runner
// records a batch's verdicts together when it ends (microseconds apart, or
// milliseconds when it writes a failure's log excerpt), each ending then.
const batchEps = 50 * time.Millisecond

// data is what the page embeds as JSON: what it was drawn from. Times are
// milliseconds since origin.
type data struct {
	Version int    `json:"version"`
	Run     string `json:"run"`
	Origin  string `json:"origin"` // RFC 3339: the start of the first phase
	WallMS  int64  `json:"wall_ms"`
	Workers int    `json:"workers"`
	// BusyMS is the attempts' time, AvailableMS the workers' from the first
	// container ready to the end of the last round; Efficiency the one over
	// the other.
	BusyMS      int64   `json:"busy_ms"`
	AvailableMS int64   `json:"available_ms"`
	Efficiency  float64 `json:"efficiency"`
	// LowerBoundMS is the least any schedule could take: from the timing
	// history's predictions (LowerBoundFrom "history") or from this run's
	// attempts ("this run"): max(longest attempt, busy time / workers).
	LowerBoundMS   int64  `json:"lower_bound_ms"`
	LowerBoundFrom string `json:"lower_bound_from"`
	PredictedMS    int64  `json:"predicted_ms,omitempty"`
	// Longest and Last index Attempts: the longest attempt and the one that
	// ended last (the critical path's last test); -1 without attempts.
	Longest int     `json:"longest"`
	Last    int     `json:"last"`
	Phases  []phase `json:"phases"`
	Lanes   []lane  `json:"lanes"`
	// Tests are the ids Attempts refer to, in run order.
	Tests    []string  `json:"tests"`
	Fields   []string  `json:"attempt_fields"`
	Attempts []attempt `json:"attempts"`
	// Lost are the tests that never got a verdict: they have no bar.
	Lost []string `json:"lost"`
	// NotDrawn counts the attempts not in this run's time: resumed from an
	// earlier run's journal, or never started (interrupted); subtests, which
	// ran inside their parent's bar.
	NotDrawn int `json:"not_drawn"`
	// Bars is how many bar elements the chart has, Merged how many of them
	// stand for several attempts narrower than a column.
	Bars   int `json:"bars"`
	Merged int `json:"merged"`
	// ColumnPX is the width of a column, in pixels: 1, or more when one
	// pixel would make more than maxBars bars.
	ColumnPX int `json:"column_px"`
}

type phase struct {
	Name    string `json:"name"`
	StartMS int64  `json:"start_ms"`
	EndMS   int64  `json:"end_ms"`
}

type lane struct {
	Host   string `json:"host"`
	Worker string `json:"worker"`
	Spans  []span `json:"spans"`
	Marks  []mark `json:"marks"`
}

type span struct {
	Kind    string `json:"kind"`
	StartMS int64  `json:"start_ms"`
	EndMS   int64  `json:"end_ms"`
}

// mark is a moment on a lane: its container lost, or the worker retired.
type mark struct {
	Kind   string `json:"kind"`
	AtMS   int64  `json:"at_ms"`
	Detail string `json:"detail,omitempty"`
}

// attemptFields names the elements of an attempt's JSON array.
var attemptFields = []string{"lane", "test", "start_ms", "duration_ms", "verdict", "round"}

// attempt is one drawn attempt; startNS is where it is drawn (see batchEps).
type attempt struct {
	Lane, Test     int32 // at 100,000 attempts each byte is 100 kB
	StartMS, DurMS int64
	Verdict        verdict
	Round          int32

	a       *result.Attempt
	startNS int64 // Unix nanoseconds: 8 bytes where a time.Time is 24
}

// MarshalJSON writes an attempt as an array (attemptFields): at 100,000
// attempts, names would double the page.
func (a attempt) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 48)
	b = append(b, '[')
	b = strconv.AppendInt(b, int64(a.Lane), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(a.Test), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, a.StartMS, 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, a.DurMS, 10)
	b = append(b, ',')
	b = strconv.AppendQuote(b, a.Verdict.String()) // a fixed word: "passed", "failed", …
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(a.Round), 10)
	return append(b, ']'), nil
}

func (a attempt) end() time.Time { return a.startTime().Add(a.a.Duration) }

// startTime is when the chart has the attempt start: its own start, or where
// pack moved it.
func (a attempt) startTime() time.Time { return time.Unix(0, a.startNS) }

// model is data with what drawing it needs besides.
type model struct {
	data
	origin, end time.Time
	roundsEnd   time.Time
	interrupted bool
	counts      result.Counts
	// Why attempts were not drawn (NotDrawn): subtests, which ran inside
	// their parent's bar; attempts of an earlier run (--resume); attempts
	// never started (the run was interrupted).
	subtests, earlier, unstarted int
	// byLane are the indexes of each lane's attempts, by start.
	byLane [][]int
}

func (m *model) ms(t time.Time) int64 { return t.Sub(m.origin).Milliseconds() }

// build turns a run into the model the page is drawn from.
func build(run *result.Run) *model {
	m := &model{interrupted: run.Interrupted, counts: run.Counts()}
	m.Version, m.Run, m.Fields = 1, run.ID, attemptFields
	m.Longest, m.Last = -1, -1
	m.Tests, m.Lost, m.Phases, m.Lanes, m.Attempts = []string{}, []string{}, []phase{}, []lane{}, []attempt{}

	// The origin is the start of the first phase; attempts before it are an
	// earlier run's (--resume). Without phases, the earliest time known.
	m.origin = run.Start
	bounded := len(run.Phases) > 0 && !run.Phases[0].Start.IsZero()
	if bounded {
		m.origin = run.Phases[0].Start
	}
	for _, e := range run.Events {
		if e.Time.Before(m.origin) {
			m.origin = e.Time
		}
	}
	if !bounded {
		for _, t := range run.Tests {
			for _, a := range t.Attempts {
				if !a.Start.IsZero() && (m.origin.IsZero() || a.Start.Before(m.origin)) {
					m.origin = a.Start
				}
			}
		}
	}
	m.Origin = m.origin.UTC().Format(time.RFC3339Nano)

	lanes := newLanes()
	for _, e := range run.Events {
		lanes.index(e.Host, e.Worker)
	}
	n := 0 // the attempts, counted first: at 100,000 a growing slice would hold two copies
	for _, t := range run.Tests {
		n += len(t.Attempts)
	}
	m.Attempts = make([]attempt, 0, n)
	m.Tests = make([]string, 0, len(run.Tests))
	for _, t := range run.Tests {
		if len(t.Attempts) == 0 && t.Parent() == "" {
			m.Lost = append(m.Lost, t.ID)
		}
		ti := -1 // t's index in m.Tests once it has an attempt drawn
		for i := range t.Attempts {
			a := &t.Attempts[i]
			if m.notDrawn(t, a) {
				continue
			}
			if ti < 0 {
				ti = len(m.Tests)
				m.Tests = append(m.Tests, t.ID)
			}
			m.Attempts = append(m.Attempts, attempt{
				Lane: int32(lanes.index(a.Host, a.Worker)), Test: int32(ti), Verdict: verdictOf(t, a), Round: int32(a.Round),
				DurMS: a.Duration.Milliseconds(), a: a, startNS: a.Start.UnixNano(), // never zero: notDrawn
			})
		}
	}
	order := lanes.sorted()
	for i := range m.Attempts {
		m.Attempts[i].Lane = int32(order[m.Attempts[i].Lane])
	}
	m.byLane = make([][]int, len(lanes.keys))
	perLane := make([]int, len(lanes.keys))
	for _, a := range m.Attempts {
		perLane[a.Lane]++
	}
	for l, n := range perLane {
		m.byLane[l] = make([]int, 0, n)
	}
	for i, a := range m.Attempts {
		m.byLane[a.Lane] = append(m.byLane[a.Lane], i)
	}
	for l := range m.byLane {
		m.pack(m.byLane[l])
	}

	// The end is the latest time known: the end of the clean-up when the
	// timeline is written after it.
	m.end = m.origin
	later := func(t time.Time) {
		if t.After(m.end) {
			m.end = t
		}
	}
	later(run.Start.Add(max(run.Duration, 0)))
	for _, p := range run.Phases {
		later(p.Start)
		later(p.End)
	}
	for _, e := range run.Events {
		later(e.Time)
	}
	for _, a := range m.Attempts {
		later(a.end())
	}
	m.WallMS = m.ms(m.end)
	m.roundsEnd = m.end
	for _, p := range run.Phases {
		end := p.End
		if end.IsZero() {
			end = m.end
		}
		m.Phases = append(m.Phases, phase{Name: p.Name, StartMS: m.ms(p.Start), EndMS: m.ms(end)})
		if p.Name == "reports" {
			m.roundsEnd = p.Start
		}
	}

	for _, key := range lanes.keys {
		m.Lanes = append(m.Lanes, lane{Host: key.host, Worker: key.worker, Spans: []span{}, Marks: []mark{}})
	}
	m.Lanes = reorder(m.Lanes, order)
	m.laneSpans(run.Events, func(host, worker string) int { return order[lanes.index(host, worker)] })

	m.figures(run)
	for i, a := range m.Attempts {
		m.Attempts[i].StartMS = m.ms(a.startTime())
	}
	for l := range m.byLane {
		slices.SortStableFunc(m.byLane[l], func(i, j int) int { return cmp.Compare(m.Attempts[i].startNS, m.Attempts[j].startNS) })
	}
	return m
}

// notDrawn reports whether an attempt is left out of the chart, and counts it
// by why.
func (m *model) notDrawn(t *result.Test, a *result.Attempt) bool {
	switch {
	case t.Parent() != "":
		m.subtests++
	case a.Start.IsZero():
		m.unstarted++
	case a.Start.Before(m.origin):
		m.earlier++
	default:
		return false
	}
	m.NotDrawn++
	return true
}

// verdictOf is the colour of an attempt.
func verdictOf(t *result.Test, a *result.Attempt) verdict {
	switch {
	case a.Status == result.Passed:
		return vPassed
	case a.Status == result.Skipped:
		return vSkipped
	case a.Cause() == result.TimedOut:
		return vTimedOut
	case a.Cause() == result.Lost:
		return vLost
	case t.Flaky():
		return vFlaky
	}
	return vFailed
}

// pack lays the attempts of one batch end to end: the runner records them all
// when the batch ends, each with that end. Attempts that end within batchEps
// of the first of them are one batch; when their durations fit between the
// lane's previous batch and their end, they ran one after another, in the order
// they were recorded. Otherwise (tests run in parallel) they stay as recorded.
func (m *model) pack(idx []int) {
	as := m.Attempts
	slices.SortStableFunc(idx, func(i, j int) int { return as[i].end().Compare(as[j].end()) })
	prevEnd := m.origin
	for i := 0; i < len(idx); {
		j := i + 1
		for j < len(idx) && as[idx[j]].end().Sub(as[idx[i]].end()) <= batchEps {
			j++
		}
		end := as[idx[j-1]].end()
		var sum time.Duration
		for _, k := range idx[i:j] {
			sum += as[k].a.Duration
		}
		if j-i > 1 && sum <= end.Sub(prevEnd) {
			t := end.Add(-sum)
			for _, k := range idx[i:j] {
				as[k].startNS = t.UnixNano()
				t = t.Add(as[k].a.Duration)
			}
		}
		prevEnd = end
		i = j
	}
}

// laneSpans draws each lane's container life from its events.
func (m *model) laneSpans(events []result.WorkerEvent, laneOf func(host, worker string) int) {
	evs := slices.Clone(events)
	slices.SortStableFunc(evs, func(a, b result.WorkerEvent) int { return a.Time.Compare(b.Time) })
	open := make([]*span, len(m.Lanes))
	closeAt := func(l int, t time.Time) {
		if s := open[l]; s != nil {
			s.EndMS = max(m.ms(t), s.StartMS)
			m.Lanes[l].Spans = append(m.Lanes[l].Spans, *s)
			open[l] = nil
		}
	}
	for _, e := range evs {
		l := laneOf(e.Host, e.Worker)
		closeAt(l, e.Time)
		switch e.Kind {
		case result.EventStarting:
			open[l] = &span{Kind: spanStarting, StartMS: m.ms(e.Time)}
		case result.EventReady:
			open[l] = &span{Kind: spanUp, StartMS: m.ms(e.Time)}
		case result.EventLost:
			m.Lanes[l].Marks = append(m.Lanes[l].Marks, mark{Kind: result.EventLost, AtMS: m.ms(e.Time), Detail: e.Detail})
			open[l] = &span{Kind: spanGap, StartMS: m.ms(e.Time)}
		case result.EventRetired:
			m.Lanes[l].Marks = append(m.Lanes[l].Marks, mark{Kind: result.EventRetired, AtMS: m.ms(e.Time), Detail: e.Detail})
		}
	}
	for l := range open {
		end := m.roundsEnd
		if s := open[l]; s != nil && m.ms(end) < s.StartMS {
			end = m.end
		}
		closeAt(l, end)
	}
}

// figures computes the header's numbers.
func (m *model) figures(run *result.Run) {
	m.Workers = run.Workers
	if m.Workers <= 0 {
		m.Workers = len(m.Lanes)
	}
	var busy, longest time.Duration
	for i, a := range m.Attempts {
		busy += a.a.Duration
		if m.Longest < 0 || a.a.Duration > longest {
			m.Longest, longest = i, a.a.Duration
		}
		if m.Last < 0 || !a.end().Before(m.Attempts[m.Last].end()) {
			m.Last = i
		}
	}
	m.BusyMS = busy.Milliseconds()
	// Available from the first container ready; without events, from the
	// first attempt.
	first := time.Time{}
	for _, e := range run.Events {
		if e.Kind == result.EventReady && (first.IsZero() || e.Time.Before(first)) {
			first = e.Time
		}
	}
	if first.IsZero() {
		for _, a := range m.Attempts {
			if first.IsZero() || a.startTime().Before(first) {
				first = a.startTime()
			}
		}
	}
	if !first.IsZero() && m.roundsEnd.After(first) && m.Workers > 0 {
		m.AvailableMS = int64(m.Workers) * m.roundsEnd.Sub(first).Milliseconds()
	}
	if m.AvailableMS > 0 {
		m.Efficiency = float64(int64(1000*float64(m.BusyMS)/float64(m.AvailableMS)+0.5)) / 1000
	}
	m.PredictedMS = run.Predicted.Milliseconds()
	if run.LowerBound > 0 {
		m.LowerBoundMS, m.LowerBoundFrom = run.LowerBound.Milliseconds(), "history"
	} else {
		lb := longest
		if m.Workers > 0 {
			lb = max(lb, busy/time.Duration(m.Workers))
		}
		m.LowerBoundMS, m.LowerBoundFrom = lb.Milliseconds(), "this run"
	}
}

// laneKey is a worker on a host.
type laneKey struct{ host, worker string }

// laneSet numbers lanes in the order they are met; sorted gives their places.
type laneSet struct {
	keys []laneKey
	idx  map[laneKey]int
}

func newLanes() *laneSet { return &laneSet{idx: map[laneKey]int{}} }

func (s *laneSet) index(host, worker string) int {
	k := laneKey{host, worker}
	if i, ok := s.idx[k]; ok {
		return i
	}
	s.idx[k] = len(s.keys)
	s.keys = append(s.keys, k)
	return len(s.keys) - 1
}

// sorted maps each lane's number to its place: by host, then worker, w2
// before w10.
func (s *laneSet) sorted() []int {
	perm := make([]int, len(s.keys))
	for i := range perm {
		perm[i] = i
	}
	slices.SortFunc(perm, func(a, b int) int {
		ka, kb := s.keys[a], s.keys[b]
		return cmp.Or(strings.Compare(ka.host, kb.host), natural(ka.worker, kb.worker))
	})
	order := make([]int, len(perm))
	for place, i := range perm {
		order[i] = place
	}
	return order
}

// reorder puts xs[i] at order[i].
func reorder[T any](xs []T, order []int) []T {
	out := make([]T, len(xs))
	for i, x := range xs {
		out[order[i]] = x
	}
	return out
}

// natural compares names with a number at the end by that number: w2 < w10.
func natural(a, b string) int {
	pa, na := splitNumber(a)
	pb, nb := splitNumber(b)
	if c := strings.Compare(pa, pb); c != 0 || na < 0 || nb < 0 {
		if c == 0 {
			return strings.Compare(a, b)
		}
		return c
	}
	return cmp.Compare(na, nb)
}

func splitNumber(s string) (string, int) {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	n, err := strconv.Atoi(s[i:])
	if err != nil || i == len(s) {
		return s, -1
	}
	return s[:i], n
}
