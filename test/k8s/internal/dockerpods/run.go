package dockerpods

import (
	"context"
	"fmt"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/volume"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// runPod takes a pod from created to terminal: volumes, init containers one
// after another, then the containers side by side, restarting them as the
// restart policy says. ctx ends when the pod is deleted.
func (p *Provider) runPod(ctx context.Context, k string, pod *corev1.Pod) {
	if d := pod.Spec.ActiveDeadlineSeconds; d != nil {
		go p.enforceDeadline(ctx, k, pod, time.Duration(*d)*time.Second)
	}
	vols, err := p.makeVolumes(ctx, pod)
	p.update(k, func(st *podState) { st.volumes = vols })
	if err != nil {
		p.failPod(k, "VolumeFailed", err.Error())
		return
	}
	if p.SandboxImage != "" {
		id, ip, err := p.makeSandbox(ctx, pod)
		p.update(k, func(st *podState) {
			st.sandbox = id
			if ip != "" { // the pod's address: its containers have none of their own
				st.pod.Status.PodIP = ip
				st.pod.Status.PodIPs = []corev1.PodIP{{IP: ip}}
			}
		})
		if err != nil {
			p.failPod(k, "SandboxFailed", err.Error())
			return
		}
	}

	for _, c := range pod.Spec.InitContainers {
		for {
			code, ok := p.runToEnd(ctx, k, pod, c, true)
			if !ok {
				return
			}
			if code == 0 {
				break
			}
			if pod.Spec.RestartPolicy == corev1.RestartPolicyNever {
				p.failPod(k, "InitContainerFailed", fmt.Sprintf("init container %s exited with code %d", c.Name, code))
				return
			}
			if !p.backoff(ctx, k, c.Name, true) {
				return
			}
		}
	}
	p.update(k, func(st *podState) { setCondition(st.pod, corev1.PodInitialized, true) })

	var wg sync.WaitGroup
	for _, c := range pod.Spec.Containers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				code, ok := p.runToEnd(ctx, k, pod, c, false)
				if !ok {
					return
				}
				switch pod.Spec.RestartPolicy {
				case corev1.RestartPolicyNever:
					return
				case corev1.RestartPolicyOnFailure:
					if code == 0 {
						return
					}
				}
				if !p.backoff(ctx, k, c.Name, false) {
					return
				}
			}
		}()
	}
	wg.Wait()
	p.update(k, func(st *podState) {
		if st.failed != "" {
			return
		}
		st.pod.Status.Phase = corev1.PodSucceeded
		for _, s := range st.pod.Status.ContainerStatuses {
			if t := s.State.Terminated; t == nil || t.ExitCode != 0 {
				st.pod.Status.Phase = corev1.PodFailed
			}
		}
	})
}

