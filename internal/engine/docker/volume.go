package docker

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"path"
	"slices"
	"time"

	containertypes "github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/volume"

	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
)

// volumeRoot is where a filling container mounts the volume it fills.
const volumeRoot = "/.paratest-volume"

// Volume creates the volume (an existing one is kept) and, when it lacks one
// of the files or holds it at another size, copies them in through a created,
// never started, container of image that mounts it. The copy is one streamed
// tar: the files are not held again in memory. When it fails, the volume is
// removed again unless a container (another run's) uses it: a run that could
// not fill it has no container to remove it with later.
func (e *Engine) Volume(ctx context.Context, name, image string, labels, holder map[string]string, files []engine.File) (err error) {
	if _, err := e.cli.VolumeCreate(ctx, volume.CreateOptions{Name: name, Labels: labels}); err != nil {
		return fmt.Errorf("create volume %s on %s: %w", name, e.host, ctxErr(ctx, err))
	}
	var c *container
	defer func() {
		if err == nil && holder != nil {
			return // c holds the volume for the caller
		}
		rmCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		if c != nil {
			c.Remove(rmCtx)
		}
		if err != nil {
			e.cli.VolumeRemove(rmCtx, name, false) // in use: another run's, and it stays
		}
	}()
	// The volume is in use from here on: a removal beside us now fails. Had
	// one removed it since the create, mounting it makes it anew, and the
	// files are found missing below.
	c, err = e.create(ctx,
		&containertypes.Config{Image: image, Labels: holder, Entrypoint: []string{"/nonexistent"}},
		&containertypes.HostConfig{Mounts: []mount.Mount{{Type: mount.TypeVolume, Source: name, Target: volumeRoot}}},
		nil, "")
	if err != nil {
		return fmt.Errorf("fill volume %s on %s: create: %w", name, e.host, err)
	}
	var missing []engine.File
	for _, f := range files {
		st, err := e.cli.ContainerStatPath(ctx, c.id, path.Join(volumeRoot, f.Path))
		if _, size := f.Content(); err != nil || st.Size != size {
			missing = append(missing, f)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeTar(pw, missing)) }()
	err = e.cli.CopyToContainer(ctx, c.id, volumeRoot, pr, containertypes.CopyToContainerOptions{})
	pr.Close()
	if err != nil {
		return fmt.Errorf("fill volume %s on %s: copy: %w", name, e.host, ctxErr(ctx, err))
	}
	return nil
}

// writeTar writes files, paths relative to the archive's root, with their
// parent directories, as a tar.
func writeTar(w io.Writer, files []engine.File) error {
	tw := tar.NewWriter(w)
	now := time.Now()
	var dirs []string
	for _, f := range files {
		for d := path.Dir(path.Clean("/" + f.Path)); d != "/"; d = path.Dir(d) {
			dirs = append(dirs, d)
		}
	}
	slices.Sort(dirs)
	for _, d := range slices.Compact(dirs) {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d[1:] + "/", Mode: 0o755, ModTime: now}); err != nil {
			return err
		}
	}
	for _, f := range files {
		mode := f.Mode & 0o7777
		if mode == 0 {
			mode = 0o644
		}
		name := path.Clean("/" + f.Path)[1:]
		data, size := f.Content()
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: size, ModTime: now}); err != nil {
			return err
		}
		if _, err := io.Copy(tw, data); err != nil {
			return err
		}
	}
	return tw.Close()
}

// RemoveVolumes removes the labelled volumes; one a container still uses (a run
// going on beside this one) stays, and is not an error.
func (e *Engine) RemoveVolumes(ctx context.Context, labels map[string]string) ([]string, error) {
	if len(labels) == 0 {
		return nil, fmt.Errorf("remove volumes on %s: no labels given", e.host)
	}
	list, err := e.cli.VolumeList(ctx, volume.ListOptions{Filters: labelFilter(labels)})
	if err != nil {
		return nil, fmt.Errorf("list volumes on %s: %w", e.host, ctxErr(ctx, err))
	}
	var removed []string
	for _, v := range list.Volumes {
		if err := e.cli.VolumeRemove(ctx, v.Name, false); err != nil {
			if isNotFound(err) || isConflict(err) {
				continue // gone, or in use
			}
			return removed, fmt.Errorf("remove volume %s on %s: %w", v.Name, e.host, ctxErr(ctx, err))
		}
		removed = append(removed, v.Name)
	}
	slices.Sort(removed)
	return removed, nil
}
