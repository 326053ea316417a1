// Package runner runs a suite: it lists the tests, starts one container per worker,
// feeds tests from a central queue to idle workers, collects their verdicts and
// writes the reports. It talks to Docker only through internal/engine.
package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/console"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
	"github.com/jenkins-paratest/jenkins-paratest/internal/history"
	"github.com/jenkins-paratest/jenkins-paratest/internal/junit"
	"github.com/jenkins-paratest/jenkins-paratest/internal/plan"
	"github.com/jenkins-paratest/jenkins-paratest/internal/report"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
	"github.com/jenkins-paratest/jenkins-paratest/internal/sshpool"
	"github.com/jenkins-paratest/jenkins-paratest/internal/suite"
	"github.com/jenkins-paratest/jenkins-paratest/internal/timeline"
)

// Options are what the runner takes from its caller besides the configuration.
type Options struct {
	Stdout io.Writer // console
	Stdin  io.Reader // test ids when cfg.Tests is "-"
	// AgentPath is the static linux binary copied into every container as its main
	// process; "" uses the running executable.
	AgentPath string
	// Engine overrides the local Docker engine (tests).
	Engine engine.Engine
	// Hard is cancelled by a second signal: clean-up, which outlives the run's own
	// context, stops at once. Nil means never.
	Hard context.Context
	// Resume keeps the verdicts in <out>/journal.jsonl and runs only the tests
	// without one.
	Resume bool
}

// cleanupTimeout bounds the clean-up after a run: closing the workers' sessions
// and removing the run's containers.
const cleanupTimeout = 30 * time.Second

// abortCleanupTimeout bounds the clean-up once the run's context is cancelled
// (a signal): Jenkins sends SIGKILL about 5 s after SIGTERM (SoftKillWaitSeconds),
// and the process must be out by then, its summary printed. What the clean-up
// leaves stops by itself at its orphan TTL.
const abortCleanupTimeout = 3 * time.Second

// lateReport is how long removeIn waits, after its clean-up context ended, for
// hosts to report what they removed before it counts them as not done.
const lateReport = 100 * time.Millisecond

// Labels put on every container of a run.
const (
	LabelRun    = "paratest.run"
	LabelWorker = "paratest.worker"
	LabelRole   = "paratest.role"
)

// Listing is what `jenkins-paratest list` prints.
type Listing struct {
	IDs     []string
	Workers int
}

// List lists the suite as Run would, without running it.
func List(ctx context.Context, cfg *config.Config, opts Options) (*Listing, error) {
	s, err := newMaster(ctx, cfg, opts, console.New(io.Discard, console.Options{}))
	if err != nil {
		return nil, err
	}
	defer s.close()
	defer s.removeAll(ctx) // the agent's volume
	ids, err := s.list(ctx)
	if err != nil {
		return nil, err
	}
	return &Listing{IDs: ids, Workers: s.workers()}, nil
}

// gcPercent is the master's GOGC while it runs, unless GOGC is set: its heap
// is mostly a few hundred bytes of bookkeeping per test, and Go's default of
// 100 lets the heap grow to twice that before collecting. On a Jenkins agent
// memory is scarcer than the master's CPU: at 100,000 tests × 256 workers (make
// bench, P4) 40 takes the peak RSS from ~105 MB to ~81 MB for about 20% more
// CPU time (0.44 → 0.53 CPU-s per 10,000 tests on a 2-core machine).
const gcPercent = 40

