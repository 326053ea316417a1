// Package dockerpods is a virtual-kubelet provider that runs each pod's
// containers as real containers on the local Docker engine. It owns the
// containers and volumes it labels with its run (see Labels) and nothing else.
//
// Supported: command/args (with $(VAR) expansion), env, workingDir, tty/stdin,
// runAsUser/Group, privileged, capabilities, read-only root, memory and CPU
// limits, emptyDir (one Docker volume per pod volume, shared by its
// containers; medium Memory is tmpfs) and hostPath volumes, projected,
// configMap, secret and downwardAPI volumes (files written once at the pod's
// start, mounted read-only: the service-account token from the TokenRequest
// API bound to the pod, config maps' and secrets' keys, the pod's name,
// namespace, uid, nodeName and serviceAccountName), with an APIServer the
// variables KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT at its address
// (so in-cluster clients work), init containers run in order to completion,
// restartPolicy, activeDeadlineSeconds, exec, attach, logs (follow, tail,
// since, timestamps, limitBytes), and with a SandboxImage one network
// namespace per pod (its containers reach each other at 127.0.0.1; hostAliases
// in its /etc/hosts).
// Not supported: image pulls (an image must be present: a container waits with
// reason ErrImageNeverPull), probes (a started container is ready), token
// refresh and config map updates in mounted volumes, subPath on them,
// downwardAPI resourceFieldRef, persistentVolumeClaim and other volumes
// (skipped), port-forward.
package dockerpods

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/docker/docker/client"
	"github.com/virtual-kubelet/virtual-kubelet/errdefs"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Label keys put on every container and volume the provider makes.
const (
	LabelRun       = "paratest-k8s.run"       // the owning process: "<pid>"
	LabelPod       = "paratest-k8s.pod"       // "<namespace>/<name>"
	LabelPodUID    = "paratest-k8s.pod-uid"   //
	LabelContainer = "paratest-k8s.container" // the container's name in the pod
)

// Provider implements nodeutil.Provider and node.PodNotifier.
type Provider struct {
	// SandboxImage, when set, holds each pod's network namespace, as a
	// kubelet's pause container does: an image with a busybox sh. Every
	// container of the pod joins it (they reach each other at 127.0.0.1) and
	// its /etc/hosts carries the pod's hostAliases. Empty: each container has
	// a network of its own.
	SandboxImage string
	// APIServer is host:port where the containers reach the apiserver, set
	// in each as KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT (and
	// the other variables of the kubernetes service) in place of the
	// service's cluster IP; empty: the cluster IP's are left.
	APIServer string
	// Client reads what volumes hold (tokens, config maps, secrets) with the
	// node's credentials; VolumeDir is where their files are written.
	Client    kubernetes.Interface
	VolumeDir string

	docker *client.Client
	run    string // LabelRun's value
	log    *slog.Logger

	mu     sync.Mutex
	pods   map[string]*podState // by namespace/name
	closed bool
	runs   sync.WaitGroup // the pods' runPod goroutines

	// Status changes go to the pod controller in the order they were made,
	// through one goroutine, so a stale status never overtakes a newer one
	// and no lock is held while the controller's callback runs.
	queue    []*corev1.Pod
	queued   chan struct{}
	notifyFn func(*corev1.Pod)
}

// podState is one pod the provider runs. Its fields are guarded by Provider.mu.
type podState struct {
	pod     *corev1.Pod // the spec as created, with the current status
	cancel  context.CancelFunc
	ids     map[string]string // container name → Docker id
	volumes []string          // Docker volumes made for the pod
	sandbox string            // the Docker id of the pod's network sandbox; "" without one
	// failed, once set, is the terminal reason (DeadlineExceeded, an init
	// container's failure): later container exits do not change the phase.
	failed  string
	deleted bool
}

// New returns a provider using docker. run identifies this process's objects.
func New(docker *client.Client, run string, log *slog.Logger) *Provider {
	return &Provider{docker: docker, run: run, log: log, pods: map[string]*podState{}, queued: make(chan struct{}, 1)}
}

func key(namespace, name string) string { return namespace + "/" + name }

