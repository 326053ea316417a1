package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
)

// serviceOptions are the flags of `agent service`.
type serviceOptions struct {
	// Worker is the worker's host name on the network it shares with its
	// services. The service lives while the name resolves: the engine's DNS
	// answers for running containers only, so it stops resolving once the
	// worker is gone (removed, or stopped at its orphan TTL).
	Worker string
	// TTL is how long the name may fail to resolve before the service stops.
	TTL time.Duration
	// Grace is how long the worker may take to appear at all: the services'
	// readiness and the worker's start come first.
	Grace time.Duration
	// Interval is how often the name is looked up.
	Interval time.Duration
	// Stop is how long the command has after SIGTERM before SIGKILL.
	Stop time.Duration
	// lookup resolves a name; nil uses the system's resolver.
	lookup func(ctx context.Context, host string) error
}

// service runs a per-worker service's command as the container's main
// process: it passes termination signals on, reaps the orphans PID 1 inherits,
// exits with the command's code, and stops the command once its worker has
// been gone for the TTL, so that services of a killed master do not outlive
// their worker.
func service(ctx context.Context, argv []string, o serviceOptions, stdout, stderr io.Writer) int {
	if len(argv) == 0 {
		fmt.Fprintln(stderr, "agent: service: no command")
		return 2
	}
	if o.lookup == nil {
		o.lookup = func(ctx context.Context, host string) error {
			_, err := net.DefaultResolver.LookupHost(ctx, host)
			return err
		}
	}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGCHLD)
	defer signal.Stop(sigs)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if _, ok := stderr.(*os.File); !ok { // the command's copy and our lines share it
		stderr = &lockedWriter{w: stderr}
		cmd.Stderr = stderr
	}
	if err := startScored(cmd, oomScoreService); err != nil {
		fmt.Fprintf(stderr, "paratest: cannot run the service's command %q: %v\n", argv[0], err)
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			return ExitNotFound
		}
		return ExitNotExecutable
	}
	child := cmd.Process.Pid
	// The child's exit is taken by the reaper below (PID 1 reaps every
	// orphan with wait4(-1)), not by cmd.Wait, which would race it.
	exited := make(chan int, 1)
	which := -1 // as PID 1: every orphan; elsewhere (tests) only our child
	if os.Getpid() != 1 {
		which = child
	}
	reap := func() {
		for {
			var ws syscall.WaitStatus
			pid, err := syscall.Wait4(which, &ws, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				return
			}
			if pid == child {
				exited <- waitCode(ws)
			}
		}
	}

	start := time.Now()
	var seen time.Time // when the worker's name last resolved; zero: never yet
	watch := time.NewTicker(o.Interval)
	defer watch.Stop()
	var kill <-chan time.Time
	stopping := false
	stop := func(why string) {
		if stopping {
			return
		}
		stopping = true
		fmt.Fprintf(stderr, "paratest agent: %s; stopping the service\n", why)
		_ = syscall.Kill(child, syscall.SIGTERM)
		kill = time.After(o.Stop)
	}
	for {
		select {
		case code := <-exited:
			// Its status is taken; Wait only waits for the output copies.
			_ = cmd.Wait()
			return code
		case s := <-sigs:
			if s == syscall.SIGCHLD {
				reap()
				continue
			}
			_ = syscall.Kill(child, s.(syscall.Signal))
		case <-ctx.Done():
			stop("told to stop")
		case <-kill:
			_ = syscall.Kill(child, syscall.SIGKILL)
		case <-watch.C:
			lctx, cancel := context.WithTimeout(ctx, o.Interval)
			err := o.lookup(lctx, o.Worker)
			cancel()
			now := time.Now()
			switch {
			case err == nil:
				seen = now
			case seen.IsZero() && now.Sub(start) > o.Grace:
				stop(fmt.Sprintf("its worker %q did not appear within %s", o.Worker, o.Grace))
			case !seen.IsZero() && now.Sub(seen) > o.TTL:
				stop(fmt.Sprintf("its worker %q has been gone for %s", o.Worker, o.TTL))
			}
		}
	}
}

// lockedWriter serializes writes from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// waitCode is a wait status as a shell reports it: the code, or 128+signal.
func waitCode(ws syscall.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}

// parseService parses `service --worker NAME --orphan-ttl D --grace D -- ARGV...`.
func parseService(args []string) (serviceOptions, []string, error) {
	o := serviceOptions{Interval: 2 * time.Second, Stop: 10 * time.Second}
	for len(args) > 0 && args[0] != "--" {
		if len(args) < 2 {
			return o, nil, fmt.Errorf("%s: want a value", args[0])
		}
		var err error
		switch args[0] {
		case "--worker":
			o.Worker = args[1]
		case "--orphan-ttl":
			o.TTL, err = time.ParseDuration(args[1])
		case "--grace":
			o.Grace, err = time.ParseDuration(args[1])
		default:
			return o, nil, fmt.Errorf("unknown flag %s", args[0])
		}
		if err != nil {
			return o, nil, fmt.Errorf("%s: %w", args[0], err)
		}
		args = args[2:]
	}
	if len(args) < 2 {
		return o, nil, errors.New("want -- COMMAND...")
	}
	if o.Worker == "" || o.TTL <= 0 || o.Grace <= 0 {
		return o, nil, errors.New("want --worker, --orphan-ttl and --grace")
	}
	return o, args[1:], nil
}

// probeTCP reports whether addr (host:port) accepts a TCP connection: a
// service's ready: tcp: check, run in the service's own container.
func probeTCP(addr string) error {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return err
	}
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "dial tcp "))
	}
	return c.Close()
}
