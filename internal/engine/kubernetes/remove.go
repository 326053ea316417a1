package kubernetes

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// selector is the label selector of labels: key=value, or key alone for an
// empty value (any value), sorted.
func selector(labels map[string]string) string {
	var parts []string
	for k, v := range labels {
		if v == "" {
			parts = append(parts, k)
		} else {
			parts = append(parts, k+"="+labelValue(v))
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// RemoveAll deletes every pod of the namespace carrying the labels and returns
// their names, sorted.
func (e *Engine) RemoveAll(ctx context.Context, labels map[string]string) ([]string, error) {
	removed, _, err := e.remove(ctx, labels, func(*corev1.Pod) bool { return true })
	return removed, err
}

// RemoveStale deletes the pods with the labels that do not run (their agent
// stopped at its orphan TTL, the deadline ended them, or they never started);
// live is how many running ones it left.
func (e *Engine) RemoveStale(ctx context.Context, labels map[string]string) ([]string, int, error) {
	return e.remove(ctx, labels, func(p *corev1.Pod) bool { return p.Status.Phase != corev1.PodRunning })
}

func (e *Engine) remove(ctx context.Context, labels map[string]string, stale func(*corev1.Pod) bool) (removed []string, live int, err error) {
	list, err := e.client.ListPods(ctx, selector(labels))
	if err != nil {
		return nil, 0, fmt.Errorf("list pods in %s: %w", e.namespace, err)
	}
	for i := range list.Items {
		p := &list.Items[i]
		if !stale(p) {
			live++
			continue
		}
		if err := e.deletePod(ctx, p.Name); err != nil {
			sort.Strings(removed)
			return removed, live, err
		}
		removed = append(removed, p.Name)
	}
	sort.Strings(removed)
	return removed, live, nil
}