// NotifyPods registers the pod controller's callback and starts delivering.
func (p *Provider) NotifyPods(ctx context.Context, fn func(*corev1.Pod)) {
	p.mu.Lock()
	p.notifyFn = fn
	p.mu.Unlock()
	go p.deliver(ctx)
}

func (p *Provider) deliver(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.queued:
		}
		for {
			p.mu.Lock()
			if len(p.queue) == 0 || p.notifyFn == nil {
				p.mu.Unlock()
				break
			}
			pod, fn := p.queue[0], p.notifyFn
			p.queue = p.queue[1:]
			p.mu.Unlock()
			fn(pod)
		}
	}
}

// changed queues a snapshot of st's pod for the controller. Callers hold p.mu.
func (p *Provider) changed(st *podState) {
	p.queue = append(p.queue, st.pod.DeepCopy())
	select {
	case p.queued <- struct{}{}:
	default:
	}
}

// update runs fn on the pod's state under the lock and reports the change,
// unless the pod is gone.
func (p *Provider) update(k string, fn func(st *podState)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st, ok := p.pods[k]
	if !ok || st.deleted {
		return
	}
	fn(st)
	p.changed(st)
}

// CreatePod starts running pod in the background; its progress arrives through NotifyPods.
func (p *Provider) CreatePod(ctx context.Context, pod *corev1.Pod) error {
	k := key(pod.Namespace, pod.Name)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errors.New("the node is shutting down")
	}
	if _, ok := p.pods[k]; ok {
		return nil
	}
	pod = pod.DeepCopy()
	now := metav1.Now()
	pod.Status = corev1.PodStatus{
		Phase:     corev1.PodPending,
		HostIP:    "127.0.0.1",
		HostIPs:   []corev1.HostIP{{IP: "127.0.0.1"}},
		StartTime: &now,
		Conditions: []corev1.PodCondition{
			{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: now},
			{Type: corev1.PodInitialized, Status: corev1.ConditionFalse, LastTransitionTime: now},
			{Type: corev1.ContainersReady, Status: corev1.ConditionFalse, LastTransitionTime: now},
			{Type: corev1.PodReady, Status: corev1.ConditionFalse, LastTransitionTime: now},
		},
	}
	for _, c := range pod.Spec.InitContainers {
		pod.Status.InitContainerStatuses = append(pod.Status.InitContainerStatuses, waiting(c, "PodInitializing", ""))
	}
	for _, c := range pod.Spec.Containers {
		pod.Status.ContainerStatuses = append(pod.Status.ContainerStatuses, waiting(c, "ContainerCreating", ""))
	}
	// The pod runs on the provider's life, not the request's.
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	st := &podState{pod: pod, cancel: cancel, ids: map[string]string{}}
	p.pods[k] = st
	p.changed(st)
	p.runs.Add(1)
	go func() {
		defer p.runs.Done()
		p.runPod(runCtx, k, pod.DeepCopy())
	}()
	return nil
}

// Close stops running pods: no container is created or started after it
// returns, so that removing everything labelled with the run is final. The
// containers themselves stay for that removal (see RemoveLeftovers).
func (p *Provider) Close() {
	p.mu.Lock()
	p.closed = true
	for _, st := range p.pods {
		st.cancel()
	}
	p.mu.Unlock()
	p.runs.Wait()
}

// UpdatePod accepts the few mutable fields without acting on them.
func (p *Provider) UpdatePod(ctx context.Context, pod *corev1.Pod) error { return nil }