// Run runs the suite and writes the reports. The returned Run is non-nil whenever
// reports were written, also together with an error.
func Run(ctx context.Context, cfg *config.Config, opts Options) (*result.Run, error) {
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(gcPercent))
	}
	out := opts.Stdout
	if out == nil {
		out = io.Discard
	}
	con := console.New(out, console.Options{
		Color:  console.ColorEnabled(cfg.Color, isTerminal(out), os.Getenv),
		Stream: cfg.Stream,
	})
	defer con.End() // a run that ends on an error closes its phase too
	layout := report.Layout{Dir: cfg.Out}
	ev := &events{con: con}
	ev.phase("starting")
	var prior map[string][]entry
	if opts.Resume {
		var err error
		if prior, err = readJournal(layout.Journal()); err != nil {
			return nil, exit.Usagef("resume: %w", err)
		}
		con.Infof("resuming: %s in %s have a verdict", plural(len(prior), "test"), layout.Journal())
	}
	// History first: its files may be the last build's reports in this --out.
	timings, err := history.Load(cfg.History)
	if err != nil {
		return nil, exit.Usagef("history: %w", err)
	}
	for _, e := range timings.Skipped {
		con.Warnf("history: %v", e)
	}
	if err := layout.Reset(); err != nil {
		return nil, exit.Usagef("%w", err) // it names the directory
	}
	s, err := newMaster(ctx, cfg, opts, con)
	if err != nil {
		return nil, err
	}
	defer s.close()
	s.ev = ev

	p, err := s.newPool(layout)
	if err != nil {
		s.removeAll(ctx) // what preparing the hosts made: the agent volume's holder
		return nil, err
	}
	defer p.close()
	// The workers start while the suite is listed; a listing that fails
	// removes them again.
	warmCtx, stopWarm := context.WithCancel(ctx)
	defer stopWarm()
	if cfg.Tests == "" {
		p.lister = newFirstLister()
	}
	p.warmUp(warmCtx, p.workers)

	ev.phase("listing")
	ids, err := p.listed(ctx)
	if err != nil {
		stopWarm()
		p.inflight = p.warmUps()
		p.cleanup(ctx)
		return nil, err
	}
	run := newRun(cfg, s.suite, ids)
	run.Workers = s.workers()
	var keep []entry
	for _, t := range run.Tests {
		for _, e := range prior[t.ID] {
			t.Attempts = append(t.Attempts, e.Attempt)
			if e.Class != "" {
				t.Suite, t.Class, t.Name = e.Suite, e.Class, e.Name
			}
			keep = append(keep, e)
		}
	}
	jr, err := createJournal(layout.Journal(), keep)
	if err != nil {
		stopWarm()
		p.inflight = p.warmUps()
		p.cleanup(ctx) // the workers started while the suite was listed
		return nil, exit.Infraf("journal: %w", err)
	}
	defer jr.close()
	s.journal = jr
	s.predicted = plan.Known(timings, run.Tests)
	s.est = newEstimator(s.predicted)
	con.Infof("%d tests, %d workers on %s, image %s, run %s", len(ids), run.Workers, plural(len(s.hosts), "host"), cfg.Image, cfg.RunID)

	runErr := p.runAll(ctx, run)

	// The reports come before the clean-up, which may take the rest of the
	// seconds Jenkins gives an aborted step; the summary after it, so that its
	// verdict stays the console's last line.
	ev.phase("reports")
	run.Duration = time.Since(run.Start)
	if ctx.Err() != nil {
		run.Interrupted = true
	}
	markUnrun(run)
	addReproduce(cfg, run)
	ev.into(run)
	paths, werr := writeReports(layout, run)
	p.cleanup(ctx)
	ev.phase("summary")
	// The timeline after the clean-up, so that it shows it too. Its model is
	// the last big thing a run builds: the reports' garbage goes back to the
	// system first (one collection, ~10 ms at 100,000 tests) rather than
	// adding to the master's peak (make bench, P4: 87 MB without, 81 with).
	debug.FreeOSMemory()
	ev.into(run)
	if err := timeline.Write(layout.Timeline(), run); err != nil {
		werr = errors.Join(werr, err)
	} else {
		paths = append(paths, layout.Timeline())
	}
	con.Summary(run, paths)
	if werr != nil {
		return run, exit.Infraf("write reports: %w", werr)
	}
	if cause := context.Cause(ctx); ctx.Err() != nil {
		return run, cause
	}
	if runErr != nil {
		return run, runErr
	}
	if lost := run.Counts().Lost; lost > 0 && !run.Interrupted {
		return run, exit.Infraf("%s never got a verdict: no worker was left to run them; see the warnings above", plural(lost, "test"))
	}
	return run, nil
}

func newRun(cfg *config.Config, a suite.Adapter, ids []string) *result.Run {
	run := &result.Run{ID: cfg.RunID, Start: time.Now(), BuildURL: cfg.BuildURL}
	for _, id := range ids {
		n := a.Name(id)
		run.Tests = append(run.Tests, &result.Test{ID: id, Suite: n.Suite, Class: n.Class, Name: n.Name})
	}
	return run
}

