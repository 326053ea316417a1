package runner

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/agent"
	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
	"github.com/jenkins-paratest/jenkins-paratest/internal/listing"
	"github.com/jenkins-paratest/jenkins-paratest/internal/session"
	"github.com/jenkins-paratest/jenkins-paratest/internal/suite"
)

const agentPath = agent.Path

// list returns the ids to run: from the tests file, or from the list command run
// once in a fresh container (the seeds' dry run), filtered and deduplicated.
func (s *master) list(ctx context.Context) ([]string, error) {
	if s.cfg.Tests != "" {
		return s.selected(s.readTests())
	}
	return s.selected(s.listInContainer(ctx))
}

// selected filters and deduplicates the listed ids.
func (s *master) selected(ids []string, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	for i, id := range ids { // the adapters' listings did not come through listing.Parse
		if err := listing.Check(id); err != nil {
			return nil, exit.Usagef("listing: test %d of %d: %v", i+1, len(ids), err)
		}
	}
	total := len(ids)
	ids = listing.Select(ids, s.cfg.Filter, s.cfg.Exclude)
	if len(ids) == 0 && !s.cfg.AllowEmpty {
		return nil, exit.Usagef("no tests to run: the listing gave %d ids and filter/exclude kept none (set allow_empty: true if that is fine)", total)
	}
	return ids, nil
}

func (s *master) readTests() ([]string, error) {
	var r io.Reader
	name := s.cfg.Tests
	if name == "-" {
		if s.opts.Stdin == nil {
			return nil, exit.Usagef("tests: -: no standard input")
		}
		r, name = s.opts.Stdin, "standard input"
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, exit.Usagef("tests: %w", err)
		}
		defer f.Close()
		r = f
	}
	ids, err := listing.Parse(r)
	if err != nil {
		return nil, exit.Usagef("tests: read %s: %w", name, err)
	}
	return ids, nil
}

func (s *master) listInContainer(ctx context.Context) (ids []string, err error) {
	h := s.readyHost()
	c, err := s.startContainer(ctx, h, "list", 0, 0, nil)
	if err != nil {
		return nil, exit.Infraf("listing: %w", err)
	}
	defer func() {
		cctx, cancel := cleanupContext(ctx, s.opts.Hard)
		defer cancel()
		if rerr := c.Remove(cctx); rerr != nil && err == nil {
			err = exit.Infraf("listing: remove container: %w", rerr)
		}
	}()
	// Through a session, as on a worker: its agent reads the result file
	// where the engine's file copy cannot (the scratch tmpfs).
	sess, err := session.Open(ctx, c)
	if err != nil {
		return nil, s.listingError(ctx, err)
	}
	defer sess.Close()
	out, over, err := s.runList(ctx, sess, 1, io.Discard)
	if err != nil {
		return nil, s.listingError(ctx, err)
	}
	return s.parseListing(out, over)
}

// runList runs the suite's list command on sess as its run id, env added to
// its environment and its stderr copied to log. The Output holds what the
// master keeps of the command's output; over says its stdout went past
// maxListing.
func (s *master) runList(ctx context.Context, sess *session.Session, id uint64, log io.Writer, env ...string) (out suite.Output, over bool, err error) {
	cmd := s.suite.List()
	stdout, stderr := &listingOutput{}, newCapture(listingStderr)
	start := time.Now()
	res, err := sess.Run(ctx, session.Run{
		ID:         id,
		Argv:       cmd.Argv,
		Env:        append(append(append([]string(nil), cmd.Env...), listingEnv), env...),
		ResultFile: cmd.ResultFile,
		Stdout:     stdout,
		Stderr:     io.MultiWriter(stderr, log),
	})
	if err != nil {
		return suite.Output{}, false, err
	}
	return suite.Output{ExitCode: res.ExitCode, Stdout: stdout.Bytes(), Stderr: stderr.Bytes(), File: res.File, Duration: time.Since(start)}, stdout.over, nil
}

// The master keeps at most maxListing bytes of a listing's output (about
// 700,000 ids of 100 bytes) and the head and tail of its stderr.
const (
	maxListing    = 64 << 20
	listingStderr = 64 << 10
)

// listingOutput keeps a listing's stdout up to maxListing bytes; over says
// it printed more.
type listingOutput struct {
	bytes.Buffer
	over bool
}

