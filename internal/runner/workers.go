package runner

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
	"github.com/jenkins-paratest/jenkins-paratest/internal/queue"
	"github.com/jenkins-paratest/jenkins-paratest/internal/report"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
	"github.com/jenkins-paratest/jenkins-paratest/internal/verdict"
)

// maxLost is how many times a test's batch may be lost with its worker before the
// test gets an error verdict instead of going back to the queue.
const maxLost = 3

// pool is the workers of one run and the state they share.
type pool struct {
	s      *session
	layout report.Layout
	q      *queue.Queue

	mu    sync.Mutex
	byID  map[string]*result.Test
	lost  map[string][]string // id → workers its batch was lost on
	alive int
}

// runAll starts the workers, feeds them the queue until it is drained or ctx is
// done, and removes every container of the run. It returns an error only for a
// failure of the machinery, never for failing tests.
func (s *session) runAll(ctx context.Context, run *result.Run, layout report.Layout) error {
	p := &pool{
		s:      s,
		layout: layout,
		byID:   make(map[string]*result.Test, len(run.Tests)),
		lost:   map[string][]string{},
		alive:  s.cfg.Workers,
	}
	ids := make([]string, len(run.Tests))
	for i, t := range run.Tests {
		p.byID[t.ID] = t
		ids[i] = t.ID
	}
	var group func(string) string
	if s.goResults() {
		group = goPackage
	}
	p.q = queue.New(ids, s.cfg.Batch, group)

	s.con.Phase("running")
	s.con.Start(len(ids), s.cfg.Workers)
	tickCtx, stopTick := context.WithCancel(ctx)
	defer stopTick()
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-tickCtx.Done():
				return
			case <-t.C:
				s.con.Tick()
			}
		}
	}()

	var wg sync.WaitGroup
	for n := range s.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.work(ctx, n)
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	select {
	case <-done:
	case <-ctx.Done():
		// Stop dispatch, then remove the containers at once: that kills the tests
		// still running, whose execs then return.
		s.con.Warnf("%v: stopping the run and removing its containers", context.Cause(ctx))
		p.q.Close()
		s.cleanup()
		<-done
	}
	stopTick()
	s.con.Phase("cleanup")
	s.cleanup()
	return nil
}

func (s *session) cleanup() {
	removed, err := s.removeAll(context.Background())
	if err != nil {
		s.con.Warnf("remove containers on %s: %v (leftovers: jenkins-paratest clean --run %s)", s.eng.Host(), err, s.cfg.RunID)
	}
	if len(removed) > 0 {
		s.con.Infof("removed %s on %s", plural(len(removed), "container"), s.eng.Host())
	}
}

func (s *session) goResults() bool {
	return s.cfg.Preset == "go" || s.cfg.Results.Kind == config.ResultsGoTestJSON
}

// goPackage is the import path of a Go test id "import/path.TestName".
func goPackage(id string) string {
	if i := strings.LastIndexByte(id, '.'); i > 0 {
		return id[:i]
	}
	return id
}

// work is one worker's goroutine: start its container, run setup, then take
// batches from the queue until it is drained.
func (p *pool) work(ctx context.Context, n int) {
	s := p.s
	w := &worker{host: s.eng.Host(), name: "w" + strconv.Itoa(n), n: n}
	w.logPath = p.layout.LogPath(w.host, w.name)
	log, err := os.Create(w.logPath)
	if err != nil {
		p.retire(w, fmt.Errorf("create log: %w", err))
		return
	}
	defer log.Close()
	w.log = log

	c, err := s.startContainer(ctx, "worker", n, []string{
		"PARATEST_WORKER=" + strconv.Itoa(n),
		"PARATEST_WORKERS=" + strconv.Itoa(s.cfg.Workers),
		"PARATEST_RUN_ID=" + s.cfg.RunID,
	})
	if err != nil {
		if ctx.Err() == nil {
			p.retire(w, err)
		}
		return
	}
	w.c = c
	if !s.cfg.Setup.IsZero() {
		if err := p.setup(ctx, w); err != nil {
			if ctx.Err() == nil {
				p.retire(w, err)
			}
			return
		}
	}
	for {
		ids, ok := p.q.Next(ctx)
		if !ok {
			return
		}
		verdicts, err := p.runBatch(ctx, w, ids, 1)
		if err != nil {
			if ctx.Err() != nil {
				p.q.Done(ids) // interrupted: the tests stay without a verdict
				return
			}
			p.lose(w, ids, err)
			p.retire(w, err)
			return
		}
		p.record(w, verdicts, 1)
		p.q.Done(ids)
	}
}

// worker is one worker's identity and container.
type worker struct {
	host, name string
	n          int
	c          engine.Container
	logPath    string
	log        *os.File
}

// retire takes a worker out of the run; when it was the last, the queue closes so
// that the run ends with the tests that are left reported as lost.
func (p *pool) retire(w *worker, err error) {
	p.s.con.Warnf("worker %s/%s retired: %v", w.host, w.name, err)
	p.mu.Lock()
	p.alive--
	last := p.alive == 0
	p.mu.Unlock()
	if last {
		if left := p.q.Close(); len(left) > 0 {
			p.s.con.Errorf("no worker left; %d tests did not run", len(left))
		}
	}
}

// lose returns the tests of a batch whose worker was lost to the queue, or gives
// them an error verdict once they were lost maxLost times.
func (p *pool) lose(w *worker, ids []string, cause error) {
	var again []string
	for _, id := range ids {
		p.mu.Lock()
		p.lost[id] = append(p.lost[id], w.host+"/"+w.name)
		on := p.lost[id]
		p.mu.Unlock()
		if len(on) < maxLost {
			again = append(again, id)
			continue
		}
		p.record(w, []verdict.Verdict{{
			ID:      id,
			Status:  result.Errored,
			Message: fmt.Sprintf("didn't run because of a timeout or a drop: lost on %s", strings.Join(on, ", ")),
			Details: cause.Error(),
		}}, 1)
		p.q.Done([]string{id})
	}
	if len(again) > 0 {
		p.s.con.Warnf("worker %s/%s lost %s; back in the queue", w.host, w.name, plural(len(again), "test"))
		p.q.Requeue(again)
	}
}

// record appends the verdicts as attempts and prints them.
func (p *pool) record(w *worker, vs []verdict.Verdict, round int) {
	for _, v := range vs {
		a := result.Attempt{
			Status:   v.Status,
			Duration: v.Duration,
			Start:    time.Now().Add(-v.Duration),
			Message:  v.Message,
			Details:  v.Details,
			Output:   v.Output,
			Round:    round,
			Worker:   w.name,
			Host:     w.host,
			LogPath:  w.logPath,
		}
		p.mu.Lock()
		t := p.byID[v.ID]
		if t != nil {
			if v.Class != "" && v.Name != "" {
				t.Suite, t.Class, t.Name = v.Suite, v.Class, v.Name
				if t.Suite == "" {
					t.Suite = v.Class
				}
			}
			t.Attempts = append(t.Attempts, a)
		}
		p.mu.Unlock()
		if t != nil {
			p.s.con.TestDone(v.ID, a)
		}
	}
}
