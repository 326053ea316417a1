package runner

import (
	"bytes"
	"context"
	"io"
	"os"

	"github.com/jenkins-paratest/jenkins-paratest/internal/agent"
	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
	"github.com/jenkins-paratest/jenkins-paratest/internal/listing"
	"github.com/jenkins-paratest/jenkins-paratest/internal/suite"
)

const agentPath = agent.Path

// list returns the ids to run: from the tests file, or from the list command run
// once in a fresh container (the seeds' dry run), filtered and deduplicated.
func (s *master) list(ctx context.Context) ([]string, error) {
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
	cmd := s.suite.List()
	out, err := s.exec(ctx, c, cmd, 0, &stdout, &stderr)
	if err != nil {
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, exit.Infraf("listing: %w", err)
	}
	out.Stdout, out.Stderr = stdout.Bytes(), stderr.Bytes()
	if out.ExitCode == agent.ExitNotFound || out.ExitCode == agent.ExitNotExecutable {
		return nil, exit.Usagef("listing: image %s cannot run %s: %s", s.cfg.Image, cmd.What, suite.LastLine(out.Stderr, out.Stdout))
	}
	ids, err = s.suite.ParseList(out)
	if err != nil {
		return nil, exit.Usagef("listing: image %s: %w", s.cfg.Image, err)
	}
	return ids, nil
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