func (l *listingOutput) Write(p []byte) (int, error) {
	if l.over || l.Len()+len(p) > maxListing {
		l.over = true
		return len(p), nil
	}
	return l.Buffer.Write(p)
}

// listingEnv is set while the list command runs.
const listingEnv = "PARATEST_LISTING=1"

// listingError is the error of a list command that could not be run.
func (s *master) listingError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return exit.Infraf("listing: %w", err)
}

// parseListing reads the ids from what the list command left; over says its
// output was more than maxListing.
func (s *master) parseListing(out suite.Output, over bool) ([]string, error) {
	if over {
		return nil, exit.Usagef("listing: %s printed more than %d MiB; a listing prints one test id a line", s.suite.List().What, maxListing>>20)
	}
	if out.ExitCode == agent.ExitNotFound || out.ExitCode == agent.ExitNotExecutable {
		return nil, exit.Usagef("listing: image %s cannot run %s: %s", s.cfg.Image, s.suite.List().What, suite.LastLine(out.Stderr, out.Stdout))
	}
	ids, err := s.suite.ParseList(out)
	if err != nil {
		return nil, exit.Usagef("listing: image %s: %w", s.cfg.Image, err)
	}
	return ids, nil
}

// firstLister hands a run's dry run to the first worker whose session opens:
// the list command runs there, before that worker's setup, rather than in a
// container of its own, so it starts as soon as any worker can and costs the
// hosts no extra container start.
type firstLister struct {
	mu      sync.Mutex
	claimed bool
	done    chan struct{} // closed once out and err are set
	out     suite.Output
	over    bool // the output was more than maxListing
	err     error
}

func newFirstLister() *firstLister { return &firstLister{done: make(chan struct{})} }

// claim is true for the first caller only.
func (l *firstLister) claim() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.claimed {
		return false
	}
	l.claimed = true
	return true
}

func (l *firstLister) deliver(out suite.Output, err error) {
	l.out, l.err = out, err
	close(l.done)
}

// listOnWorker runs the list command on w's session for the lister, env added
// to its environment.
func (p *pool) listOnWorker(ctx context.Context, w *worker, env ...string) {
	fmt.Fprintf(w.log, "=== paratest: listing: %s\n", p.s.suite.List().What)
	w.seq++
	hctx, done := w.h.connection(ctx)
	defer done()
	out, over, err := p.s.runList(hctx, w.sess, uint64(w.seq), w.log, env...)
	if err != nil {
		p.lister.deliver(suite.Output{}, err)
		return
	}
	fmt.Fprintf(w.log, "=== paratest: listing: exit code %d after %s, %d bytes\n", out.ExitCode, out.Duration.Round(time.Millisecond), len(out.Stdout))
	p.lister.over = over
	p.lister.deliver(out, nil)
}

// listed is the run's listing: the tests file, or the list command's ids from
// the first worker up. When every worker's first attempt failed before one
// took the listing, it is their first error.
func (p *pool) listed(ctx context.Context) ([]string, error) {
	if p.lister == nil {
		return p.s.list(ctx)
	}
	var ready []chan struct{}
	for _, w := range p.workers {
		if w.ready != nil {
			ready = append(ready, w.ready)
		}
	}
	none := make(chan struct{})
	go func() {
		for _, r := range ready {
			<-r
		}
		close(none)
	}()
	select {
	case <-p.lister.done:
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	case <-none:
		select {
		case <-p.lister.done:
		default:
			for _, w := range p.workers {
				if w.warmErr != nil {
					return nil, exit.Infraf("listing: none of the %s started; %s: %w", plural(len(p.workers), "worker"), w.tag(), w.warmErr)
				}
			}
			return nil, exit.Infraf("listing: none of the %s started", plural(len(p.workers), "worker"))
		}
	}
	if p.lister.err != nil {
		return nil, p.s.listingError(ctx, p.lister.err)
	}
	return p.s.selected(p.s.parseListing(p.lister.out, p.lister.over))
}

// readyHost is the first host whose engine and image are ready; prepareAll made
// sure there is one.
func (s *master) readyHost() *host {
	for _, h := range s.hosts {
		h.mu.Lock()
		ready := h.ready
		h.mu.Unlock()
		if ready {
			return h
		}
	}
	return s.hosts[0]
}
