package runner

import (
	"slices"
	"strings"
	"testing"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
)

// --keep-failed 1 keeps the one worker whose last batch failed: its agent is
// told to hold on, the console says how to get in, and the clean-up removes
// every other container but not its.
func TestKeepFailedKeepsTheWorkerThatFailed(t *testing.T) {
	eng := &fakeEngine{run: func(worker, id string, _ int) (int, error) {
		if id == "bad" {
			return 1, nil
		}
		return 0, nil
	}}
	_, out := fakeRunWith(t, []string{"bad"}, eng, func(cfg *config.Config) {
		cfg.KeepFailed = 1
		cfg.MaxReruns = 0
	})
	var kept string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "kept worker local/w") {
			kept = l
		}
	}
	if !strings.Contains(kept, "whose last batch failed, for 1h0m0s: docker exec -it fake") || !strings.Contains(out, "jenkins-paratest clean --run unit") {
		t.Fatalf("console does not say which worker was kept and how to get in:\n%s", out)
	}
	w := kept[strings.Index(kept, "local/w")+len("local/w"):][:1]
	other := map[string]string{"0": "1", "1": "0"}[w]
	if !slices.Contains(eng.execs, w+": "+agentPath+" agent beat --hold 1h0m0s") {
		t.Errorf("the kept worker's agent was not told to hold: %v", eng.execs)
	}
	var workers []string
	for _, l := range eng.removals {
		if len(l) == 1 {
			t.Errorf("a removal of every container of the run: %v", l)
		}
		if n, ok := l[LabelWorker]; ok {
			workers = append(workers, n)
		}
	}
	if !slices.Equal(workers, []string{other}) {
		t.Errorf("removed the containers of workers %v, want only %s's (the other)", workers, other)
	}
}

// Without failures nothing is kept, and the clean-up takes everything at once.
func TestKeepFailedWithoutFailures(t *testing.T) {
	eng := &fakeEngine{run: func(string, string, int) (int, error) { return 0, nil }}
	_, out := fakeRunWith(t, []string{"a", "b"}, eng, func(cfg *config.Config) { cfg.KeepFailed = 2 })
	if strings.Contains(out, "kept") {
		t.Errorf("kept a worker without failures:\n%s", out)
	}
	for _, l := range eng.removals {
		if len(l) != 1 {
			t.Errorf("removal %v, want the run's containers at once", l)
		}
	}
}