// runToEnd starts container c (creating it the first time) and waits for it to
// stop. ok is false when the pod ended meanwhile.
func (p *Provider) runToEnd(ctx context.Context, k string, pod *corev1.Pod, c corev1.Container, init bool) (code int, ok bool) {
	id, ok := p.containerFor(ctx, k, pod, c, init)
	if !ok {
		return 0, false
	}
	if err := p.docker.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
		if ctx.Err() != nil {
			return 0, false
		}
		p.setWaiting(k, c.Name, init, "RunContainerError", err.Error())
		return 128, true
	}
	info, err := p.docker.ContainerInspect(ctx, id)
	if err != nil {
		return 0, ctx.Err() == nil
	}
	p.update(k, func(st *podState) {
		s := p.status(st, c.Name, init)
		started, _ := time.Parse(time.RFC3339Nano, info.State.StartedAt)
		t := true
		if s.State.Terminated != nil {
			s.LastTerminationState = corev1.ContainerState{Terminated: s.State.Terminated}
		}
		s.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(started)}}
		s.Started, s.Ready = &t, !init
		s.ImageID = "docker://" + info.Image
		s.ContainerID = "docker://" + id
		if !init {
			if st.pod.Status.PodIP == "" && info.NetworkSettings != nil && info.NetworkSettings.IPAddress != "" {
				st.pod.Status.PodIP = info.NetworkSettings.IPAddress
				st.pod.Status.PodIPs = []corev1.PodIP{{IP: info.NetworkSettings.IPAddress}}
			}
			p.recomputeRunning(st)
		}
	})

	waitC, errC := p.docker.ContainerWait(ctx, id, container.WaitConditionNotRunning)
	select {
	case <-ctx.Done():
		return 0, false
	case err := <-errC:
		if ctx.Err() != nil {
			return 0, false
		}
		p.log.Warn("wait for container", "pod", k, "container", c.Name, "err", err)
	case <-waitC:
	}
	info, err = p.docker.ContainerInspect(context.WithoutCancel(ctx), id)
	if err != nil {
		return 0, ctx.Err() == nil
	}
	code = info.State.ExitCode
	p.update(k, func(st *podState) {
		s := p.status(st, c.Name, init)
		started, _ := time.Parse(time.RFC3339Nano, info.State.StartedAt)
		finished, _ := time.Parse(time.RFC3339Nano, info.State.FinishedAt)
		reason := "Completed"
		switch {
		case info.State.OOMKilled:
			reason = "OOMKilled"
		case code != 0:
			reason = "Error"
		}
		if st.failed == "DeadlineExceeded" {
			reason = "DeadlineExceeded"
		}
		f := false
		s.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			ExitCode:    int32(code),
			Reason:      reason,
			Message:     info.State.Error,
			StartedAt:   metav1.NewTime(started),
			FinishedAt:  metav1.NewTime(finished),
			ContainerID: "docker://" + id,
		}}
		s.Started, s.Ready = &f, false
		if !init {
			p.recomputeRunning(st)
		}
	})
	return code, true
}

// containerFor returns the Docker container for c, creating it on first use.
// A missing image is retried every two seconds (an image can be loaded later),
// with the container waiting as ErrImageNeverPull meanwhile.
func (p *Provider) containerFor(ctx context.Context, k string, pod *corev1.Pod, c corev1.Container, init bool) (string, bool) {
	p.mu.Lock()
	st, ok := p.pods[k]
	if !ok {
		p.mu.Unlock()
		return "", false
	}
	id := st.ids[c.Name]
	sandbox := st.sandbox
	vols := st.volumes
	p.mu.Unlock()
	if id != "" {
		return id, true
	}
	for {
		cfg, host, err := p.containerSpec(pod, c, vols)
		if err == nil && sandbox != "" {
			// The pod's network: its sandbox's, whose name and hosts it has.
			host.NetworkMode = container.NetworkMode("container:" + sandbox)
			cfg.Hostname = ""
		}
		if err != nil {
			p.setWaiting(k, c.Name, init, "CreateContainerConfigError", err.Error())
			if !sleep(ctx, 5*time.Second) {
				return "", false
			}
			continue
		}
		// Not under ctx: a create cancelled half-way may still finish in the
		// daemon, after Close's sweep; waiting for it gives the id to remove.
		resp, err := p.docker.ContainerCreate(context.WithoutCancel(ctx), cfg, host, nil, nil, containerName(pod, c))
		if err == nil {
			id = resp.ID
			break
		}
		if ctx.Err() != nil {
			return "", false
		}
		reason := "CreateContainerError"
		msg := err.Error()
		if cerrdefs.IsNotFound(err) {
			reason = "ErrImageNeverPull"
			msg = fmt.Sprintf("image %q is not on the Docker engine and paratest-k8s never pulls: docker load or docker import it", c.Image)
		}
		if cerrdefs.IsConflict(err) {
			// A container of this name from a deleted pod of the same name
			// and uid prefix: should not happen, but don't loop on it.
			p.setWaiting(k, c.Name, init, reason, msg)
			return "", false
		}
		p.setWaiting(k, c.Name, init, reason, msg)
		if !sleep(ctx, 2*time.Second) {
			return "", false
		}
	}
	p.mu.Lock()
	st, ok = p.pods[k]
	if ok && !st.deleted && ctx.Err() == nil {
		st.ids[c.Name] = id
	}
	p.mu.Unlock()
	if !ok || st.deleted || ctx.Err() != nil {
		// Deleted (or the node closed) while it was created: nobody else
		// knows of it.
		p.removeObjects(context.WithoutCancel(ctx), []string{id}, nil)
		return "", false
	}
	return id, true
}

