// Package agent is the small program that runs inside every worker container. The
// master copies its own static executable into the container and starts it as
// `jenkins-paratest agent idle`, so any image, even one built FROM scratch with no
// shell, has a main process that keeps the container alive, reaps orphans and exits
// at once on SIGTERM. Test commands run through `agent exec`, each in a process group
// of its own that is killed whole when the command ends, so no stray process of one
// test outlives it into the next.
package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Path is where the agent binary lives inside a container: in a volume the
// master mounts read-only at its directory (or a copy of it there).
const Path = "/.paratest/bin/agent"

// Exit codes of `agent exec` beyond the command's own.
const (
	ExitNotFound      = 127 // the command does not exist
	ExitNotExecutable = 126 // the command exists but cannot be run
	ExitTimeout       = 124 // --timeout expired; the command's processes were killed
)

// TimeoutMarker starts the line `agent exec` prints on stderr when --timeout
// expires, so that a test's own exit code 124 is not taken for a timeout.
const TimeoutMarker = "paratest: timed out after "

// Heartbeat is the file the master touches (`agent beat`) while it is alive; an
// idle agent with an orphan TTL exits when the file grows older than the TTL.
const Heartbeat = "/.paratest/heartbeat"

// Main runs the agent subcommand in args and returns its exit code:
//
//	idle [--orphan-ttl D]            keep the container alive until SIGTERM, or until
//	                                 the heartbeat is older than D; reap orphans
//	exec [--timeout D] [--pidfile F] -- ARGV...
//	                                 run ARGV in its own process group; exit with its
//	                                 code, or ExitTimeout after killing it at D; with
//	                                 F, write the agent's pid to F first (a warm
//	                                 runner's, for its clients to wait on)
//	serve                            run the requests of one master session, framed
//	                                 on stdin, until stdin closes (see serve.go)
//	beat [--hold D]                  touch the heartbeat; with D, as if the master
//	                                 went on beating for D
//	warm SOCKET -- COMMAND...        run a batch in a preset's warm runner, or
//	                                 COMMAND itself when there is none (warm.go)
//	service --worker NAME --orphan-ttl D --grace G -- COMMAND...
//	                                 run a per-worker service's COMMAND as the main
//	                                 process, stopping it once NAME has not resolved
//	                                 for D (or not within G of the start) (service.go)
//	probe tcp HOST:PORT              exit 0 when HOST:PORT accepts a connection
//	golist DIR                       list the Go tests of DIR's <import path>.test binaries
//	rm PATH                          remove a file if it exists
//	install DIR | env K=V... -- ARGV | cat PATH MAX | untar
//	                                 a Kubernetes pod's (pod.go)
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "agent: want a subcommand: idle, exec, serve, beat, warm, service, probe, golist, rm")
		return 2
	}
	var err error
	switch args[0] {
	case "idle":
		var ttl time.Duration
		if len(args) == 3 && args[1] == "--orphan-ttl" {
			if ttl, err = time.ParseDuration(args[2]); err != nil {
				fmt.Fprintf(stderr, "agent: idle: %v\n", err)
				return 2
			}
		}
		idle(ctx, ttl, Heartbeat, stderr)
		return 0
	case "serve":
		if len(args) != 1 {
			fmt.Fprintln(stderr, "agent: usage: serve")
			return 2
		}
		err = serve(ctx, os.Stdin, stdout, serveConfig{Heartbeat: Heartbeat, Dir: PendingDir})
	case "beat":
		switch {
		case len(args) == 1:
			err = beat(Heartbeat)
		case len(args) == 3 && args[1] == "--hold":
			// A kept container (--keep-failed): as if the master beat for D
			// more, so it stops at D plus its orphan TTL.
			var d time.Duration
			if d, err = time.ParseDuration(args[2]); err == nil {
				err = beatAt(Heartbeat, time.Now().Add(d))
			}
		default:
			fmt.Fprintln(stderr, "agent: usage: beat [--hold D]")
			return 2
		}
	case "exec":
		argv := args[1:]
		var timeout time.Duration
		if len(argv) >= 2 && argv[0] == "--timeout" {
			if timeout, err = time.ParseDuration(argv[1]); err != nil {
				fmt.Fprintf(stderr, "agent: exec: %v\n", err)
				return 2
			}
			argv = argv[2:]
		}
		if len(argv) >= 2 && argv[0] == "--pidfile" {
			// A warm runner's: batches wait for a server whose pid is alive.
			if err := writePid(argv[1]); err != nil {
				fmt.Fprintf(stderr, "agent: exec: %v\n", err)
				return 1
			}
			argv = argv[2:]
		}
		if len(argv) > 0 && argv[0] == "--" {
			argv = argv[1:]
		}
		return run(ctx, argv, timeout, stdout, stderr)
	case "warm":
		if len(args) < 4 || args[2] != "--" {
			fmt.Fprintln(stderr, "agent: usage: warm SOCKET -- COMMAND...")
			return 2
		}
		return warm(args[1], args[3:], stderr)
	case "service":
		o, argv, perr := parseService(args[1:])
		if perr != nil {
			fmt.Fprintf(stderr, "agent: service: %v\n", perr)
			return 2
		}
		return service(ctx, argv, o, stdout, stderr)
	case "probe":
		if len(args) != 3 || args[1] != "tcp" {
			fmt.Fprintln(stderr, "agent: usage: probe tcp HOST:PORT")
			return 2
		}
		err = probeTCP(args[2])
	case "golist":
		if len(args) != 2 {
			fmt.Fprintln(stderr, "agent: usage: golist DIR")
			return 2
		}
		err = goList(ctx, args[1], stdout)
	case "rm":
		if len(args) != 2 {
			fmt.Fprintln(stderr, "agent: usage: rm PATH")
			return 2
		}
		if err = os.Remove(args[1]); errors.Is(err, os.ErrNotExist) {
			err = nil
		}
	default:
		if code, ok := podMain(args, os.Stdin, stdout, stderr); ok { // pod.go
			return code
		}
		fmt.Fprintf(stderr, "agent: unknown subcommand %q\n", args[0])
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "agent: %v\n", err)
		return 1
	}
	return 0
}