// DeletePod removes the pod's containers and volumes and reports it terminated.
func (p *Provider) DeletePod(ctx context.Context, pod *corev1.Pod) error {
	k := key(pod.Namespace, pod.Name)
	p.mu.Lock()
	st, ok := p.pods[k]
	if !ok {
		p.mu.Unlock()
		return errdefs.NotFoundf("pod %s is not on this node", k)
	}
	st.cancel()
	ids := make([]string, 0, len(st.ids))
	for _, id := range st.ids {
		ids = append(ids, id)
	}
	vols := st.volumes
	grace := graceSeconds(pod)
	if st.sandbox != "" { // last: the others use its network
		defer p.removeObjects(ctx, []string{st.sandbox}, nil)
	}
	p.mu.Unlock()

	p.stopAll(ctx, ids, grace)
	p.removeObjects(ctx, ids, vols)
	if p.VolumeDir != "" {
		if err := os.RemoveAll(p.podDir(pod)); err != nil {
			p.log.Warn("remove the pod's volume files", "pod", k, "err", err)
		}
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	if st.deleted {
		return nil
	}
	terminateAll(st.pod, "Killed", 137)
	if st.pod.Status.Phase != corev1.PodSucceeded {
		st.pod.Status.Phase = corev1.PodFailed
	}
	p.changed(st)
	st.deleted = true
	delete(p.pods, k)
	return nil
}

// GetPod returns the pod with its current status.
func (p *Provider) GetPod(ctx context.Context, namespace, name string) (*corev1.Pod, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st, ok := p.pods[key(namespace, name)]
	if !ok {
		return nil, errdefs.NotFoundf("pod %s/%s is not on this node", namespace, name)
	}
	return st.pod.DeepCopy(), nil
}

// GetPodStatus returns the pod's current status.
func (p *Provider) GetPodStatus(ctx context.Context, namespace, name string) (*corev1.PodStatus, error) {
	pod, err := p.GetPod(ctx, namespace, name)
	if err != nil {
		return nil, err
	}
	return &pod.Status, nil
}

// GetPods returns every pod the provider runs, sorted by namespace/name.
func (p *Provider) GetPods(ctx context.Context) ([]*corev1.Pod, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	keys := make([]string, 0, len(p.pods))
	for k := range p.pods {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]*corev1.Pod, 0, len(keys))
	for _, k := range keys {
		out = append(out, p.pods[k].pod.DeepCopy())
	}
	return out, nil
}

func graceSeconds(pod *corev1.Pod) int {
	g := 30
	if pod.DeletionGracePeriodSeconds != nil {
		g = int(*pod.DeletionGracePeriodSeconds)
	} else if pod.Spec.TerminationGracePeriodSeconds != nil {
		g = int(*pod.Spec.TerminationGracePeriodSeconds)
	}
	// A test cluster: nobody waits half a minute for a worker to go.
	return min(max(g, 0), 10)
}

func waiting(c corev1.Container, reason, msg string) corev1.ContainerStatus {
	return corev1.ContainerStatus{
		Name:  c.Name,
		Image: c.Image,
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: msg}},
	}
}

// terminateAll marks every container that is not yet terminated as ended
// with reason and code.
func terminateAll(pod *corev1.Pod, reason string, code int32) {
	now := metav1.Now()
	for _, list := range [][]corev1.ContainerStatus{pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses} {
		for i := range list {
			s := &list[i]
			if s.State.Terminated != nil {
				continue
			}
			started := now
			if s.State.Running != nil {
				started = s.State.Running.StartedAt
			}
			s.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
				ExitCode: code, Reason: reason, StartedAt: started, FinishedAt: now, ContainerID: s.ContainerID,
			}}
			s.Ready = false
			f := false
			s.Started = &f
		}
	}
	setCondition(pod, corev1.ContainersReady, false)
	setCondition(pod, corev1.PodReady, false)
}

func setCondition(pod *corev1.Pod, t corev1.PodConditionType, ok bool) {
	status := corev1.ConditionFalse
	if ok {
		status = corev1.ConditionTrue
	}
	for i := range pod.Status.Conditions {
		c := &pod.Status.Conditions[i]
		if c.Type == t {
			if c.Status != status {
				c.Status = status
				c.LastTransitionTime = metav1.Now()
			}
			return
		}
	}
	pod.Status.Conditions = append(pod.Status.Conditions, corev1.PodCondition{Type: t, Status: status, LastTransitionTime: metav1.Now()})
}

func statusOf(list []corev1.ContainerStatus, name string) *corev1.ContainerStatus {
	for i := range list {
		if list[i].Name == name {
			return &list[i]
		}
	}
	return nil
}

// sleep waits d or until ctx ends, and says whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
