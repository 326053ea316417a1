package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// flakySuite lists n tests: flakyK fail in round 1 only, failK always fail,
// onlyh2K fail on host h2 only, the rest pass.
func flakySuite(ok, flaky, failing int, extra ...string) string {
	var ids []string
	for i := 1; i <= flaky; i++ {
		ids = append(ids, fmt.Sprintf("flaky%d", i))
	}
	for i := 1; i <= failing; i++ {
		ids = append(ids, fmt.Sprintf("fail%d", i))
	}
	for i := 1; i <= ok; i++ {
		ids = append(ids, fmt.Sprintf("ok%d", i))
	}
	return `
image: ` + shellImage + `
pull: never
stream: none
list: 'for id in ` + strings.Join(append(ids, extra...), " ") + `; do echo $id; done'
command: 'case "$1" in flaky*) echo "round $PARATEST_ROUND"; [ "$PARATEST_ROUND" != 1 ];; fail*) echo "assertion failed"; exit 1;; onlyh2*) sleep 3; [ "$PARATEST_HOST" != h2 ];; esac'
`
}

type flakyReport struct {
	Tests []struct {
		ID           string `json:"id"`
		Verdict      string `json:"verdict"`
		FailedOnlyOn string `json:"failed_only_on"`
		Attempts     []struct {
			Round int    `json:"round"`
			Host  string `json:"host"`
		} `json:"attempts"`
	} `json:"tests"`
}