// addReproduce gives every test with a bad attempt the command line that runs
// it alone in the round it first failed in: a listed test, by its own id; a
// subtest, by its parent's (what the suite lists).
func addReproduce(cfg *config.Config, run *result.Run) {
	for _, t := range run.Tests {
		for _, a := range t.Attempts {
			if a.Status.Bad() {
				id := t.ID
				if t.Parent() != "" {
					id = t.Parent()
				}
				t.More().Reproduce = cfg.Reproduce(id, a.Round)
				break
			}
		}
	}
}

// markUnrun gives tests that never got a verdict one: skipped when the run was
// interrupted, otherwise they stay without attempts and are reported as lost.
func markUnrun(run *result.Run) {
	if !run.Interrupted {
		return
	}
	notRun := &result.Detail{Message: "not run: the run was interrupted"} // one for all: a detail is not changed once made
	for _, t := range run.Tests {
		if len(t.Attempts) == 0 {
			t.Attempts = append(t.Attempts, result.Attempt{Status: result.Skipped, Round: 1, Detail: notRun})
		}
	}
}

func writeReports(layout report.Layout, run *result.Run) ([]string, error) {
	_, err := junit.Write(layout.JUnitDir(), run)
	errs := []error{err}
	errs = append(errs, report.WriteSummaryJSON(layout.SummaryJSON(), run))
	errs = append(errs, report.WriteSummaryMD(layout.SummaryMD(), run))
	errs = append(errs, report.WriteFlakyJSON(layout.FlakyJSON(), run))
	paths := []string{layout.JUnitDir() + "/", layout.SummaryMD(), layout.SummaryJSON(), layout.FlakyJSON(), layout.LogsDir() + "/"}
	return paths, errors.Join(errs...)
}

// master is the master's side of one run: its configuration, console, suite
// adapter and hosts, with the image resolved on them.
type master struct {
	cfg     *config.Config
	opts    Options
	con     *console.Console
	suite   suite.Adapter
	hosts   []*host
	pool    *sshpool.Pool // nil without a matrix
	agent   *agentBinary
	journal *journal // nil for list, check and clean
	// predicted holds the durations the timing history gives, by test id; the
	// queue runs the longest first.
	predicted map[string]time.Duration
	est       *estimator // what batch: auto sizes batches by
	ev        *events    // phases and worker events, for the timeline; nil for list, check and clean

	sharesMu sync.Mutex
	shares   map[string]*engineShare // by engine id

	localMu  sync.Mutex // guards local and localImg (image_transfer: load)
	local    engine.Engine
	localImg engine.ImageInfo
}

