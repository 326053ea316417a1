package runner

import (
	"sync"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/console"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// events records what the timeline shows besides the attempts: the phases as
// the console announces them, and the workers' container events. Safe for
// concurrent use.
type events struct {
	con *console.Console

	mu      sync.Mutex
	phases  []result.Phase
	workers []result.WorkerEvent
}

// phase announces a phase on the console and records when it began (and the
// one before it ended).
func (e *events) phase(name string) {
	e.con.Phase(name)
	now := time.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	if n := len(e.phases); n > 0 {
		e.phases[n-1].End = now
	}
	e.phases = append(e.phases, result.Phase{Name: name, Start: now})
}

// worker records an event of w's container.
func (e *events) worker(w *worker, kind, detail string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.workers = append(e.workers, result.WorkerEvent{Time: time.Now(), Host: w.h.name, Worker: w.name, Kind: kind, Detail: detail})
}

// into copies what was recorded into run.
func (e *events) into(run *result.Run) {
	e.mu.Lock()
	defer e.mu.Unlock()
	run.Phases = append([]result.Phase(nil), e.phases...)
	run.Events = append([]result.WorkerEvent(nil), e.workers...)
}

// phase announces a phase, recording it when the run keeps events.
func (s *master) phase(name string) {
	if s.ev == nil {
		s.con.Phase(name)
		return
	}
	s.ev.phase(name)
}

// event records an event of w's container when the run keeps events.
func (s *master) event(w *worker, kind, detail string) {
	if s.ev != nil {
		s.ev.worker(w, kind, detail)
	}
}