func readFlaky(t *testing.T, out string) flakyReport {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(out, "flaky.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r flakyReport
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// 4 flaky and 3 always-failing tests among 300: exit 1; the 4 are flaky with a
// flakyFailure each, the 3 failed with rerunFailures; flaky.json and summary.md.
func TestFlakyAndFailingTestsAmong300(t *testing.T) {
	need(t, true)
	dir := writeConfig(t, flakySuite(293, 4, 3)+"workers: 4\n")
	id := runID(t)
	r := paratest(t, dir, nil, "run", "--run-id", id)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1", r.code)
	}
	out := filepath.Join(dir, "paratest-out")
	flaky, failed := 0, 0
	for _, c := range exactlyOnce(t, out, 300) {
		switch {
		case strings.HasPrefix(c.Name, "flaky"):
			if c.Failure != nil || len(c.Flaky) != 1 || len(c.Rerun) != 0 {
				t.Errorf("%s: failure %v, %d flakyFailure, %d rerunFailure; want one flakyFailure", c.Name, c.Failure != nil, len(c.Flaky), len(c.Rerun))
			}
			flaky++
		case strings.HasPrefix(c.Name, "fail"):
			if c.Failure == nil || len(c.Rerun) != 2 || len(c.Flaky) != 0 {
				t.Errorf("%s: failure %v, %d rerunFailure; want a failure and 2 rerunFailures", c.Name, c.Failure != nil, len(c.Rerun))
			}
			failed++
		default:
			if c.Failure != nil || len(c.Flaky)+len(c.Rerun) != 0 {
				t.Errorf("%s did not simply pass", c.Name)
			}
		}
	}
	if flaky != 4 || failed != 3 {
		t.Errorf("%d flaky and %d failed testcases, want 4 and 3", flaky, failed)
	}
	s := readSummary(t, out)
	if s.Flaky != 4 || s.Failed != 3 {
		t.Errorf("summary.json: %+v, want 4 flaky, 3 failed", s)
	}
	fr := readFlaky(t, out)
	verdicts := map[string]int{}
	for _, ft := range fr.Tests {
		verdicts[ft.Verdict]++
		if ft.Verdict == "failed" && len(ft.Attempts) != 3 {
			t.Errorf("flaky.json: %s has %d attempts, want 3", ft.ID, len(ft.Attempts))
		}
	}
	if verdicts["flaky"] != 4 || verdicts["failed"] != 3 {
		t.Errorf("flaky.json verdicts %v, want 4 flaky, 3 failed", verdicts)
	}
	md, err := os.ReadFile(filepath.Join(out, "summary.md"))
	if err != nil || !strings.Contains(string(md), "flaky1") || !strings.Contains(string(md), "fail1") {
		t.Errorf("summary.md does not list the flaky and the failed tests: %v", err)
	}
	if !strings.Contains(r.stdout, "flaky tests") || !strings.Contains(r.stdout, "FAILED (3 failed)") {
		t.Errorf("console does not list flaky tests apart, or its verdict is wrong")
	}
	assertNoContainers(t, id)
}

// Only flaky tests: the run passes.
func TestOnlyFlakyTestsPass(t *testing.T) {
	need(t, true)
	dir := writeConfig(t, flakySuite(18, 2, 0)+"workers: 2\n")
	r := paratest(t, dir, nil, "run", "--run-id", runID(t))
	if r.code != 0 {
		t.Fatalf("exit %d, want 0: flaky tests do not fail a run", r.code)
	}
	if s := readSummary(t, filepath.Join(dir, "paratest-out")); s.Flaky != 2 {
		t.Errorf("summary = %+v, want 2 flaky", s)
	}
}

// The rerun threshold at its edge: 1 failure in 10 (10 %) reruns, 1 in 9 does not.
func TestRerunThresholdEdge(t *testing.T) {
	need(t, true)
	for _, tc := range []struct {
		ok     int
		rounds int
	}{{ok: 9, rounds: 3}, {ok: 8, rounds: 1}} {
		t.Run(fmt.Sprintf("1 of %d", tc.ok+1), func(t *testing.T) {
			dir := writeConfig(t, flakySuite(tc.ok, 0, 1)+"workers: 2\nrerun_threshold: 10%\n")
			r := paratest(t, dir, nil, "run", "--run-id", runID(t))
			if r.code != 1 {
				t.Fatalf("exit %d, want 1", r.code)
			}
			out := filepath.Join(dir, "paratest-out")
			var c junitCase
			for _, k := range readJUnit(t, out) {
				if k.Name == "fail1" {
					c = k
				}
			}
			if got := 1 + len(c.Rerun); got != tc.rounds {
				t.Errorf("fail1 ran %d times, want %d", got, tc.rounds)
			}
			md, _ := os.ReadFile(filepath.Join(out, "summary.md"))
			if said := strings.Contains(string(md), "not rerun"); said != (tc.rounds == 1) {
				t.Errorf("summary.md says reruns were skipped: %v, want %v", said, tc.rounds == 1)
			}
		})
	}
}

// A test that fails only on one host of three is flaky and "failed only on" it.
func TestFailedOnlyOnOneHost(t *testing.T) {
	need(t, true)
	hosts := startHosts(t, 3, 1, "")
	dir := writeConfig(t, flakySuite(0, 0, 0, "onlyh2a", "onlyh2b", "onlyh2c")+"rerun_threshold: 50%\n")
	id := runID(t)
	r := paratest(t, dir, nil, append([]string{"run", "--run-id", id}, hosts.flags()...)...)
	if r.code != 0 {
		t.Fatalf("exit %d, want 0 (the h2 failures pass elsewhere)", r.code)
	}
	fr := readFlaky(t, filepath.Join(dir, "paratest-out"))
	if len(fr.Tests) == 0 {
		t.Fatal("no test failed on h2: the three tests did not spread over the hosts")
	}
	for _, ft := range fr.Tests {
		if ft.Verdict != "flaky" || ft.FailedOnlyOn != "h2" {
			t.Errorf("%s: verdict %s, failed only on %q; want flaky, h2", ft.ID, ft.Verdict, ft.FailedOnlyOn)
		}
		if last := ft.Attempts[len(ft.Attempts)-1]; last.Host == "h2" {
			t.Errorf("%s was rerun on h2 again", ft.ID)
		}
	}
	md, _ := os.ReadFile(filepath.Join(dir, "paratest-out", "summary.md"))
	if !strings.Contains(string(md), "failed only on") {
		t.Error("summary.md does not say the test failed only on h2")
	}
	assertNoContainers(t, id)
}
