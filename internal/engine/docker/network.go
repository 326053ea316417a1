package docker

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/docker/docker/api/types/network"
)

// Network creates a bridge network with labels; one of that name that exists
// already is kept. Containers started with ContainerSpec.Network join it.
func (e *Engine) Network(ctx context.Context, name string, labels map[string]string) error {
	_, err := e.cli.NetworkCreate(ctx, name, network.CreateOptions{Driver: "bridge", Labels: labels})
	switch {
	case err == nil:
		return nil
	case isConflict(err) || strings.Contains(err.Error(), "already exists"):
		return nil
	case strings.Contains(err.Error(), "address pool"):
		// Docker's default address pools hold about 30 networks.
		return fmt.Errorf("create network %s on %s: the engine has no address range left for another network (%v): "+
			"fewer workers with services on this host, or more default-address-pools in its daemon.json", name, e.host, oneLine(err.Error()))
	}
	return fmt.Errorf("create network %s on %s: %w", name, e.host, ctxErr(ctx, err))
}

// RemoveNetworks removes the networks carrying all labels (an empty value
// matches any) that no container uses, and returns their names, sorted; one in
// use stays, and is not an error.
func (e *Engine) RemoveNetworks(ctx context.Context, labels map[string]string) ([]string, error) {
	if len(labels) == 0 {
		return nil, fmt.Errorf("remove networks on %s: no labels given", e.host)
	}
	list, err := e.cli.NetworkList(ctx, network.ListOptions{Filters: labelFilter(labels)})
	if err != nil {
		return nil, fmt.Errorf("list networks on %s: %w", e.host, ctxErr(ctx, err))
	}
	var removed []string
	for _, n := range list {
		if err := e.cli.NetworkRemove(ctx, n.ID); err != nil {
			if isNotFound(err) || isConflict(err) || strings.Contains(err.Error(), "active endpoints") {
				continue // gone, or in use
			}
			return removed, fmt.Errorf("remove network %s on %s: %w", n.Name, e.host, ctxErr(ctx, err))
		}
		removed = append(removed, n.Name)
	}
	slices.Sort(removed)
	return removed, nil
}
