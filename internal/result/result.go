// Package result is the neutral model of a run that every report is written from:
// logical tests, the attempts made at each, and their verdicts. It knows nothing of
// Docker, consoles or XML.
package result

import (
	"encoding/json"
	"sort"
	"time"
)

// Status is the verdict of one attempt.
type Status string

// The verdicts an attempt can have.
const (
	Passed  Status = "passed"
	Failed  Status = "failed"  // the test ran and asserted something false
	Errored Status = "error"   // the test could not run to a verdict: crash, timeout, no result
	Skipped Status = "skipped" // the test skipped itself, or was never run (interrupted)
)

// Bad reports whether the status makes a build red.
func (s Status) Bad() bool { return s == Failed || s == Errored }

// Attempt is one execution of one test on one worker. It is 96 bytes, kept
// for every attempt of a run: what few attempts say beyond their verdict is
// behind Detail (nil for most passing ones).
type Attempt struct {
	Status   Status
	Duration time.Duration
	Start    time.Time
	Round    int    // 1 for the first round
	Worker   string // worker name, "w3"
	Host     string // host name, "local" for the local engine
	Detail   *Detail
}

// Detail is what an attempt has to say beyond its verdict.
type Detail struct {
	Message string // one line: why it failed, errored or was skipped
	Details string // failure body: assertion output, stack trace
	Output  string // the test's own output, already bounded
	Crashed bool   // the runner died during this attempt (crash, timeout kill)
	Cause   Cause  // what the master did to the attempt, when it did anything
	// Excerpt is the path, relative to the working directory, of the part of
	// the worker's log its batch wrote (report.WriteExcerpt): what a failing
	// testcase links to. "" when the attempt passed or no excerpt was written.
	Excerpt string
}

// Cause is what the master did to an attempt that did not end by itself.
type Cause string

// The causes.
const (
	TimedOut Cause = "timeout" // killed at the test timeout
	Lost     Cause = "lost"    // never ran: its batch was lost on max_lost workers
)

// Message is one line: why it failed, errored or was skipped.
func (a Attempt) Message() string { return a.Said().Message }

// Details is the failure's body: assertion output, stack trace.
func (a Attempt) Details() string { return a.Said().Details }

// Output is the test's own output, already bounded.
func (a Attempt) Output() string { return a.Said().Output }

// Crashed reports whether the runner died during this attempt (crash, timeout kill).
func (a Attempt) Crashed() bool { return a.Said().Crashed }

// Cause is what the master did to the attempt, "" when nothing.
func (a Attempt) Cause() Cause { return a.Said().Cause }

// Excerpt is the path of the part of the worker's log the attempt's batch
// wrote, or "" (see Detail.Excerpt).
func (a Attempt) Excerpt() string { return a.Said().Excerpt }

// Said is a copy of the attempt's detail, empty when it has none: to change
// and Say again.
func (a Attempt) Said() Detail {
	if a.Detail == nil {
		return Detail{}
	}
	return *a.Detail
}

// Say sets the attempt's detail; one with nothing in it is none.
func (a *Attempt) Say(d Detail) {
	if d == (Detail{}) {
		a.Detail = nil
		return
	}
	a.Detail = &d
}

// attemptJSON is an attempt as the journal has always written it: one object,
// its detail's fields beside the others.
type attemptJSON struct {
	Status   Status
	Duration time.Duration
	Start    time.Time
	Message  string
	Details  string
	Output   string
	Crashed  bool
	Round    int
	Worker   string
	Host     string
	Excerpt  string
	Cause    Cause `json:",omitempty"` // left out when none, as in the journals written before it
}

