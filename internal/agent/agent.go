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
	"strings"
	"syscall"
	"time"
)

// Path is where the agent binary lives inside a container.
const Path = "/.paratest/agent"

// Exit codes of `agent exec` beyond the command's own.
const (
	ExitNotFound      = 127 // the command does not exist
	ExitNotExecutable = 126 // the command exists but cannot be run
)

// Main runs the agent subcommand in args and returns its exit code:
//
//	idle               keep the container alive until SIGTERM; reap orphans
//	exec -- ARGV...    run ARGV in its own process group; exit with its code
//	golist DIR         list the Go tests of the <import path>.test binaries in DIR
//	rm PATH            remove a file if it exists
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "agent: want a subcommand: idle, exec, golist, rm")
		return 2
	}
	var err error
	switch args[0] {
	case "idle":
		idle(ctx)
		return 0
	case "exec":
		argv := args[1:]
		if len(argv) > 0 && argv[0] == "--" {
			argv = argv[1:]
		}
		return run(ctx, argv, stdout, stderr)
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
		fmt.Fprintf(stderr, "agent: unknown subcommand %q\n", args[0])
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "agent: %v\n", err)
		return 1
	}
	return 0
}

// idle waits for ctx or a termination signal, reaping the zombies that PID 1 inherits
// when a test's background processes are orphaned.
func idle(ctx context.Context) {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	defer signal.Stop(sigs)
	for {
		select {
		case <-ctx.Done():
			return
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
// exit code. When it ends, or the agent is told to stop, the whole group is killed.
func run(ctx context.Context, argv []string, stdout, stderr io.Writer) int {
	if len(argv) == 0 {
		fmt.Fprintln(stderr, "agent: exec: no command")
		return 2
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin = nil
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A background process of the test may hold our output pipes open; once the
	// test itself has exited, stop waiting for them and kill the group.
	cmd.WaitDelay = time.Second
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "paratest: cannot run %q: %v\n", argv[0], err)
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			return ExitNotFound
		}
		return ExitNotExecutable
	}
	pgid := cmd.Process.Pid
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-sigs:
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		err = <-done
	case <-ctx.Done():
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		err = <-done
	}
	// Whatever the test left running in its group goes with it.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	return exitCode(cmd.ProcessState, err)
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
