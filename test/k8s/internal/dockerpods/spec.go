package dockerpods

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/kubernetes/third_party/forked/golang/expansion"
)

// labels are put on everything made for pod; container "" for its volumes.
func (p *Provider) labels(pod *corev1.Pod, c string) map[string]string {
	l := map[string]string{
		LabelRun:    p.run,
		LabelPod:    pod.Namespace + "/" + pod.Name,
		LabelPodUID: string(pod.UID),
	}
	if c != "" {
		l[LabelContainer] = c
	}
	return l
}

// containerName is the Docker name, in the dockershim's shape, so `docker ps`
// shows which pod a container is.
func containerName(pod *corev1.Pod, c corev1.Container) string {
	return fmt.Sprintf("k8s_%s_%s_%s_%s", c.Name, pod.Name, pod.Namespace, shortUID(pod))
}

func volumeName(pod *corev1.Pod, v string) string {
	return fmt.Sprintf("k8s_%s_%s_%s_%s", v, pod.Name, pod.Namespace, shortUID(pod))
}

func shortUID(pod *corev1.Pod) string {
	u := string(pod.UID)
	if len(u) > 8 {
		u = u[:8]
	}
	return u
}

// containerSpec maps a pod's container to Docker's create parameters.
func (p *Provider) containerSpec(pod *corev1.Pod, c corev1.Container, vols []string) (*container.Config, *container.HostConfig, error) {
	// c.Env is virtual-kubelet's: the spec's with valueFrom resolved and
	// the kubernetes service's variables added, at its cluster IP, which
	// nothing routes here; those say where the apiserver answers instead.
	api := p.apiEnv()
	env := make([]string, 0, len(c.Env)+len(api))
	envMap := map[string]string{}
	for _, e := range c.Env {
		if _, ok := api[e.Name]; ok {
			continue
		}
		env = append(env, e.Name+"="+e.Value)
		envMap[e.Name] = e.Value
	}
	names := make([]string, 0, len(api))
	for n := range api {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		env = append(env, n+"="+api[n])
		envMap[n] = api[n]
	}
	mapping := expansion.MappingFuncFor(envMap)
	expand := func(in []string) []string {
		if in == nil {
			return nil
		}
		out := make([]string, len(in))
		for i, s := range in {
			out[i] = expansion.Expand(s, mapping)
		}
		return out
	}

	hostname := pod.Spec.Hostname
	if hostname == "" {
		hostname = pod.Name
	}
	if len(hostname) > 63 {
		hostname = hostname[:63]
	}
	cfg := &container.Config{
		Image:      c.Image,
		Entrypoint: expand(c.Command),
		Cmd:        expand(c.Args),
		Env:        env,
		WorkingDir: c.WorkingDir,
		Tty:        c.TTY,
		OpenStdin:  c.Stdin,
		StdinOnce:  c.StdinOnce,
		Hostname:   hostname,
		Labels:     p.labels(pod, c.Name),
	}
	host := &container.HostConfig{}
	if sc := c.SecurityContext; sc != nil {
		user := ""
		if sc.RunAsUser != nil {
			user = fmt.Sprint(*sc.RunAsUser)
		} else if psc := pod.Spec.SecurityContext; psc != nil && psc.RunAsUser != nil {
			user = fmt.Sprint(*psc.RunAsUser)
		}
		if sc.RunAsGroup != nil && user != "" {
			user += fmt.Sprintf(":%d", *sc.RunAsGroup)
		}
		cfg.User = user
		if sc.Privileged != nil {
			host.Privileged = *sc.Privileged
		}
		if sc.ReadOnlyRootFilesystem != nil {
			host.ReadonlyRootfs = *sc.ReadOnlyRootFilesystem
		}
		if caps := sc.Capabilities; caps != nil {
			for _, a := range caps.Add {
				host.CapAdd = append(host.CapAdd, string(a))
			}
			for _, d := range caps.Drop {
				host.CapDrop = append(host.CapDrop, string(d))
			}
		}
	} else if psc := pod.Spec.SecurityContext; psc != nil && psc.RunAsUser != nil {
		cfg.User = fmt.Sprint(*psc.RunAsUser)
	}

	if m, ok := c.Resources.Limits[corev1.ResourceMemory]; ok {
		host.Memory = m.Value()
	}
	if cpu, ok := c.Resources.Limits[corev1.ResourceCPU]; ok {
		host.NanoCPUs = cpu.MilliValue() * 1_000_000
	}
	if cpu, ok := c.Resources.Requests[corev1.ResourceCPU]; ok {
		host.CPUShares = max(cpu.MilliValue()*1024/1000, 2)
	}

	made := map[string]bool{}
	for _, v := range vols {
		made[v] = true
	}
	byName := map[string]corev1.Volume{}
	for _, v := range pod.Spec.Volumes {
		byName[v.Name] = v
	}
	for _, vm := range c.VolumeMounts {
		v, ok := byName[vm.Name]
		if !ok {
			return nil, nil, fmt.Errorf("container %s mounts volume %s, which the pod does not declare", c.Name, vm.Name)
		}
		switch {
		case v.EmptyDir != nil:
			name := volumeName(pod, v.Name)
			if !made[name] {
				return nil, nil, fmt.Errorf("volume %s was not made", v.Name)
			}
			if vm.SubPath != "" {
				// Docker mounts a volume's subpath only from API 1.45 on.
				return nil, nil, fmt.Errorf("container %s: subPath on emptyDir %s is not supported by paratest-k8s", c.Name, vm.Name)
			}
			host.Mounts = append(host.Mounts, mount.Mount{Type: mount.TypeVolume, Source: name, Target: vm.MountPath, ReadOnly: vm.ReadOnly})
		case fileVolume(v) != nil: // written by makeVolumes
			if vm.SubPath != "" {
				return nil, nil, fmt.Errorf("container %s: subPath on volume %s is not supported by paratest-k8s", c.Name, vm.Name)
			}
			src := filepath.Join(p.podDir(pod), v.Name)
			host.Mounts = append(host.Mounts, mount.Mount{Type: mount.TypeBind, Source: src, Target: vm.MountPath, ReadOnly: true})
		case v.HostPath != nil:
			src := v.HostPath.Path
			if vm.SubPath != "" {
				src = strings.TrimSuffix(src, "/") + "/" + vm.SubPath
			}
			host.Mounts = append(host.Mounts, mount.Mount{Type: mount.TypeBind, Source: src, Target: vm.MountPath, ReadOnly: vm.ReadOnly})
		default:
			// persistentVolumeClaim, ephemeral, …: not supported; the mount
			// is left out rather than failing the pod.
		}
	}
	return cfg, host, nil
}
