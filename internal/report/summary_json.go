package report

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// summary is the shape of summary.json. Lists are never null, so a consumer can
// iterate without a check.
type summary struct {
	RunID string `json:"run_id"`
	result.Counts
	DurationS   json.Number `json:"duration_s"`
	Workers     int         `json:"workers"`
	Rounds      int         `json:"rounds"`
	RerunSkip   string      `json:"rerun_skipped,omitempty"` // why failed tests were not rerun
	Interrupted bool        `json:"interrupted"`
	BuildURL    string      `json:"build_url"`
	FailedTests []string    `json:"failed_tests"` // failed or errored on the last attempt
	FlakyTests  []string    `json:"flaky_tests"`
	LostTests   []string    `json:"lost_tests"` // never got a verdict
}

// WriteSummaryJSON writes the run's counts, rounds and the ids of its failed, flaky and lost
// tests (in listing order) to path, atomically.
func WriteSummaryJSON(path string, run *result.Run) error {
	s := summary{
		RunID:       run.ID,
		Counts:      run.Counts(),
		DurationS:   json.Number(Seconds(run.Duration)),
		Workers:     run.Workers,
		Rounds:      Rounds(run),
		RerunSkip:   Clean(run.RerunSkipped),
		Interrupted: run.Interrupted,
		BuildURL:    run.BuildURL,
		FailedTests: []string{},
		FlakyTests:  []string{},
		LostTests:   []string{},
	}
	for _, t := range run.Tests {
		switch {
		case t.Final().Bad():
			s.FailedTests = append(s.FailedTests, t.ID)
		case t.Flaky():
			s.FlakyTests = append(s.FlakyTests, t.ID)
		case lost(t):
			s.LostTests = append(s.LostTests, t.ID)
		}
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return WriteAtomic(path, append(data, '\n'))
}

// Seconds formats d as seconds with three decimals, the form of JUnit's time
// attribute and of summary.json. A negative duration, from a clock step, counts as
// zero.
func Seconds(d time.Duration) string {
	d = max(d, 0).Round(time.Millisecond)
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
}

// Rounds is how many rounds the run had: run.Rounds when the runner recorded it,
// else the highest round of any attempt; 0 when nothing ran.
func Rounds(run *result.Run) int {
	if run.Rounds > 0 {
		return run.Rounds
	}
	n := 0
	for _, t := range run.Tests {
		for _, a := range t.Attempts {
			n = max(n, a.Round)
		}
	}
	return n
}
