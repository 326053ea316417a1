package dockerpods

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
)

// RemoveLeftovers removes the containers and volumes of runs whose process is
// gone (a cluster killed with SIGKILL leaves them), and, with all, those of
// live runs too. Runs still alive belong to another cluster on this engine
// and are left alone.
func RemoveLeftovers(ctx context.Context, docker *client.Client, ownRun string, all bool) (removed int, err error) {
	keep := func(run string) bool {
		if run == ownRun {
			return !all
		}
		pid, err := strconv.Atoi(run)
		return err == nil && alive(pid)
	}
	f := filters.NewArgs(filters.Arg("label", LabelRun))
	cs, err := docker.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil {
		return 0, fmt.Errorf("docker ps: %w", err)
	}
	var errs []error
	for _, c := range cs {
		if keep(c.Labels[LabelRun]) {
			continue
		}
		if err := docker.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true, RemoveVolumes: true}); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("docker rm %s: %w", c.ID[:12], err))
			continue
		}
		removed++
	}
	vs, err := docker.VolumeList(ctx, volume.ListOptions{Filters: f})
	if err != nil {
		return removed, errors.Join(append(errs, fmt.Errorf("docker volume ls: %w", err))...)
	}
	for _, v := range vs.Volumes {
		if keep(v.Labels[LabelRun]) {
			continue
		}
		if err := docker.VolumeRemove(ctx, v.Name, true); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("docker volume rm %s: %w", v.Name, err))
			continue
		}
		removed++
	}
	return removed, errors.Join(errs...)
}

// alive says whether pid runs. A zombie does not: a run started in the
// background and killed may stay one where PID 1 does not reap.
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		// pid (comm) state …: comm may hold spaces and parentheses.
		if i := bytes.LastIndexByte(b, ')'); i >= 0 && i+2 < len(b) && b[i+2] == 'Z' {
			return false
		}
	}
	proc, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = proc.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}