// MarshalJSON writes the attempt as one flat object.
func (a Attempt) MarshalJSON() ([]byte, error) {
	d := a.Said()
	return json.Marshal(attemptJSON{a.Status, a.Duration, a.Start, d.Message, d.Details, d.Output, d.Crashed, a.Round, a.Worker, a.Host, d.Excerpt, d.Cause})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (a *Attempt) UnmarshalJSON(data []byte) error {
	var j attemptJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*a = Attempt{Status: j.Status, Duration: j.Duration, Start: j.Start, Round: j.Round, Worker: j.Worker, Host: j.Host}
	a.Say(Detail{Message: j.Message, Details: j.Details, Output: j.Output, Crashed: j.Crashed, Cause: j.Cause, Excerpt: j.Excerpt})
	return nil
}

// Test is one logical test with its attempts in the order they were made. It
// is 96 bytes, kept for every test of a run: what few tests have is behind
// Extra.
type Test struct {
	ID       string // the id as listed; what the test command receives
	Suite    string // JUnit suite: one TEST-<Suite>.xml per suite
	Class    string // JUnit classname as the runner's own reporter writes it, stable across runs
	Name     string // JUnit testcase name
	Attempts []Attempt
	Extra    *Extra // nil for most tests
}

// Extra is what few tests have.
type Extra struct {
	// Parent is the listed test this one was reported under (a Go subtest runs
	// with its parent and is rerun with it); "" for listed tests.
	Parent string
	// OrderDependent is set when the test failed in every attempt but passed
	// once run after the tests listed before it, as in a serial run: its verdict
	// is that run's, and it is no flaky test.
	OrderDependent *OrderDependence
	// Reproduce is a shell command line that runs this test again alone as
	// in the round of its first bad attempt (config.Reproduce); "" for a test
	// that never failed.
	Reproduce string
}

// Parent is the listed test this one was reported under, "" for listed tests
// (Extra.Parent).
func (t *Test) Parent() string { return t.extra().Parent }

// OrderDependent is what the order check found of the test, nil when it
// found nothing (Extra.OrderDependent).
func (t *Test) OrderDependent() *OrderDependence { return t.extra().OrderDependent }

// Reproduce is the command line that runs the test again alone, "" for a
// test that never failed (Extra.Reproduce).
func (t *Test) Reproduce() string { return t.extra().Reproduce }

func (t *Test) extra() Extra {
	if t.Extra == nil {
		return Extra{}
	}
	return *t.Extra
}

// More is t's Extra, made when it has none, to be set.
func (t *Test) More() *Extra {
	if t.Extra == nil {
		t.Extra = &Extra{}
	}
	return t.Extra
}

// OrderDependence is what the order check found of a test that needs tests
// listed before it.
type OrderDependence struct {
	// Needs is the one test listed before it that it passes after; "" when no
	// single test was enough (it needs several of them).
	Needs string
	// Before is how many tests were listed before it (in its group).
	Before int
}

// Final is the verdict of the last attempt, or "" when the test never ran.
func (t *Test) Final() Status {
	if len(t.Attempts) == 0 {
		return ""
	}
	return t.Attempts[len(t.Attempts)-1].Status
}

// Flaky reports whether the test finally passed after at least one bad attempt.
func (t *Test) Flaky() bool {
	if t.Final() != Passed || t.OrderDependent() != nil {
		return false
	}
	for _, a := range t.Attempts {
		if a.Status.Bad() {
			return true
		}
	}
	return false
}

// Run is everything the reports are written from.
type Run struct {
	ID          string // run id: BUILD_TAG or generated
	Start       time.Time
	Duration    time.Duration
	Workers     int
	BuildURL    string
	Interrupted bool    // the run was stopped by a signal
	Tests       []*Test // in listing order

	// Rounds is how many rounds ran: 1 when nothing was rerun, 2 or more after
	// reruns of the failed tests. 0 means not recorded; reports then take the
	// highest Attempt.Round.
	Rounds int
	// RerunSkipped says why the failed tests were not rerun (too many failed, over
	// the rerun threshold), as a phrase for people; "" when they were rerun or
	// nothing needed a rerun.
	RerunSkipped string
	// Predicted is the wall time the timing history predicted for the first
	// round (internal/plan), counted from the first container start, and
	// LowerBound the least any schedule could take by the same predictions:
	// max(longest test, total test time / workers) + one container start. Both
	// are 0 without history; Forecast then is nil.
	Predicted, LowerBound time.Duration
	Forecast              *Forecast
	// Phases are the run's phases as the console announced them, in order;
	// Events what happened to the workers' containers. Both are for the
	// timeline; empty when not recorded.
	Phases []Phase
	Events []WorkerEvent
}

// Forecast is the detail of the first round's prediction, for the reports to
// set against what happened.
type Forecast struct {
	// Tests are the durations predicted, by id; Unknown the tests among them
	// that had no history and count as the estimate (the median of the known).
	Tests   map[string]time.Duration
	Unknown map[string]bool
	// Finish is when each worker was predicted to be done, by "host/worker",
	// counted like Predicted.
	Finish map[string]time.Duration
}

// Phase is one phase of a run: starting, listing, running, rerun round N, …
// End is zero for the phase going on when it was recorded.
type Phase struct {
	Name       string
	Start, End time.Time
}

// WorkerEvent is a change in a worker's container: it is being started, is
// ready for tests (setup done), was lost, or the worker retired.
type WorkerEvent struct {
	Time   time.Time
	Host   string
	Worker string
	Kind   string // one of the Event* constants
	Detail string // why, for lost and retired
}

// The kinds of WorkerEvent.
const (
	EventStarting = "starting"
	EventReady    = "ready"
	EventLost     = "lost"
	EventRetired  = "retired"
)

// Counts are the totals over a run's logical tests.
type Counts struct {
	Tests   int `json:"tests"`
	Passed  int `json:"passed"` // includes flaky
	Failed  int `json:"failed"` // failed or errored on the last attempt
	Skipped int `json:"skipped"`
	Flaky   int `json:"flaky"`
	// OrderDependent counts the passed tests that pass only after the tests
	// listed before them (Test.OrderDependent).
	OrderDependent int `json:"order_dependent"`
	Lost           int `json:"lost"` // never got a verdict
}

// Counts totals the run.
func (r *Run) Counts() Counts {
	var c Counts
	for _, t := range r.Tests {
		c.Tests++
		switch t.Final() {
		case Passed:
			c.Passed++
			if t.Flaky() {
				c.Flaky++
			}
			if t.OrderDependent() != nil {
				c.OrderDependent++
			}
		case Failed, Errored:
			c.Failed++
		case Skipped:
			c.Skipped++
		default:
			c.Lost++
		}
	}
	return c
}

// Suites groups the tests by suite, suites sorted by name, tests in run order.
func (r *Run) Suites() []Suite {
	idx := map[string]int{}
	var out []Suite
	for _, t := range r.Tests {
		i, ok := idx[t.Suite]
		if !ok {
			i = len(out)
			idx[t.Suite] = i
			out = append(out, Suite{Name: t.Suite})
		}
		out[i].Tests = append(out[i].Tests, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Suite is the tests of one JUnit file.
type Suite struct {
	Name  string
	Tests []*Test
}
