package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
	"github.com/jenkins-paratest/jenkins-paratest/internal/plan"
	"github.com/jenkins-paratest/jenkins-paratest/internal/runner"
)

// planArgs plan the suite of internal/plan's testdata from its two earlier
// builds' JUnit files, configured by flags alone; --tests reaches no engine.
var planArgs = []string{"plan", "--config=", "--image", "img", "--command", "x",
	"--tests", "../plan/testdata/tests-new.txt", "--history", "../plan/testdata/history/build4?/*.xml"}

// TestPlan runs plan through the real runner.Plan: the flags reach the
// listing, the history, the matrix and the batch setting.
func TestPlan(t *testing.T) {
	t.Parallel()
	type testCase struct {
		name string // golden file testdata/plan-<name>.txt
		args []string
	}
	fn := func(t *testing.T, tc testCase) {
		t.Parallel()
		var stdout, stderr bytes.Buffer
		d := (&fakeRunner{}).deps(&stdout, &stderr)
		d.plan = runner.Plan
		if code := execute(context.Background(), append(append([]string(nil), planArgs...), tc.args...), d); code != 0 {
			t.Fatalf("exit code %d, stderr %q", code, stderr.String())
		}
		if stderr.Len() > 0 {
			t.Errorf("stderr %q, want nothing", stderr.String())
		}
		assertGolden(t, "plan-"+tc.name+".txt", stdout.String())
	}
	for _, tc := range []testCase{
		{name: "local", args: []string{"--workers", "3", "--batch", "auto", "--results", "junit:/out/junit.xml", "--target", "2m"}},
		{name: "matrix", args: []string{"--matrix", "../plan/testdata/matrix.yml", "--known-hosts", "/dev/null", "--target", "90s"}},
		{name: "filter-json", args: []string{"--workers", "2", "--exclude", "test_db", "--json"}},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestPlanErrors(t *testing.T) {
	t.Parallel()
	planned := &runner.Planned{Input: plan.Input{IDs: []string{"a"}, Known: map[string]time.Duration{"a": time.Second},
		Hosts: []plan.Host{{Name: "local", Workers: 2}}, Batch: 1, Model: plan.Default}, Files: 1}
	type testCase struct {
		name     string
		args     []string // after planArgs[:6], without --tests and --history
		planned  *runner.Planned
		err      error
		wantCode int
		stdout   string // a substring; "" for nothing
		stderr   string // on the one line; "" for none
	}
	fn := func(t *testing.T, tc testCase) {
		t.Parallel()
		f := &fakeRunner{err: tc.err}
		var stdout, stderr bytes.Buffer
		d := f.deps(&stdout, &stderr)
		called := false
		d.plan = func(_ context.Context, _ *config.Config, opts runner.Options) (*runner.Planned, error) {
			called = true
			if opts.Stdout != d.stderr {
				t.Errorf("the runner's console is not stderr: stdout must carry only the plan")
			}
			return tc.planned, tc.err
		}
		code := execute(context.Background(), append(append([]string(nil), planArgs[:6]...), tc.args...), d)
		if code != tc.wantCode {
			t.Errorf("exit code %d, want %d (stderr %q)", code, tc.wantCode, stderr.String())
		}
		if tc.stdout == "" && stdout.Len() > 0 || !strings.Contains(stdout.String(), tc.stdout) {
			t.Errorf("stdout %q, want %q", stdout.String(), tc.stdout)
		}
		if tc.stderr == "" && stderr.Len() > 0 {
			t.Errorf("stderr %q, want nothing", stderr.String())
		}
		if tc.stderr != "" {
			oneLineOn(t, stderr.String(), tc.stderr)
		}
		if called != (tc.planned != nil || tc.err != nil) {
			t.Errorf("runner called: %v", called)
		}
	}
	for _, tc := range []testCase{
		{name: "no history", args: []string{"--tests", "-"}, wantCode: exit.Usage, stderr: "jenkins-paratest: --history: plan predicts from the timing history"},
		{name: "target zero", args: []string{"--tests", "-", "--history", "h.xml", "--target", "0s"}, wantCode: exit.Usage, stderr: "jenkins-paratest: --target: must be more than 0, got 0s"},
		{name: "target negative", args: []string{"--tests", "-", "--history", "h.xml", "--target=-1m"}, wantCode: exit.Usage, stderr: "--target: must be more than 0, got -1m0s"},
		{name: "target not a duration", args: []string{"--tests", "-", "--history", "h.xml", "--target", "10"}, wantCode: exit.Usage, stderr: "--target: expected duration"},
		{name: "listing fails", args: []string{"--list", "ls", "--history", "h.xml"}, err: exit.Infraf("listing: boom"), wantCode: exit.Infra, stderr: "jenkins-paratest: listing: boom"},
		{name: "bad tests file", args: []string{"--tests", "nope.txt", "--history", "h.xml"}, err: exit.Usagef("tests: open nope.txt: no such file or directory"), wantCode: exit.Usage, stderr: "tests: open nope.txt"},
		{
			name: "history knows none", args: []string{"--tests", "-", "--history", "h.xml"},
			planned: &runner.Planned{Input: plan.Input{IDs: []string{"a", "b"}, Hosts: planned.Input.Hosts}, Files: 2},
			stdout:  "plan: the timing history (2 files) knows none of the 2 tests: nothing to predict from",
		},
		{name: "planned", args: []string{"--tests", "-", "--history", "h.xml"}, planned: planned, stdout: "plan: predicted wall time 2.1s, lower bound 2s"},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}
