package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/agent"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
	"github.com/jenkins-paratest/jenkins-paratest/internal/session"
	"github.com/jenkins-paratest/jenkins-paratest/internal/suite"
)

// worker is one worker's identity and the life of its container: started with
// its heartbeat and setup by open, lost, and closed with the run. Only the
// worker's own goroutine touches it, but for warmUp, which hands it over through
// ready.
type worker struct {
	h        *host
	name     string // "w3"; the host is h.name
	n        int
	attempt  int // containers started, for unique names
	seq      int // batches run, for the adapter's result file names
	c        engine.Container
	sess     *session.Session   // the agent's session in c: every command, file and beat
	broken   bool               // c was lost, or its setup did not finish
	stopBeat context.CancelFunc // ends c's session and heartbeat; nil without one
	retired  bool
	// startDone, when closed, calls off a start of c still going: the
	// queue it was for is done.
	startDone <-chan struct{}
	services  *services // c's services and network; nil without services
	// lastFailed is whether the last batch c ran had a bad verdict: a worker
	// --keep-failed may keep.
	lastFailed bool
	logPath    string
	log        io.Writer
	// batchLog is where the last batch's part of the log starts, and its
	// excerpt once written (excerpt).
	batchLog      batchLog
	excerptWarned bool // a failed excerpt is said once per worker

	// held is the batch whose stream broke, its lease held until recover
	// asks the agent for its result; nil when none.
	held *heldBatch

	// ready is closed once the attempt warmUp made is over, its error in
	// warmErr; nil when no warm-up was made.
	ready   chan struct{}
	warmErr error
}

// tag names the worker in messages: "local/w3", "b01/w3".
func (w *worker) tag() string { return w.h.name + "/" + w.name }

// retireError retires a worker rather than retrying it: trying again would fail
// the same way (a failing setup).
type retireError struct{ err error }

func (e *retireError) Error() string { return e.err.Error() }
func (e *retireError) Unwrap() error { return e.err }

// open starts a fresh container for w on its host — removing the container of
// a lost attempt — with its heartbeat, and runs setup in it.
func (p *pool) open(ctx context.Context, w *worker) error {
	if _, err := w.h.prepare(ctx, p.s); err != nil {
		p.dropHeld(ctx, w, err)
		return err
	}
	if w.held != nil && p.recover(ctx, w) {
		return nil
	}
	if w.c != nil { // the container of a lost attempt: gone or useless
		cctx, cancel := cleanupContext(ctx, p.s.opts.Hard)
		err := w.c.Remove(cctx)
		cancel()
		if err != nil { // tried again next attempt; the run's clean-up gets it at the latest
			p.s.con.Warnf("worker %s: remove its old container: %v", w.tag(), err)
		} else {
			w.c = nil
		}
	}
	w.attempt++
	p.s.event(w, result.EventStarting, "")
	set, err := p.startServices(ctx, w)
	if err != nil {
		return err
	}
	spec := p.s.containerSpec("worker", w.n, w.attempt, p.workerEnv(w))
	switch {
	case set != nil && set.sidecars:
		spec.Sidecars = p.sidecars(w, set)
	case set != nil:
		spec.Network, spec.Aliases = set.network, []string{workerAlias}
	}
	c, err := p.launchUntilDone(ctx, w, spec)
	if err != nil {
		return err
	}
	if set != nil && set.sidecars {
		w.c, w.broken = c, true // removed by the next attempt, whatever fails
		if err := p.attachSidecars(ctx, w, c, set); err != nil {
			return err
		}
	}
	w.c, w.broken = c, true // until setup is done
	// The session outlives the call that opens it: it ends with close.
	life, stop := context.WithCancel(context.WithoutCancel(ctx))
	sess, err := session.Open(life, c)
	if err != nil {
		stop()
		return err
	}
	w.sess, w.stopBeat = sess, stop
	go p.heartbeat(life, w, sess)
	warm, warmOn := suite.Command{}, false
	if wr, ok := p.s.suite.(suite.Warmer); ok {
		warm, warmOn = wr.Warm()
	}
	if p.lister != nil && p.lister.claim() {
		// The warm runner's preload is the listing's too: it starts first,
		// and the listing waits for it. Not when there is a setup, which the
		// runner must see (it may install what the suite imports).
		var env []string
		if warmOn && p.s.cfg.Setup.IsZero() {
			go p.warm(life, w, c, warm)
			warmOn = false
			env = []string{agent.WarmStartingEnv + "=5s"}
		}
		p.listOnWorker(ctx, w, env...)
	}
	if !p.s.cfg.Setup.IsZero() {
		if err := p.setup(ctx, w); err != nil {
			return err
		}
	}
	if warmOn {
		go p.warm(life, w, c, warm)
	}
	w.broken = false
	p.s.event(w, result.EventReady, "")
	return nil
}