// recomputeRunning sets the phase and readiness while containers run. Callers hold p.mu.
func (p *Provider) recomputeRunning(st *podState) {
	if st.failed != "" {
		return
	}
	all, any := true, false
	for _, s := range st.pod.Status.ContainerStatuses {
		if s.State.Running != nil {
			any = true
		} else {
			all = false
		}
	}
	if any && st.pod.Status.Phase == corev1.PodPending {
		st.pod.Status.Phase = corev1.PodRunning
	}
	setCondition(st.pod, corev1.ContainersReady, all)
	setCondition(st.pod, corev1.PodReady, all)
}

func (p *Provider) status(st *podState, name string, init bool) *corev1.ContainerStatus {
	if init {
		return statusOf(st.pod.Status.InitContainerStatuses, name)
	}
	return statusOf(st.pod.Status.ContainerStatuses, name)
}

func (p *Provider) setWaiting(k, name string, init bool, reason, msg string) {
	p.update(k, func(st *podState) {
		s := p.status(st, name, init)
		if w := s.State.Waiting; w != nil && w.Reason == reason && w.Message == msg {
			return
		}
		s.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: msg}}
	})
}

// backoff waits before a restart, as the kubelet does (10 s doubling to 5 min
// there; 1 s doubling to 10 s here), and counts the restart.
func (p *Provider) backoff(ctx context.Context, k, name string, init bool) bool {
	var n int32
	p.update(k, func(st *podState) {
		s := p.status(st, name, init)
		s.RestartCount++
		n = s.RestartCount
		last := s.State
		s.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off restarting container " + name}}
		s.LastTerminationState = last
	})
	return sleep(ctx, min(time.Second<<min(n-1, 4), 10*time.Second))
}

// failPod makes the pod Failed for good: it stops the containers, then
// reports the phase with their exit codes in one status.
func (p *Provider) failPod(k, reason, msg string) {
	p.mu.Lock()
	st, ok := p.pods[k]
	if !ok || st.deleted || st.failed != "" {
		p.mu.Unlock()
		return
	}
	st.failed = reason
	st.cancel()
	var ids []string
	for _, id := range st.ids {
		ids = append(ids, id)
	}
	grace := graceSeconds(st.pod)
	p.mu.Unlock()
	if len(ids) > 0 {
		p.stopAll(context.Background(), ids, grace)
	}
	p.recordExits(k, func(pod *corev1.Pod) {
		pod.Status.Phase = corev1.PodFailed
		pod.Status.Reason = reason
		pod.Status.Message = msg
	})
}

// recordExits fills in terminated states for containers still shown running
// or waiting, from what Docker says, and applies then to the pod in the same update.
func (p *Provider) recordExits(k string, then func(*corev1.Pod)) {
	p.mu.Lock()
	st, ok := p.pods[k]
	if !ok {
		p.mu.Unlock()
		return
	}
	ids := map[string]string{}
	for n, id := range st.ids {
		ids[n] = id
	}
	p.mu.Unlock()
	codes := map[string]container.InspectResponse{}
	for n, id := range ids {
		if info, err := p.docker.ContainerInspect(context.Background(), id); err == nil {
			codes[n] = info
		}
	}
	p.update(k, func(st *podState) {
		for _, list := range [][]corev1.ContainerStatus{st.pod.Status.InitContainerStatuses, st.pod.Status.ContainerStatuses} {
			for i := range list {
				s := &list[i]
				if s.State.Terminated != nil {
					continue
				}
				info, ok := codes[s.Name]
				if !ok || info.State.Running {
					continue
				}
				started, _ := time.Parse(time.RFC3339Nano, info.State.StartedAt)
				finished, _ := time.Parse(time.RFC3339Nano, info.State.FinishedAt)
				f := false
				s.Started, s.Ready = &f, false
				s.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
					ExitCode: int32(info.State.ExitCode), Reason: st.failed,
					StartedAt: metav1.NewTime(started), FinishedAt: metav1.NewTime(finished), ContainerID: s.ContainerID,
				}}
			}
		}
		terminateAll(st.pod, st.failed, 137)
		then(st.pod)
	})
}

