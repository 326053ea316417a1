package docker_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/docker/docker/api"
	"github.com/docker/docker/api/types/versions"

	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine/docker"
)

func TestInfo(t *testing.T) {
	e := setup(t)
	info, err := e.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ping, err := fixture.raw.Ping(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := api.DefaultVersion
	if versions.LessThan(ping.APIVersion, want) {
		want = ping.APIVersion
	}
	if info.APIVersion != want {
		t.Errorf("APIVersion = %q, want %q (server %s, client %s)", info.APIVersion, want, ping.APIVersion, api.DefaultVersion)
	}
	if info.Host != "local" || info.ServerVersion == "" || info.CPUs < 1 || info.MemoryBytes < 1 {
		t.Errorf("Info = %+v, want host local and a version, CPUs and memory", info)
	}
}

func TestImage(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	missing := imageRef + "-missing"

	t.Run("never/missing", func(t *testing.T) {
		_, err := e.Image(ctx, missing, engine.PullNever, nil)
		if !errors.Is(err, engine.ErrImageNotFound) {
			t.Fatalf("err = %v, want ErrImageNotFound", err)
		}
		want := fmt.Sprintf("image %q not found on local (pull: never); build it or set pull: missing", missing)
		if err.Error() != want {
			t.Errorf("err = %q\nwant  %q", err, want)
		}
	})
	for _, policy := range []engine.PullPolicy{engine.PullNever, engine.PullMissing} {
		t.Run(string(policy)+"/present", func(t *testing.T) {
			img, err := e.Image(ctx, imageRef, policy, nil)
			if err != nil {
				t.Fatal(err)
			}
			if img.ID != fixture.imageID || img.Ref != imageRef {
				t.Errorf("Image = %+v, want ID %s", img, fixture.imageID)
			}
		})
	}
	t.Run("unknown policy", func(t *testing.T) {
		if _, err := e.Image(ctx, imageRef, "sometimes", nil); err == nil || !strings.Contains(err.Error(), `"sometimes"`) {
			t.Errorf("err = %v, want one naming the policy", err)
		}
	})
}

func TestStartCopiesFiles(t *testing.T) {
	e := setup(t)
	streamed := strings.Repeat("streamed from a reader, never held whole\n", 5000)
	c := start(t, e, engine.ContainerSpec{Files: []engine.File{
		{Path: "/paratest/in/ids.txt", Mode: 0o640, Data: []byte("a\nb c\n")},
		{Path: "/paratest/bin/x", Mode: 0o755, Data: []byte("#!/bin/sh\n")},
		{Path: "/tmp/paratest/cfg", Data: []byte("default mode")},
		{Path: "/paratest/bin/agent", Mode: 0o755, From: strings.NewReader(streamed), Size: int64(len(streamed))},
	}})
	for _, tc := range []struct{ args, want string }{
		{"cat /paratest/in/ids.txt", "a\nb c\n"},
		{"cat /paratest/bin/agent", streamed},
		{"mode /paratest/bin/agent", "755\n"},
		{"mode /paratest/in/ids.txt", "640\n"},
		{"mode /paratest/bin/x", "755\n"},
		{"mode /paratest", "755\n"},         // created for the files
		{"mode /tmp", "1777\n"},             // existed: its mode is kept
		{"mode /tmp/paratest/cfg", "644\n"}, // Mode 0 means 0644
	} {
		if out, _, _ := run(t, c, nil, strings.Fields(tc.args)...); out != tc.want {
			t.Errorf("tool %s = %q, want %q", tc.args, out, tc.want)
		}
	}
}

// A container's Scratch is a directory in memory, of the size the engine
// promises, that any user can write.
func TestStartGivesScratchInMemory(t *testing.T) {
	e := setup(t)
	c := start(t, e, engine.ContainerSpec{Scratch: "/.scratch"})
	if out, _, _ := run(t, c, nil, "mode", "/.scratch"); out != "1777\n" {
		t.Errorf("scratch mode %q, want 1777", out)
	}
	mounts, _, _ := run(t, c, nil, "cat", "/proc/mounts")
	want := fmt.Sprintf("tmpfs /.scratch tmpfs rw,nosuid,nodev,noexec,relatime,size=%dk", engine.ScratchSize>>10)
	if !strings.Contains(mounts, want) {
		t.Errorf("no %q in /proc/mounts:\n%s", want, mounts)
	}
	if _, stderr, code := run(t, c, nil, "write", "/.scratch/r.jsonl", "x"); code != 0 {
		t.Errorf("write in scratch: exit %d: %s", code, stderr)
	}
}

// A start that fails after the create removes the container; the check setup
// registers proves it.
func TestStartFailureLeavesNothing(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		spec engine.ContainerSpec
		want string
	}{
		{"copy", engine.ContainerSpec{Files: []engine.File{{Path: "/tool/under-a-file", Data: []byte("x")}}},
			"start container on local: copy files: "},
		{"start", engine.ContainerSpec{Cmd: []string{"/no-such-program"}},
			"start container on local: start: "},
		{"relative path", engine.ContainerSpec{Files: []engine.File{{Path: "etc/x"}}},
			`start container on local: file "etc/x": path must be absolute`},
		{"image", engine.ContainerSpec{Image: imageRef + "-missing"},
			"start container on local: create: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := tc.spec
			if spec.Image == "" {
				spec.Image = imageRef
			}
			if spec.Cmd == nil {
				spec.Cmd = []string{"/tool", "sleep"}
			}
			spec.Labels = labelsFor(t, nil)
			c, err := e.Start(ctx, spec)
			if err == nil {
				_ = c.Remove(ctx)
				t.Fatal("Start succeeded")
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("err = %q, want prefix %q", err, tc.want)
			}
		})
	}
}

