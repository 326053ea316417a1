package runner

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/plan"
	"github.com/jenkins-paratest/jenkins-paratest/internal/suite"
	"github.com/jenkins-paratest/jenkins-paratest/internal/verdict"
)

// TestPlanInputGroups: a batch runs one Go test binary, so the prediction,
// like the queue, batches a package's tests only together; other suites
// batch any tests.
func TestPlanInputGroups(t *testing.T) {
	ids := []string{"example/a.TestX", "example/b.TestY", "example/a.TestZ"}
	known := map[string]time.Duration{ids[0]: time.Second, ids[1]: time.Second, ids[2]: time.Second}
	hosts := []plan.Host{{Name: "local", Workers: 1}}
	goCfg := &config.Config{Preset: config.PresetGo, Batch: 3}
	in := planInput(goCfg, suite.New(goCfg), hosts, ids, known)
	if in.Group == nil || in.Batch != 3 || in.Model != plan.Default {
		t.Fatalf("preset go: %+v, want grouped, batch 3, the default model", in)
	}
	if p := plan.New(in); p.Workers[0].Batches != 2 {
		t.Errorf("preset go: %d batches, want 2 (one per package)", p.Workers[0].Batches)
	}
	plain := &config.Config{Batch: 3}
	if in := planInput(plain, suite.New(plain), hosts, ids, known); in.Group != nil {
		t.Errorf("exit-code suite: grouped")
	} else if p := plan.New(in); p.Workers[0].Batches != 1 {
		t.Errorf("exit-code suite: %d batches, want 1", p.Workers[0].Batches)
	}
}

// TestEstimatorObserve: a batch's overhead is what its listed tests did not
// take; a subtest's time is in its parent's and an unrun test took none.
func TestEstimatorObserve(t *testing.T) {
	e := newEstimator(nil)
	e.observe(5*time.Second, []verdict.Verdict{
		{ID: "a", Duration: 2 * time.Second},
		{ID: "a/sub", Parent: "a", Duration: 2 * time.Second},
		{ID: "b", Duration: time.Second},
		{ID: "c", Unrun: true, Duration: time.Second},
	})
	if e.Mean() != 1500*time.Millisecond || e.Overhead() != 2*time.Second {
		t.Errorf("mean %v, overhead %v; want 1.5s and 2s", e.Mean(), e.Overhead())
	}
}

// TestRunPredictsWhatPlanPrints: the run records the prediction `plan`
// makes of the same configuration, worker by worker.
func TestRunPredictsWhatPlanPrints(t *testing.T) {
	ids := []string{"tests/a.sh", "tests/b.sh", "tests/c.sh", "tests/new.sh"}
	hist := filepath.Join(t.TempDir(), "TEST-tests.xml")
	os.WriteFile(hist, []byte(`<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="tests" tests="3" failures="0" errors="0" skipped="0" time="9.000">
  <testcase classname="tests" name="a.sh" time="1.000"></testcase>
  <testcase classname="tests" name="b.sh" time="5.000"></testcase>
  <testcase classname="tests" name="c.sh" time="3.000"></testcase>
</testsuite>
`), 0o644)
	var cfg *config.Config
	run, out := fakeRunWith(t, ids, &fakeEngine{run: func(string, string, int) (int, error) { return 0, nil }}, func(c *config.Config) {
		c.History = []string{hist}
		cfg = c
	})
	p, err := Plan(context.Background(), cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := plan.New(p.Input)
	if run.Predicted != want.Wall || run.LowerBound != want.LowerBound || run.Predicted == 0 {
		t.Fatalf("run predicted %v, lower bound %v; plan %v, %v\n%s", run.Predicted, run.LowerBound, want.Wall, want.LowerBound, out)
	}
	if diff := cmp.Diff(want.Forecast(), run.Forecast); diff != "" {
		t.Errorf("forecast (-plan +run):\n%s", diff)
	}
	if !run.Forecast.Unknown["tests/new.sh"] || run.Forecast.Tests["tests/new.sh"] != 3*time.Second {
		t.Errorf("forecast %+v: want tests/new.sh without history, counted as the median 3s", run.Forecast)
	}
}