// writePid writes the agent's pid to path, atomically.
func writePid(path string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// beat touches the heartbeat file.
func beat(file string) error { return beatAt(file, time.Now()) }

// beatAt sets the heartbeat's time to t, creating the file when missing.
func beatAt(file string, t time.Time) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	err := os.Chtimes(file, t, t)
	if errors.Is(err, os.ErrNotExist) {
		if err = os.WriteFile(file, nil, 0o644); err == nil {
			err = os.Chtimes(file, t, t)
		}
	}
	return err
}

// idle waits for ctx or a termination signal, reaping the zombies that PID 1 inherits
// when a test's background processes are orphaned. With a ttl it also ends when the
// master has not touched the heartbeat for that long: a master killed with SIGKILL
// cannot remove its containers, so they stop on their own.
func idle(ctx context.Context, ttl time.Duration, heartbeat string, stderr io.Writer) {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	defer signal.Stop(sigs)
	var check <-chan time.Time
	if ttl > 0 {
		_ = beat(heartbeat) // the start counts as a beat
		t := time.NewTicker(min(ttl/4, time.Second))
		defer t.Stop()
		check = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-check:
			st, err := os.Stat(heartbeat)
			if err == nil && time.Since(st.ModTime()) > ttl {
				fmt.Fprintf(stderr, "paratest agent: no word from the master for %s; stopping\n", ttl)
				return
			}
		case s := <-sigs:
			if s != syscall.SIGCHLD {
				return
			}
			for {
				var ws syscall.WaitStatus
				pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
				if pid <= 0 || err != nil {
					break
				}
			}
		}
	}
}

// run executes argv in a new process group with the agent's stdio and returns its
// exit code, ExitTimeout after a line starting with TimeoutMarker when the timeout
// expired. When it ends, or the agent is told to stop, the whole group is killed.
func run(ctx context.Context, argv []string, timeout time.Duration, stdout, stderr io.Writer) int {
	if len(argv) == 0 {
		fmt.Fprintln(stderr, "agent: exec: no command")
		return 2
	}
	code, timedOut := runCommand(ctx, argv, nil, timeout, false, stdout, stderr)
	if timedOut {
		fmt.Fprintf(stderr, "\n%s%s; its processes were killed\n", TimeoutMarker, timeout)
		return ExitTimeout
	}
	return code
}

// runCommand is run without the exit-code conventions of `agent exec`: env is
// added to the agent's environment, and a timeout is reported as timedOut (the
// code is then meaningless), which `agent serve` passes on as such. Unless keep,
// the processes the command started that left its process group go too when it
// ends: they carry a mark in their environment (escapees).
func runCommand(ctx context.Context, argv, env []string, timeout time.Duration, keep bool, stdout, stderr io.Writer) (code int, timedOut bool) {
	cmd := exec.Command(argv[0], argv[1:]...)
	if !keep {
		mark := newMark()
		env = append(env, mark)
		defer killMarked(mark)
	}
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...) // later entries win
	}
	cmd.Stdin = nil
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A background process of the test may hold our output pipes open; once the
	// test itself has exited, stop waiting for them and kill the group.
	cmd.WaitDelay = time.Second
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if err := startScored(cmd, oomScoreCommand); err != nil {
		fmt.Fprintf(stderr, "paratest: cannot run %q: %v\n", argv[0], err)
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			return ExitNotFound, false
		}
		return ExitNotExecutable, false
	}
	pgid := cmd.Process.Pid
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	var err error
	select {
	case err = <-done:
	case <-expired:
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-done
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		return ExitTimeout, true
	case <-sigs:
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		err = <-done
	case <-ctx.Done():
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		err = <-done
	}
	// Whatever the test left running in its group goes with it.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	return exitCode(cmd.ProcessState, err), false
}

func exitCode(ps *os.ProcessState, err error) int {
	if errors.Is(err, exec.ErrWaitDelay) {
		err = nil // the test exited; only its leftovers held the pipes
	}
	if ps != nil && err == nil {
		if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ps.ExitCode()
	}
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	return 1
}

// goList prints "import/path.TestName" for every test, example and fuzz target of
// every DIR/<import/path>.test binary, binaries in path order.
func goList(ctx context.Context, dir string, stdout io.Writer) error {
	var bins []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && strings.HasSuffix(p, ".test") {
			bins = append(bins, p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("golist %s: %w", dir, err)
	}
	if len(bins) == 0 {
		return fmt.Errorf("golist %s: no <import path>.test binaries found", dir)
	}
	sort.Strings(bins)
	for _, bin := range bins {
		rel, _ := filepath.Rel(dir, bin)
		pkg := filepath.ToSlash(strings.TrimSuffix(rel, ".test"))
		out, err := exec.CommandContext(ctx, bin, "-test.list", ".").Output()
		if err != nil {
			return fmt.Errorf("golist %s -test.list: %w", bin, err)
		}
		for _, name := range strings.Split(string(out), "\n") {
			name = strings.TrimSpace(name)
			if strings.HasPrefix(name, "Test") || strings.HasPrefix(name, "Example") || strings.HasPrefix(name, "Fuzz") {
				fmt.Fprintf(stdout, "%s.%s\n", pkg, name)
			}
		}
	}
	return nil
}