func TestRemoveAll(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	group := func(g string) map[string]string { return map[string]string{"paratest.enginetest.group": g} }
	a1 := start(t, e, engine.ContainerSpec{Labels: group("a")})
	a2 := start(t, e, engine.ContainerSpec{Labels: group("a"), Cmd: []string{"/tool", "exit", "0"}}) // exited
	b := start(t, e, engine.ContainerSpec{Labels: group("b")})

	ids, err := e.RemoveAll(ctx, labelsFor(t, group("a")))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{a1.ID()[:12], a2.ID()[:12]}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Errorf("RemoveAll(group a) = %v, want %v", ids, want)
	}
	if out, _, _ := run(t, b, nil, "echo", "kept"); out != "kept\n" {
		t.Errorf("container of group b: %q", out)
	}
	if ids, err := e.RemoveAll(ctx, labelsFor(t, group("a"))); err != nil || len(ids) != 0 {
		t.Errorf("second RemoveAll(group a) = %v, %v; want nothing", ids, err)
	}
	if _, err := e.RemoveAll(ctx, nil); err == nil {
		t.Error("RemoveAll without labels succeeded; it must refuse to match every container")
	}
}

func TestRemoveTwice(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	c := start(t, e, engine.ContainerSpec{})
	for i := range 2 {
		if err := c.Remove(ctx); err != nil {
			t.Errorf("Remove #%d: %v", i+1, err)
		}
	}
	_, err := c.Exec(ctx, engine.ExecSpec{Cmd: []string{"/tool", "echo"}})
	if want := "exec in " + c.ID()[:12] + " on local: "; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Exec after Remove: err = %v, want prefix %q", err, want)
	}
}

// With a dialer, every connection goes through it, hijacked exec streams included.
// It would be bypassed if client.WithHost were applied after client.WithDialContext.
func TestDialContext(t *testing.T) {
	setup(t)
	socket := docker.DefaultSocket
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		var ok bool
		if socket, ok = strings.CutPrefix(h, "unix://"); !ok {
			t.Skipf("DOCKER_HOST=%s is not a unix socket", h)
		}
	}
	var dials atomic.Int32
	var badAddr atomic.Value
	e, err := docker.New(docker.Options{
		Name:   "tunnel",
		Socket: socket,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			if network != "unix" || addr != socket {
				badAddr.Store(network + " " + addr)
			}
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if e.Host() != "tunnel" {
		t.Errorf("Host() = %q", e.Host())
	}
	if _, err := e.Info(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := start(t, e, engine.ContainerSpec{})
	before := dials.Load()
	if out, _, _ := run(t, c, nil, "echo", "through the dialer"); out != "through the dialer\n" {
		t.Errorf("echo: %q", out)
	}
	if dials.Load() == before {
		t.Error("exec did not dial: its hijacked stream bypassed the dialer")
	}
	if a := badAddr.Load(); a != nil {
		t.Errorf("dialer asked for %v, want unix %s", a, socket)
	}
	_, err = c.ReadFile(context.Background(), "/nope", 1)
	if want := "on tunnel: "; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want it to name the host (%q)", err, want)
	}
}