func newMaster(ctx context.Context, cfg *config.Config, opts Options, con *console.Console) (*master, error) {
	agentBin, err := loadAgent(opts.AgentPath)
	if err != nil {
		return nil, err
	}
	hosts, pool, err := hostsOf(cfg, opts, con)
	if err != nil {
		agentBin.close()
		return nil, err
	}
	s := &master{cfg: cfg, opts: opts, con: con, suite: suite.New(cfg), hosts: hosts, pool: pool, agent: agentBin}
	if err := s.prepareAll(ctx); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// workers is the total number of workers over all hosts.
func (s *master) workers() int {
	n := 0
	for _, h := range s.hosts {
		n += h.workers
	}
	return n
}

func (s *master) close() {
	for _, h := range s.hosts {
		if h.eng != s.opts.Engine {
			h.eng.Close()
		}
	}
	if s.local != nil {
		s.local.Close()
	}
	if s.pool != nil {
		s.pool.Close()
	}
	s.agent.close()
}

// labels are the labels of every container of this run.
func (s *master) labels() map[string]string {
	return map[string]string{LabelRun: s.cfg.RunID}
}

// startContainer starts a container of the test image running the agent.
func (s *master) startContainer(ctx context.Context, h *host, role string, worker, attempt int, env []string) (engine.Container, error) {
	return s.launch(ctx, h, s.containerSpec(role, worker, attempt, env))
}

// launch starts a container of the run on h with the agent in it (from the
// host's agent volume, or copied in), through the engine's start gate.
func (s *master) launch(ctx context.Context, h *host, spec engine.ContainerSpec) (engine.Container, error) {
	h.mu.Lock()
	vol, share := h.agentVolume, h.share
	h.mu.Unlock()
	if vol != "" {
		spec.Mounts = append(spec.Mounts, engine.Mount{Volume: vol, Target: agentDir})
	} else {
		spec.Files = append(spec.Files, s.agent.file(agentPath))
	}
	if share != nil {
		if err := share.acquire(ctx); err != nil {
			return nil, err
		}
		defer share.release()
	}
	return h.eng.Start(ctx, spec)
}

// containerSpec is a container of the test image running the agent (launch
// adds the agent itself).
func (s *master) containerSpec(role string, worker, attempt int, env []string) engine.ContainerSpec {
	labels := s.labels()
	labels[LabelRole] = role
	name := "paratest-" + sanitizeName(s.cfg.RunID) + "-" + role
	if role == "worker" {
		labels[LabelWorker] = strconv.Itoa(worker)
		name += strconv.Itoa(worker)
		if attempt > 1 { // the old container may not be removable yet
			name += "-" + strconv.Itoa(attempt)
		}
	}
	return engine.ContainerSpec{
		Image:   s.cfg.Image,
		Name:    name,
		Labels:  labels,
		Env:     append(append([]string(nil), s.cfg.Env...), env...),
		Cmd:     []string{agentPath, "agent", "idle", "--orphan-ttl", s.cfg.OrphanTTL.String()},
		Files:   s.suite.Files(),
		Limits:  engineLimits(s.cfg.Limits),
		Scratch: suite.ScratchDir,
	}
}

// engineLimits are the configured limits in the engine's terms.
func engineLimits(l config.Limits) engine.Limits {
	return engine.Limits{
		NanoCPUs: int64(l.CPUs * 1e9),
		Memory:   l.Memory,
		Pids:     l.Pids,
		Network:  l.Network,
		CapDrop:  l.CapDrop,
	}
}

// removeAll removes every container of this run on every host, and the
// agent's volume when no other run uses it, under cleanupContext.
func (s *master) removeAll(ctx context.Context) {
	cctx, cancel := cleanupContext(ctx, s.opts.Hard)
	defer cancel()
	s.removeIn(cctx, nil)
}

// removal is what the clean-up did on one host.
type removal struct {
	removed  []string
	err      error // removing the containers
	volErr   error // removing the agent's volume
	finished bool
}

// removeIn is removeAll under ctx, hosts in parallel. It returns when every host
// is done or soon after ctx ends, whether or not the engines heed it (an SSH
// connection that hangs): a host not done by then is reported with what is left
// to do, and its goroutine is left to end by itself.
//
// The containers of the workers in keep (by number), and their services,
// stay (--keep-failed).
func (s *master) removeIn(ctx context.Context, keep map[int]bool) {
	results := make([]removal, len(s.hosts))
	var mu sync.Mutex // guards results
	var wg sync.WaitGroup
	for i, h := range s.hosts {
		wg.Go(func() {
			var r removal
			// A host that went away (sshd restarting, a cut connection) as the
			// run ended is tried again for a while, as its workers would be;
			// one never reached has nothing of the run's and is tried once.
			h.mu.Lock()
			giveUp := time.Now()
			if h.cleaned {
				giveUp = giveUp.Add(cleanupRetryFor)
			}
			h.mu.Unlock()
			for {
				r.err, r.volErr = s.removeOnce(ctx, h, keep, &r.removed)
				if r.err == nil && r.volErr == nil || !time.Now().Before(giveUp) {
					break
				}
				select {
				case <-ctx.Done():
				case <-time.After(jitter(min(s.cfg.ReconnectInterval, cleanupRetryEvery))):
					continue
				}
				break
			}
			r.finished = true
			mu.Lock()
			results[i] = r
			mu.Unlock()
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		select { // the engines' calls end with ctx; give them a moment to say so
		case <-done:
		case <-time.After(lateReport):
		}
	}
	mu.Lock()
	defer mu.Unlock()
	var left []string
	for i, h := range s.hosts {
		r := results[i]
		switch {
		case !r.finished || ctx.Err() != nil && (errors.Is(r.err, context.DeadlineExceeded) || errors.Is(r.err, context.Canceled)):
			s.con.Warnf("remove containers on %s: not done when the clean-up's time was up", h.name)
			left = append(left, h.name)
		case r.err != nil:
			s.con.Warnf("remove containers on %s: %v", h.name, r.err)
			left = append(left, h.name)
		}
		if len(r.removed) > 0 {
			s.con.Infof("removed %s on %s", plural(len(r.removed), "container"), h.name)
		}
		if r.volErr != nil {
			s.con.Warnf("remove the agent volume on %s: %v (jenkins-paratest clean removes it)", h.name, r.volErr)
		}
	}
	if len(left) > 0 {
		s.con.Warnf("containers of run %s may be left on %s: they stop by themselves within orphan_ttl (%s); to remove them now: jenkins-paratest clean --run %s",
			s.cfg.RunID, strings.Join(left, ", "), s.cfg.OrphanTTL, s.cfg.RunID)
	}
}

// A clean-up that fails on a host is tried again every cleanupRetryEvery (or
// reconnect_interval when shorter) for cleanupRetryFor before it says what may
// be left there: a host that went down for good during the run costs the run
// that much at its end.
const (
	cleanupRetryFor   = 10 * time.Second
	cleanupRetryEvery = time.Second
)

// removeOnce removes what the run made on h (but the containers of the
// workers in keep), adding the containers removed to removed: the containers,
// the workers' networks, and the agent's volume, which goes with the run's last
// container unless another run of this version still uses it.
func (s *master) removeOnce(ctx context.Context, h *host, keep map[int]bool, removed *[]string) (err, volErr error) {
	ids, err := s.removeOn(ctx, h, keep)
	*removed = append(*removed, ids...)
	if err == nil && len(s.cfg.Services) > 0 { // the workers' networks, now unused
		_, err = h.eng.RemoveNetworks(ctx, map[string]string{LabelRun: s.cfg.RunID, LabelRole: roleNetwork})
	}
	h.mu.Lock()
	vol := h.agentVolume
	h.mu.Unlock()
	if vol != "" && err == nil {
		_, volErr = h.eng.RemoveVolumes(ctx, map[string]string{LabelAgent: vol})
	}
	return err, volErr
}

// removeOn removes the run's containers on h but those of the workers in keep.
func (s *master) removeOn(ctx context.Context, h *host, keep map[int]bool) ([]string, error) {
	if len(keep) == 0 {
		return h.eng.RemoveAll(ctx, s.labels())
	}
	// One removal per worker that goes, and per container of no worker.
	var sets []map[string]string
	for _, role := range []string{"list", "agent-volume"} {
		l := s.labels()
		l[LabelRole] = role
		sets = append(sets, l)
	}
	for _, w := range s.workerNumbers(h) {
		if !keep[w] {
			l := s.labels()
			l[LabelWorker] = strconv.Itoa(w)
			sets = append(sets, l)
		}
	}
	var all []string
	var errs []error
	for _, l := range sets {
		ids, err := h.eng.RemoveAll(ctx, l)
		all = append(all, ids...)
		errs = append(errs, err)
	}
	slices.Sort(all)
	return all, errors.Join(errs...)
}

// workerNumbers are the numbers of h's workers: hosts number theirs in
// matrix order.
func (s *master) workerNumbers(h *host) []int {
	n := 0
	for _, o := range s.hosts {
		if o == h {
			var out []int
			for i := range o.workers {
				out = append(out, n+i)
			}
			return out
		}
		n += o.workers
	}
	return nil
}

// cleanupContext is the context of a clean-up after ctx, the run's: it
// survives ctx's cancellation, for cleanupTimeout, cut to abortCleanupTimeout
// once ctx is cancelled (a first signal, before or during the clean-up), and
// ended by hard (a second signal).
func cleanupContext(ctx, hard context.Context) (context.Context, context.CancelFunc) {
	bound := cleanupTimeout
	if ctx.Err() != nil {
		bound = abortCleanupTimeout
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), bound)
	if ctx.Err() == nil {
		go func() {
			select {
			case <-cctx.Done():
				return
			case <-ctx.Done():
			}
			t := time.NewTimer(abortCleanupTimeout)
			defer t.Stop()
			select {
			case <-cctx.Done():
			case <-t.C:
				cancel()
			}
		}()
	}
	if hard == nil {
		return cctx, cancel
	}
	stop := context.AfterFunc(hard, cancel)
	return cctx, func() { stop(); cancel() }
}

func shortID(id string) string {
	if len(id) > 19 {
		return id[:19]
	}
	return id
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// sanitizeName makes a run id usable in a container name.
func sanitizeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			b[i] = '-'
		}
	}
	return string(b)
}

// lineWriter calls f for every complete line written to it.
type lineWriter struct {
	f   func(line string)
	buf []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.f(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
}