// enforceDeadline fails the pod once it has been active for d, as the kubelet
// does for activeDeadlineSeconds.
func (p *Provider) enforceDeadline(ctx context.Context, k string, pod *corev1.Pod, d time.Duration) {
	start := time.Now()
	if pod.Status.StartTime != nil {
		start = pod.Status.StartTime.Time
	}
	if !sleep(ctx, time.Until(start.Add(d))) {
		return
	}
	p.failPod(k, "DeadlineExceeded", "Pod was active on the node longer than the specified deadline")
}

func (p *Provider) makeVolumes(ctx context.Context, pod *corev1.Pod) ([]string, error) {
	var made []string
	for _, v := range pod.Spec.Volumes {
		if src := fileVolume(v); src != nil {
			if err := p.writeFiles(ctx, pod, v, src); err != nil {
				return made, err
			}
			continue
		}
		if v.EmptyDir == nil {
			continue
		}
		opts := volume.CreateOptions{Name: volumeName(pod, v.Name), Labels: p.labels(pod, "")}
		if v.EmptyDir.Medium == corev1.StorageMediumMemory {
			opts.DriverOpts = map[string]string{"type": "tmpfs", "device": "tmpfs"}
			if l := v.EmptyDir.SizeLimit; l != nil {
				opts.DriverOpts["o"] = fmt.Sprintf("size=%d", l.Value())
			}
		}
		if _, err := p.docker.VolumeCreate(ctx, opts); err != nil {
			return made, fmt.Errorf("docker volume create %s: %w", opts.Name, err)
		}
		made = append(made, opts.Name)
	}
	return made, nil
}

func (p *Provider) stopAll(ctx context.Context, ids []string, grace int) {
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := p.docker.ContainerStop(ctx, id, container.StopOptions{Timeout: &grace})
			if err != nil && !cerrdefs.IsNotFound(err) {
				p.log.Warn("docker stop", "container", id, "err", err)
			}
		}()
	}
	wg.Wait()
}

func (p *Provider) removeObjects(ctx context.Context, ids, vols []string) {
	for _, id := range ids {
		err := p.docker.ContainerRemove(ctx, id, container.RemoveOptions{Force: true, RemoveVolumes: true})
		if err != nil && !cerrdefs.IsNotFound(err) {
			p.log.Warn("docker rm", "container", id, "err", err)
		}
	}
	for _, v := range vols {
		err := p.docker.VolumeRemove(ctx, v, true)
		if err != nil && !cerrdefs.IsNotFound(err) {
			p.log.Warn("docker volume rm", "volume", v, "err", err)
		}
	}
}

// makeSandbox starts the container that holds pod's network namespace: the pod's
// host name, its hostAliases in /etc/hosts, an address on Docker's bridge.
func (p *Provider) makeSandbox(ctx context.Context, pod *corev1.Pod) (id, ip string, err error) {
	hostname := pod.Spec.Hostname
	if hostname == "" {
		hostname = pod.Name
	}
	if len(hostname) > 63 {
		hostname = hostname[:63]
	}
	var hosts []string
	for _, a := range pod.Spec.HostAliases {
		for _, h := range a.Hostnames {
			hosts = append(hosts, h+":"+a.IP)
		}
	}
	cfg := &container.Config{
		Image:      p.SandboxImage,
		Entrypoint: []string{"/bin/sh", "-c", "trap 'exit 0' TERM; while :; do sleep 3600 & wait; done"},
		Hostname:   hostname,
		Labels:     p.labels(pod, "sandbox"),
	}
	resp, err := p.docker.ContainerCreate(context.WithoutCancel(ctx), cfg, &container.HostConfig{ExtraHosts: hosts}, nil, nil, containerName(pod, corev1.Container{Name: "sandbox"}))
	if err != nil {
		return "", "", fmt.Errorf("pod sandbox: %w", err)
	}
	if err := p.docker.ContainerStart(ctx, resp.ID, container.StartOptions{}); err != nil {
		return resp.ID, "", fmt.Errorf("pod sandbox: %w", err)
	}
	if info, err := p.docker.ContainerInspect(ctx, resp.ID); err == nil && info.NetworkSettings != nil {
		ip = info.NetworkSettings.IPAddress
	}
	return resp.ID, ip, nil
}
