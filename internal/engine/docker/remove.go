package docker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	cerrdefs "github.com/containerd/errdefs"
	containertypes "github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
)

// removeParallel bounds the concurrent removals of RemoveAll: force-removing kills
// the container first, which is slow enough that cleaning up a whole run one by one
// keeps an interrupted build waiting.
const removeParallel = 8

// RemoveAll force-removes every container, running or not, that carries all labels
// (a label given with an empty value matches any value).
// It keeps going past individual failures and returns them joined, along with the
// short ids it did remove, sorted. Containers already gone are not errors.
func (e *Engine) RemoveAll(ctx context.Context, labels map[string]string) ([]string, error) {
	ids, _, err := e.remove(ctx, labels, true)
	return ids, err
}

// RemoveStale removes the matching containers that do not run.
func (e *Engine) RemoveStale(ctx context.Context, labels map[string]string) ([]string, int, error) {
	return e.remove(ctx, labels, false)
}

// remove removes the containers carrying labels, the running ones too when
// running; live counts the running ones it left.
func (e *Engine) remove(ctx context.Context, labels map[string]string, running bool) (ids []string, live int, err error) {
	if len(labels) == 0 {
		// An empty filter matches every container on the host.
		return nil, 0, fmt.Errorf("remove containers on %s: no labels given", e.host)
	}
	list, err := e.cli.ContainerList(ctx, containertypes.ListOptions{All: true, Filters: labelFilter(labels)})
	if err != nil {
		return nil, 0, fmt.Errorf("list containers on %s: %w", e.host, ctxErr(ctx, err))
	}
	if !running {
		list = slices.DeleteFunc(list, func(s containertypes.Summary) bool {
			alive := s.State == "running" || s.State == "restarting" || s.State == "paused"
			if alive {
				live++
			}
			return alive
		})
	}

	slices.SortFunc(list, func(a, b containertypes.Summary) int { return strings.Compare(a.ID, b.ID) })
	errs := make([]error, len(list))
	removed := make([]bool, len(list))
	sem := make(chan struct{}, removeParallel)
	var wg sync.WaitGroup
	for i, s := range list {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			err := e.cli.ContainerRemove(ctx, s.ID, containertypes.RemoveOptions{Force: true, RemoveVolumes: true})
			switch {
			case err == nil:
				removed[i] = true
			case !isNotFound(err) && !removing(err): // gone, or going: not ours to report
				errs[i] = fmt.Errorf("remove container %s on %s: %w", shortID(s.ID), e.host, ctxErr(ctx, err))
			}
		})
	}
	wg.Wait()
	for i, s := range list {
		if removed[i] {
			ids = append(ids, shortID(s.ID))
		}
	}
	return ids, live, errors.Join(errs...)
}

// labelFilter matches what carries all labels; a label given with an empty
// value matches whatever its value.
func labelFilter(labels map[string]string) filters.Args {
	args := filters.NewArgs()
	for k, v := range labels {
		if v == "" {
			args.Add("label", k)
		} else {
			args.Add("label", k+"="+v)
		}
	}
	return args
}

// removing reports whether err says another client is removing the container
// already (two matrix hosts may share one engine).
func removing(err error) bool {
	return cerrdefs.IsConflict(err) && strings.Contains(err.Error(), "already in progress")
}
