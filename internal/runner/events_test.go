package runner

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// The run records its phases in order and, per worker, its container's life:
// a lost container shows as lost, then starting and ready again.
func TestEventsRecorded(t *testing.T) {
	var mu sync.Mutex
	lost := ""
	r, out := fakeRun(t, []string{"a", "b", "c"}, func(worker, id string, _ int) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		if id == "b" && lost == "" {
			lost = worker
			return -1, errors.New("connection reset")
		}
		return 0, nil
	})
	var names []string
	for i, p := range r.Phases {
		names = append(names, p.Name)
		if p.Start.IsZero() || i < len(r.Phases)-1 && p.End.Before(p.Start) {
			t.Errorf("phase %s: %v to %v", p.Name, p.Start, p.End)
		}
	}
	// As the timeline has them, written after the clean-up.
	if got := strings.Join(names, ","); got != "starting,listing,running,reports,cleanup,summary" {
		t.Errorf("phases %s, want starting,listing,running,reports,cleanup,summary\n%s", got, out)
	}
	var kinds []string
	for _, e := range r.Events {
		if e.Worker == lost && e.Host == "local" {
			kinds = append(kinds, e.Kind)
		}
	}
	want := []string{result.EventStarting, result.EventReady, result.EventLost, result.EventStarting, result.EventReady}
	if strings.Join(kinds, ",") != strings.Join(want, ",") {
		t.Errorf("worker %s's events %v, want %v", lost, kinds, want)
	}
}
