package runner

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/jenkins-paratest/jenkins-paratest/internal/agent"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
	"github.com/jenkins-paratest/jenkins-paratest/internal/listing"
)

const agentPath = agent.Path

// list returns the ids to run: from the tests file, or from the list command run
// once in a fresh container (the seeds' dry run), filtered and deduplicated.
func (s *session) list(ctx context.Context) ([]string, error) {
	var ids []string
	var err error
	switch {
	case s.cfg.Tests != "":
		ids, err = s.readTests()
	default:
		ids, err = s.listInContainer(ctx)
	}
	if err != nil {
		return nil, err
	}
	total := len(ids)
	ids = listing.Select(ids, s.cfg.Filter, s.cfg.Exclude)
	if len(ids) == 0 && !s.cfg.AllowEmpty {
		return nil, exit.Usagef("no tests to run: the listing gave %d ids and filter/exclude kept none (set allow_empty: true if that is fine)", total)
	}
	return ids, nil
}

func (s *session) readTests() ([]string, error) {
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

// listCommand is the argv that prints the suite's ids inside a container, and
// what to call it in messages.
func (s *session) listCommand() (argv []string, what string) {
	if s.cfg.Preset == "go" && s.cfg.List.IsZero() {
		return []string{agentPath, "agent", "golist", s.cfg.GoDir}, "listing Go tests in " + s.cfg.GoDir
	}
	what = fmt.Sprintf("list command %q", strings.Join(s.cfg.List.Argv, " "))
	if s.cfg.List.Shell != "" {
		what = fmt.Sprintf("list command %q", s.cfg.List.Shell)
	}
	return append(execPrefix(0), s.cfg.List.Args(nil)...), what
}

func (s *session) listInContainer(ctx context.Context) (ids []string, err error) {
	h := s.readyHost()
	c, err := s.startContainer(ctx, h, "list", 0, 0, []string{"PARATEST_LISTING=1"})
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
	var stdout, stderr bytes.Buffer
	argv, what := s.listCommand()
	code, err := c.Exec(ctx, engine.ExecSpec{Cmd: argv, Stdout: &stdout, Stderr: &stderr})
	if err != nil {
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, exit.Infraf("listing: %w", err)
	}
	if code != 0 {
		return nil, exit.Usagef("listing: %s exited %d: %s", what, code, lastLine(stderr.String(), stdout.String()))
	}
	ids, err = listing.Parse(&stdout)
	if err != nil {
		return nil, exit.Infraf("listing: %w", err)
	}
	return ids, nil
}

// lastLine is the last non-empty line of the first output that has one, for
// one-line error messages.
func lastLine(outputs ...string) string {
	for _, o := range outputs {
		lines := strings.Split(strings.TrimSpace(o), "\n")
		if l := strings.TrimSpace(lines[len(lines)-1]); l != "" {
			return l
		}
	}
	return "(no output)"
}

// readyHost is the first host whose engine and image are ready; prepareAll made
// sure there is one.
func (s *session) readyHost() *host {
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
