package docker

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"

	containertypes "github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"

	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
)

// cleanupTimeout bounds the removal of a container whose start failed; it runs even
// when the caller's ctx is done, so a cancelled start leaves nothing behind.
const cleanupTimeout = 30 * time.Second

// Start creates the container with spec.Cmd as its entrypoint (so images without a
// shell work and their own entrypoint does not wrap ours), copies spec.Files in and
// starts it. Whatever fails after the create removes the container again.
func (e *Engine) Start(ctx context.Context, spec engine.ContainerSpec) (engine.Container, error) {
	files, err := cleanFiles(spec.Files)
	if err != nil {
		return nil, fmt.Errorf("start container on %s: %w", e.host, err)
	}
	c, err := e.create(ctx, &containertypes.Config{
		Image:      spec.Image,
		Labels:     spec.Labels,
		Env:        spec.Env,
		Entrypoint: spec.Cmd,
	}, hostConfig(spec), networking(spec), spec.Name)
	if err != nil {
		return nil, fmt.Errorf("start container on %s: create: %w", e.host, err)
	}
	if err := e.copyFiles(ctx, c.id, files); err != nil {
		return nil, c.abort(ctx, "copy files", err)
	}
	if err := e.cli.ContainerStart(ctx, c.id, containertypes.StartOptions{}); err != nil {
		return nil, c.abort(ctx, "start", err)
	}
	return c, nil
}

// hostConfig is how the engine runs the container: its mounts, limits and
// privileges.
func hostConfig(spec engine.ContainerSpec) *containertypes.HostConfig {
	l := spec.Limits
	hc := &containertypes.HostConfig{
		AutoRemove:  false, // Remove decides, so logs and files stay readable
		Mounts:      mounts(spec.Mounts),
		NetworkMode: containertypes.NetworkMode(l.Network),
		CapDrop:     l.CapDrop,
		SecurityOpt: []string{"no-new-privileges"},
	}
	hc.NanoCPUs = l.NanoCPUs
	hc.Memory = l.Memory
	if l.Memory > 0 {
		hc.MemorySwap = l.Memory // no swap beyond the limit
	}
	if l.Pids > 0 {
		hc.PidsLimit = &l.Pids
	}
	if spec.Network != "" {
		hc.NetworkMode = containertypes.NetworkMode(spec.Network)
	}
	if spec.Scratch != "" {
		hc.Tmpfs = map[string]string{spec.Scratch: fmt.Sprintf("rw,nosuid,nodev,noexec,size=%d,mode=1777", engine.ScratchSize)}
	}
	return hc
}

// networking puts the container on spec.Network under its aliases.
func networking(spec engine.ContainerSpec) *network.NetworkingConfig {
	if spec.Network == "" {
		return nil
	}
	return &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
		spec.Network: {Aliases: spec.Aliases},
	}}
}

// create creates a container. The create is not cancelled with ctx: one the
// engine completes after the client gave up would leave a container nobody
// knows of (holding the volumes it mounts). ctx is checked once its id is
// known: when done, the container is removed again and ctx's error returned.
func (e *Engine) create(ctx context.Context, cfg *containertypes.Config, hc *containertypes.HostConfig, nc *network.NetworkingConfig, name string) (*container, error) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	created, err := e.cli.ContainerCreate(cctx, cfg, hc, nc, nil, name)
	if err != nil {
		return nil, ctxErr(ctx, err)
	}
	c := &container{e: e, id: created.ID}
	if err := ctx.Err(); err != nil {
		return nil, errors.Join(err, c.Remove(cctx))
	}
	return c, nil
}

// mounts are the spec's volumes, read-only.
func mounts(in []engine.Mount) []mount.Mount {
	var out []mount.Mount
	for _, m := range in {
		out = append(out, mount.Mount{Type: mount.TypeVolume, Source: m.Volume, Target: m.Target, ReadOnly: true})
	}
	return out
}

// abort removes a container whose start failed at step and returns the error to report.
func (c *container) abort(ctx context.Context, step string, err error) error {
	err = fmt.Errorf("start container on %s: %s: %w", c.e.host, step, ctxErr(ctx, err))
	rmCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	return errors.Join(err, c.Remove(rmCtx))
}

// cleanFiles checks the paths, applies the default mode and sorts by path.
func cleanFiles(in []engine.File) ([]engine.File, error) {
	out := make([]engine.File, 0, len(in))
	seen := make(map[string]bool, len(in))
	for _, f := range in {
		if !path.IsAbs(f.Path) {
			return nil, fmt.Errorf("file %q: path must be absolute", f.Path)
		}
		f.Path = path.Clean(f.Path)
		if f.Path == "/" {
			return nil, fmt.Errorf("file %q: path names the root directory", f.Path)
		}
		if seen[f.Path] {
			return nil, fmt.Errorf("file %q: listed twice", f.Path)
		}
		seen[f.Path] = true
		f.Mode &= 0o7777
		if f.Mode == 0 {
			f.Mode = 0o644 // a File literal without Mode means an ordinary readable file
		}
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b engine.File) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

// copyFiles copies files into the created container as one tar extracted at "/",
// in one call, streamed: the agent binary among them is not held in memory.
// The tar holds the files alone: the engine makes the parent
// directories the image lacks (mode 0755) and leaves those it has as they are.
// A directory entry would reset an existing directory's mode (turn /tmp's 1777
// into 0755), and asking which exist first would cost a round trip each, on an
// engine that mounts the container's file system for every one of them.
func (e *Engine) copyFiles(ctx context.Context, id string, files []engine.File) error {
	if len(files) == 0 {
		return nil
	}
	pr, pw := io.Pipe()
	go func() {
		tw := tar.NewWriter(pw)
		now := time.Now()
		for _, f := range files {
			data, size := f.Content()
			if err := tw.WriteHeader(&tar.Header{
				Typeflag: tar.TypeReg, Name: strings.TrimPrefix(f.Path, "/"), Mode: f.Mode, Size: size, ModTime: now,
			}); err != nil {
				pw.CloseWithError(fmt.Errorf("archive %s: %w", f.Path, err))
				return
			}
			if _, err := io.Copy(tw, data); err != nil {
				pw.CloseWithError(fmt.Errorf("archive %s: %w", f.Path, err))
				return
			}
		}
		pw.CloseWithError(tw.Close())
	}()
	err := e.cli.CopyToContainer(ctx, id, "/", pr, containertypes.CopyToContainerOptions{})
	pr.Close()
	return err
}