// errCalledOff is a worker's start given up because the queue was done
// before its container ran (a pod no node had room for): not a failure.
var errCalledOff = errors.New("the queue was done before the worker's container ran")

// launchUntilDone starts w's container, giving up when w.startDone closes
// first: nothing is left for it to run.
func (p *pool) launchUntilDone(ctx context.Context, w *worker, spec engine.ContainerSpec) (engine.Container, error) {
	lctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	if done := w.startDone; done != nil {
		go func() {
			select {
			case <-done:
				stop(errCalledOff)
			case <-lctx.Done():
			}
		}()
	}
	c, err := p.s.launch(lctx, w.h, spec)
	if err != nil && ctx.Err() == nil && errors.Is(context.Cause(lctx), errCalledOff) {
		if !errors.Is(err, errCalledOff) {
			err = fmt.Errorf("%w: %w", errCalledOff, err)
		}
		return nil, err
	}
	return c, err
}

// workerEnv is what tells a worker's container, and its services, who it is.
func (p *pool) workerEnv(w *worker) []string {
	return []string{
		"PARATEST_WORKER=" + strconv.Itoa(w.n),
		"PARATEST_WORKERS=" + strconv.Itoa(p.s.workers()),
		"PARATEST_RUN_ID=" + p.s.cfg.RunID,
		"PARATEST_HOST=" + w.h.name,
	}
}

// warm runs the adapter's warm runner in c until the container goes (or the
// worker closes it): its own exec, not the session, which runs one command at a
// time. Batches fall back to a cold start while it is not up, so its failure
// costs time, never a verdict: it is only logged.
func (p *pool) warm(ctx context.Context, w *worker, c engine.Container, cmd suite.Command) {
	fmt.Fprintf(w.log, "=== paratest: warm runner: %s\n", strings.Join(cmd.Argv, " "))
	prefix := execPrefix(0)
	if cmd.PidFile != "" {
		prefix = []string{agentPath, "agent", "exec", "--pidfile", cmd.PidFile, "--"}
	}
	code, err := c.Exec(ctx, engine.ExecSpec{
		Cmd:    append(prefix, cmd.Argv...),
		Env:    append(append([]string(nil), cmd.Env...), roundEnv(1)...),
		Stdout: w.log,
		Stderr: w.log,
	})
	if ctx.Err() == nil {
		fmt.Fprintf(w.log, "=== paratest: warm runner ended: exit code %d, %v; batches start cold\n", code, err)
	}
}

