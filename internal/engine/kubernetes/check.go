package kubernetes

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	authv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/jenkins-paratest/jenkins-paratest/internal/agent"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
)

// Permission is one verb on one resource of the namespace.
type Permission struct {
	Verb     string
	Resource string // "pods", "pods/exec"
}

func (p Permission) String() string { return p.Verb + " " + p.Resource }

// Permissions are exactly the verbs the engine uses, as docs/kubernetes.md's
// Role grants them: a run needs all but resourcequotas, which check reads.
var Permissions = []Permission{
	{"create", "pods"},
	{"get", "pods"},
	{"list", "pods"},
	{"delete", "pods"},
	{"create", "pods/exec"}, // SPDY's POST; a WebSocket GET needs both (1.35 on)
	{"get", "pods/exec"},    // a WebSocket GET
	{"get", "pods/log"},
	{"list", "resourcequotas"},
}

// MissingPermissions asks the API server, with a SelfSubjectAccessReview
// each, which of Permissions the credentials lack in the namespace.
func (e *Engine) MissingPermissions(ctx context.Context) ([]Permission, error) {
	var missing []Permission
	for _, p := range Permissions {
		res, sub, _ := strings.Cut(p.Resource, "/")
		r, err := e.client.Review(ctx, &authv1.SelfSubjectAccessReview{
			Spec: authv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authv1.ResourceAttributes{
				Namespace: e.namespace, Verb: p.Verb, Resource: res, Subresource: sub,
			}},
		})
		if err != nil {
			return nil, fmt.Errorf("access review of %s: %w", p, err)
		}
		if !r.Status.Allowed {
			missing = append(missing, p)
		}
	}
	return missing, nil
}

// MissingMessage says what a Role lacks, for people: "RBAC: namespace ci
// denies create pods/exec, get pods/log: grant them in the Role (docs/kubernetes.md)".
func (e *Engine) MissingMessage(missing []Permission) string {
	var s []string
	for _, p := range missing {
		s = append(s, p.String())
	}
	return fmt.Sprintf("RBAC: namespace %s denies %s: add them to the Role bound to these credentials (docs/kubernetes.md)", e.namespace, strings.Join(s, ", "))
}

// QuotaProblems compares the namespace's ResourceQuotas with what workers
// pods of spec's kind ask for, and says what does not fit, sorted.
func (e *Engine) QuotaProblems(ctx context.Context, spec engine.ContainerSpec, workers int) ([]string, error) {
	list, err := e.client.ListQuotas(ctx)
	if err != nil {
		return nil, fmt.Errorf("list resourcequotas in %s: %w", e.namespace, err)
	}
	pod, err := e.podFor(spec, corev1.PullIfNotPresent)
	if err != nil {
		return nil, err
	}
	need := podNeeds(pod)
	need[corev1.ResourcePods] = *resource.NewQuantity(1, resource.DecimalSI)
	var out []string
	for _, q := range list.Items {
		hards := q.Status.Hard
		if len(hards) == 0 { // the quota controller has not counted yet
			hards = q.Spec.Hard
		}
		for name, hard := range hards {
			per, ok := need[name]
			if !ok {
				if computeQuota[name] { // the API server refuses pods that do not declare it
					out = append(out, fmt.Sprintf("quota %s limits %s, which the pods do not set: set resources in the pod template's worker container", q.Name, name))
				}
				continue
			}
			left := hard.DeepCopy()
			left.Sub(q.Status.Used[name])
			total := per.DeepCopy()
			for range workers - 1 {
				total.Add(per)
			}
			if total.Cmp(left) > 0 {
				out = append(out, fmt.Sprintf("quota %s: %s: %d workers × %s = %s, but %s of %s is left", q.Name, name, workers, per.String(), total.String(), left.String(), hard.String()))
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// computeQuota are the quota resources a pod must declare to be admitted.
var computeQuota = map[corev1.ResourceName]bool{
	corev1.ResourceCPU: true, corev1.ResourceMemory: true,
	corev1.ResourceRequestsCPU: true, corev1.ResourceRequestsMemory: true,
	corev1.ResourceLimitsCPU: true, corev1.ResourceLimitsMemory: true,
}

// podNeeds is what a pod counts against a quota: its containers' requests
// and limits summed, or its largest init container's when larger.
func podNeeds(pod *corev1.Pod) corev1.ResourceList {
	out := corev1.ResourceList{}
	add := func(prefix string, rl corev1.ResourceList, sum bool) {
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			q, ok := rl[r]
			if !ok {
				continue
			}
			name := corev1.ResourceName(prefix + string(r))
			cur, had := out[name]
			switch {
			case !had:
				out[name] = q.DeepCopy()
			case sum:
				cur.Add(q)
				out[name] = cur
			case q.Cmp(cur) > 0:
				out[name] = q.DeepCopy()
			}
		}
	}
	for _, c := range pod.Spec.Containers {
		req := c.Resources.Requests
		if req == nil { // requests default to the limits
			req = c.Resources.Limits
		}
		add("requests.", req, true)
		add("limits.", c.Resources.Limits, true)
	}
	for _, c := range pod.Spec.InitContainers {
		req := c.Resources.Requests
		if req == nil {
			req = c.Resources.Limits
		}
		add("requests.", req, false)
		add("limits.", c.Resources.Limits, false)
	}
	// "cpu" and "memory" in a quota are requests.
	if q, ok := out[corev1.ResourceRequestsCPU]; ok {
		out[corev1.ResourceCPU] = q
	}
	if q, ok := out[corev1.ResourceRequestsMemory]; ok {
		out[corev1.ResourceMemory] = q
	}
	return out
}

// TryImage starts a short-lived pod of image with the agent, as a worker's,
// and deletes it: the nodes can pull both images (with the template's
// imagePullSecrets) and the agent runs. labels mark it for clean-up.
func (e *Engine) TryImage(ctx context.Context, image string, labels map[string]string) (time.Duration, error) {
	start := time.Now()
	c, err := e.Start(ctx, engine.ContainerSpec{
		Image:  image,
		Name:   "paratest-check",
		Labels: labels,
		Cmd:    []string{agent.Path, "agent", "idle", "--orphan-ttl", "30s"},
	})
	if c != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = c.Remove(cctx)
	}
	return time.Since(start), err
}
