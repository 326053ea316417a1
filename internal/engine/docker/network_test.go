package docker_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
)

// Containers on one network reach each other by alias; a container on another
// network with the same alias and port is neither reached nor resolved.
// RemoveNetworks leaves a network in use and removes it once unused.
func TestNetworks(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	label := map[string]string{"paratest.test-network": fmt.Sprint(os.Getpid())}
	var names []string
	for _, n := range []string{"a", "b"} {
		name := fmt.Sprintf("paratest-test-net-%d-%s", os.Getpid(), n)
		if err := e.Network(ctx, name, labelsFor(t, label)); err != nil {
			t.Fatal(err)
		}
		if err := e.Network(ctx, name, labelsFor(t, label)); err != nil {
			t.Fatalf("a second Network of one name: %v", err)
		}
		names = append(names, name)
	}
	t.Cleanup(func() { e.RemoveNetworks(context.Background(), label) })
	var servers []engine.Container
	for i, n := range names {
		servers = append(servers, start(t, e, engine.ContainerSpec{
			Cmd: []string{"/tool", "listen", "5000", "server " + fmt.Sprint(i)}, Network: n, Aliases: []string{"db"},
		}))
	}
	client := start(t, e, engine.ContainerSpec{Network: names[0]})
	waitFor(t, func() bool {
		out, _, code := run(t, client, nil, "dial", "db:5000")
		return code == 0 && out == "server 0\n"
	}, "the client on network a reaches db:5000, its own network's server")
	for i := 0; i < 3; i++ { // never the other network's
		if out, _, _ := run(t, client, nil, "dial", "db:5000"); out != "server 0\n" {
			t.Fatalf("dial db:5000 from network a = %q, want server 0", out)
		}
	}
	if _, stderr, code := run(t, client, nil, "dial", shortID(servers[1].ID())+":5000"); code == 0 {
		t.Errorf("the client on network a reached the server on network b by name (%s)", stderr)
	}
	addr, _, _ := run(t, servers[1], nil, "addr")
	if out, _, code := run(t, client, nil, "dial", strings.TrimSpace(addr)+":5000"); code == 0 {
		t.Errorf("the client on network a reached the server on network b at %s: %q", strings.TrimSpace(addr), out)
	}

	removed, err := e.RemoveNetworks(ctx, label)
	if err != nil || len(removed) != 0 {
		t.Errorf("RemoveNetworks while in use = %v, %v; want nothing removed, no error", removed, err)
	}
	for _, c := range append(servers, client) {
		if err := c.Remove(ctx); err != nil {
			t.Fatal(err)
		}
	}
	removed, err = e.RemoveNetworks(ctx, label)
	if err != nil || strings.Join(removed, " ") != strings.Join(names, " ") {
		t.Errorf("RemoveNetworks = %v, %v; want %v", removed, err, names)
	}
	if _, err := e.RemoveNetworks(ctx, nil); err == nil {
		t.Error("RemoveNetworks without labels: no error, want one (it would match every network)")
	}
}

// Logs follows the main process's output until it ends.
func TestLogs(t *testing.T) {
	e := setup(t)
	c := start(t, e, engine.ContainerSpec{Cmd: []string{"/tool", "spam", "3"}})
	var out, errw bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.Logs(ctx, &out, &errw); err != nil {
		t.Fatal(err)
	}
	if out.String() != "out 0\nout 1\nout 2\n" || errw.String() != "err 0\nerr 1\nerr 2\n" {
		t.Errorf("Logs: stdout %q, stderr %q", out.String(), errw.String())
	}

	// A running one: until ctx ends.
	c = start(t, e, engine.ContainerSpec{})
	out.Reset()
	ctx, cancel = context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Logs(ctx, &out, nil); err == nil {
		t.Error("Logs of a running container returned nil before its end")
	}
	if out.String() != "ready\n" {
		t.Errorf("Logs of a running container: %q, want ready", out.String())
	}
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func shortID(id string) string { return id[:12] }

// An exec in a container whose main process ended, or that was removed, is
// ErrContainerGone: the caller tells a dead container from a failed command.
func TestExecInAStoppedContainer(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	c := start(t, e, engine.ContainerSpec{Cmd: []string{"/tool", "exit", "3"}})
	waitFor(t, func() bool {
		_, err := c.Exec(ctx, engine.ExecSpec{Cmd: []string{"/tool", "echo"}})
		return err != nil
	}, "the container stopped")
	_, err := c.Exec(ctx, engine.ExecSpec{Cmd: []string{"/tool", "echo"}})
	if !errors.Is(err, engine.ErrContainerGone) || !strings.Contains(err.Error(), "exit code 3") {
		t.Errorf("Exec in a stopped container: %v, want ErrContainerGone with its exit code", err)
	}
	if err := c.Remove(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(ctx, engine.ExecSpec{Cmd: []string{"/tool", "echo"}}); !errors.Is(err, engine.ErrContainerGone) {
		t.Errorf("Exec in a removed container: %v, want ErrContainerGone", err)
	}
}