// recover opens a new session to the container whose stream broke and asks
// its agent for the held batch's result: a batch that finished, or finishes,
// while the master was cut off is reported, not run again; one the agent was
// never sent goes back to the queue. It returns true when the worker goes on
// in that container; otherwise the held tests went back to the queue.
func (p *pool) recover(ctx context.Context, w *worker) bool {
	hb := w.held
	w.held = nil
	life, stop := context.WithCancel(context.WithoutCancel(ctx))
	sess, err := session.Open(life, w.c)
	if hb.unsent {
		// The stream broke while the worker waited for the batch: it never
		// ran, so it goes back to the queue as it is (not a lost test), and
		// the worker on in the container, whose setup stands, if it is there.
		hb.lease.Requeue(hb.ids...)
		if err != nil {
			stop()
			return false
		}
		p.resume(life, stop, w, sess)
		p.s.con.Infof("worker %s: back in its container; its next batch, which never reached it, goes back to the queue", w.tag())
		return true
	}
	if err == nil {
		var res session.Result
		var kept bool
		pctx, done := w.h.connection(ctx)
		res, kept, err = sess.Pending(pctx, hb.seq)
		done()
		if err == nil && kept {
			p.resume(life, stop, w, sess)
			p.s.con.Infof("worker %s: back; its batch of %s finished meanwhile", w.tag(), plural(len(hb.ids), "test"))
			vs := p.verdicts(w, hb.ids, res, append(hb.stdout, res.Stdout...), append(hb.stderr, res.Stderr...), time.Since(hb.start), hb.timeout)
			p.finish(w, hb.lease, vs)
			return true
		}
		if err == nil {
			err = errors.New("its agent kept no result")
		}
		sess.Close()
	}
	stop()
	p.lose(w, hb.lease, hb.ids, err)
	return false
}

// resume makes sess, living until stop, w's session in the container it had,
// with its heartbeat.
func (p *pool) resume(life context.Context, stop context.CancelFunc, w *worker, sess *session.Session) {
	w.sess, w.stopBeat, w.broken = sess, stop, false
	p.s.event(w, result.EventReady, "back in the same container")
	go p.heartbeat(life, w, sess)
}

// dropHeld gives up the result of w's held batch: its tests go back to the
// queue, or, when the run is interrupted, stay without a verdict.
func (p *pool) dropHeld(ctx context.Context, w *worker, cause error) {
	hb := w.held
	if hb == nil {
		return
	}
	w.held = nil
	switch {
	case ctx.Err() != nil:
		hb.lease.Done(hb.ids...)
	case hb.unsent: // it never ran: no lost test
		hb.lease.Requeue(hb.ids...)
	default:
		p.lose(w, hb.lease, hb.ids, cause)
	}
}

// lost marks w's container as lost: the next attempt starts another.
func (w *worker) lost() {
	w.broken = true
	w.close()
}

// close ends the session and the heartbeat of w's container; the container
// itself goes with the run's clean-up.
func (w *worker) close() {
	if set := w.services; set != nil { // their output ends here; they go with the container
		set.stopLogs()
		set.wg.Wait()
	}
	if w.stopBeat != nil {
		w.sess.Close()
		w.stopBeat()
		w.stopBeat, w.sess = nil, nil
	}
}

// warmUp makes every worker's first attempt — its container and setup — at once,
// while the suite is being listed; work takes it up. The attempts end with ctx.
func (p *pool) warmUp(ctx context.Context, workers []*worker) {
	for _, w := range workers {
		w.ready = make(chan struct{})
		w.startDone = p.firstDone
		go func() {
			defer close(w.ready)
			w.warmErr = p.open(ctx, w)
		}()
	}
}

// warmed waits for w's warm-up, if one was made, and returns its error; a
// worker whose warm-up succeeded serves from its container at once.
func (w *worker) warmed() error {
	if w.ready == nil {
		return nil
	}
	<-w.ready
	w.ready = nil
	return w.warmErr
}

// heartbeat tells the container's agent that the master lives, so that the agent
// stops the container on its own once the master is gone for orphan_ttl (a master
// killed with SIGKILL cannot remove its containers).
func (p *pool) heartbeat(ctx context.Context, w *worker, sess *session.Session) {
	every := min(p.s.cfg.OrphanTTL/4, 15*time.Second)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-sess.Done():
			return // the worker finds out at its next batch
		case <-t.C:
			if err := sess.Beat(ctx); err != nil && ctx.Err() == nil {
				p.s.con.Warnf("worker %s: heartbeat: %v", w.tag(), err)
			}
		}
	}
}
