package report

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// flakyReport is the shape of flaky.json. Lists are never null.
type flakyReport struct {
	RunID    string      `json:"run_id"`
	BuildURL string      `json:"build_url"`
	Rounds   int         `json:"rounds"`
	Tests    []flakyTest `json:"tests"`
	Hosts    []flakyHost `json:"hosts"`
}

type flakyTest struct {
	ID      string `json:"id"`
	Class   string `json:"class"`
	Name    string `json:"name"`
	Verdict string `json:"verdict"` // "flaky", "failed" or "order-dependent"
	// With verdict order-dependent: the test listed before it that it passes
	// after ("" when it needs several), and how many tests were listed before it.
	Needs        string         `json:"needs,omitempty"`
	Before       int            `json:"before,omitempty"`
	Attempts     []flakyAttempt `json:"attempts"`
	FailedOnlyOn string         `json:"failed_only_on,omitempty"`
	Reproduce    string         `json:"reproduce,omitempty"`
}

type flakyAttempt struct {
	Round     int         `json:"round"`
	Worker    string      `json:"worker"`
	Host      string      `json:"host"`
	DurationS json.Number `json:"duration_s"`
	Verdict   string      `json:"verdict"` // a result.Status: passed, failed, error, skipped
	Message   string      `json:"message"`
	// LogExcerpt is the part of the worker's log the attempt's batch wrote
	// (Layout.ExcerptPath), for a bad attempt; "" when none was written.
	LogExcerpt string `json:"log_excerpt,omitempty"`
}

type flakyHost struct {
	Host        string      `json:"host"`
	Attempts    int         `json:"attempts"`
	Failed      int         `json:"failed"` // failed or errored attempts
	FailureRate json.Number `json:"failure_rate"`
	Suspect     bool        `json:"suspect"`
}

// WriteFlakyJSON writes flaky.json to path, atomically: every flaky test (it
// passed after a bad attempt), every order-dependent one (it passes only after a
// test listed before it) and every failed test (its last attempt was bad),
// in run order, with all their attempts and the host their failures point at
// (FailedOnlyOn); then every host's attempts and failure rate, sorted by host,
// with the suspect ones marked (SuspectFactor). The file is deterministic: the
// same run gives the same bytes.
func WriteFlakyJSON(path string, run *result.Run) error {
	r := flakyReport{
		RunID:    run.ID,
		BuildURL: run.BuildURL,
		Rounds:   Rounds(run),
		Tests:    []flakyTest{},
		Hosts:    []flakyHost{},
	}
	for _, t := range run.Tests {
		v := "flaky"
		switch {
		case t.Flaky():
		case t.Final().Bad():
			v = "failed"
		case t.OrderDependent() != nil:
			v = "order-dependent"
		default:
			continue
		}
		ft := flakyTest{ID: t.ID, Class: t.Class, Name: t.Name, Verdict: v,
			Attempts: make([]flakyAttempt, 0, len(t.Attempts)), FailedOnlyOn: FailedOnlyOn(t), Reproduce: t.Reproduce()}
		if d := t.OrderDependent(); d != nil {
			ft.Needs, ft.Before = d.Needs, d.Before
		}
		for _, a := range t.Attempts {
			ft.Attempts = append(ft.Attempts, flakyAttempt{
				Round: a.Round, Worker: a.Worker, Host: a.Host,
				DurationS: json.Number(Seconds(a.Duration)),
				Verdict:   string(a.Status), Message: Clean(a.Message()),
				LogExcerpt: a.Excerpt(),
			})
		}
		r.Tests = append(r.Tests, ft)
	}
	for _, h := range HostStats(run) {
		r.Hosts = append(r.Hosts, flakyHost{
			Host: h.Host, Attempts: h.Attempts, Failed: h.Bad,
			FailureRate: json.Number(strconv.FormatFloat(h.Rate(), 'f', 3, 64)),
			Suspect:     h.Suspect,
		})
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return WriteAtomic(path, append(data, '\n'))
}
