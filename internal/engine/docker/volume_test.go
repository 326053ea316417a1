package docker_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
)

// A volume is filled once and mounted read-only into containers; a second
// Volume call finds it filled; RemoveVolumes leaves one in use and removes it
// once unused.
func TestVolume(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	name := fmt.Sprintf("paratest-test-volume-%d", os.Getpid())
	labels := labelsFor(t, map[string]string{"paratest.test-volume": name})
	streamed := strings.Repeat("0123456789", 10000)
	files := []engine.File{{Path: "bin/x", Mode: 0o755, Data: []byte("#!/bin/sh\necho hi\n")}, {Path: "data", Data: []byte("abc")},
		{Path: "bin/agent", Mode: 0o755, From: strings.NewReader(streamed), Size: int64(len(streamed))}}
	if err := e.Volume(ctx, name, imageRef, labels, nil, files); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.RemoveVolumes(context.Background(), map[string]string{"paratest.test-volume": name}) })
	if err := e.Volume(ctx, name, imageRef, labels, nil, files); err != nil {
		t.Fatalf("second fill: %v", err)
	}
	c := start(t, e, engine.ContainerSpec{Mounts: []engine.Mount{{Volume: name, Target: "/mnt/v"}}})
	for _, tc := range []struct{ args, want string }{
		{"cat /mnt/v/data", "abc"},
		{"cat /mnt/v/bin/agent", streamed},
		{"mode /mnt/v/bin/x", "755\n"},
		{"mode /mnt/v/data", "644\n"},
	} {
		if out, _, _ := run(t, c, nil, strings.Fields(tc.args)...); out != tc.want {
			t.Errorf("tool %s = %q, want %q", tc.args, out, tc.want)
		}
	}
	if _, _, code := run(t, c, nil, "write", "/mnt/v/data", "x"); code == 0 {
		t.Error("a container wrote into the read-only volume")
	}
	removed, err := e.RemoveVolumes(ctx, map[string]string{"paratest.test-volume": name})
	if err != nil || len(removed) != 0 {
		t.Errorf("RemoveVolumes while in use = %v, %v; want nothing removed, no error", removed, err)
	}
	if err := c.Remove(ctx); err != nil {
		t.Fatal(err)
	}
	removed, err = e.RemoveVolumes(ctx, map[string]string{"paratest.test-volume": name})
	if err != nil || len(removed) != 1 || removed[0] != name {
		t.Errorf("RemoveVolumes = %v, %v; want [%s]", removed, err, name)
	}
}

// A fill that fails (here: the image to fill with is missing) leaves no
// volume, unless a container uses it.
func TestVolumeFillFailureLeavesNoVolume(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	name := fmt.Sprintf("paratest-test-volume-fail-%d", os.Getpid())
	labels := labelsFor(t, map[string]string{"paratest.test-volume": name})
	t.Cleanup(func() { e.RemoveVolumes(context.Background(), map[string]string{"paratest.test-volume": name}) })
	files := []engine.File{{Path: "x", Data: []byte("x")}}
	if err := e.Volume(ctx, name, "paratest-no-such-image:none", labels, nil, files); err == nil {
		t.Fatal("Volume with a missing image: no error")
	}
	if left, _ := e.RemoveVolumes(ctx, map[string]string{"paratest.test-volume": name}); len(left) != 0 {
		t.Errorf("the failed fill left volume %v", left)
	}

	// One a container uses stays.
	if err := e.Volume(ctx, name, imageRef, labels, nil, files); err != nil {
		t.Fatal(err)
	}
	c := start(t, e, engine.ContainerSpec{Mounts: []engine.Mount{{Volume: name, Target: "/mnt/v"}}})
	if err := e.Volume(ctx, name, "paratest-no-such-image:none", labels, nil, files); err == nil {
		t.Fatal("Volume with a missing image: no error")
	}
	if out, _, _ := run(t, c, nil, "cat", "/mnt/v/x"); out != "x" {
		t.Errorf("the volume in use lost its file: %q", out)
	}
}
