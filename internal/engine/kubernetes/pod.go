package kubernetes

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/jenkins-paratest/jenkins-paratest/internal/agent"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
)

// The pod's own parts.
const (
	// WorkerContainer is the container that runs the agent and the tests.
	WorkerContainer = "worker"
	// AgentBinary is where the agent image holds the static binary.
	AgentBinary   = "/jenkins-paratest"
	agentInit     = "paratest-agent"   // the init container that installs the agent
	agentVolume   = "paratest-agent"   // the emptyDir it installs it into
	scratchVolume = "paratest-scratch" // ContainerSpec.Scratch: an emptyDir in memory
	maxPodName    = 63                 // a pod's host name is its name: a DNS label
	podNameSuffix = 6                  // "-" and 5 random characters
)

// agentDir is where the worker container mounts the agent's emptyDir.
var agentDir = path.Dir(agent.Path)

// podFor is the pod that runs spec: the template filled with the worker
// container, the agent's init container and emptyDir, the labels, restart
// policy Never and the deadline.
func (e *Engine) podFor(spec engine.ContainerSpec, pull corev1.PullPolicy) (*corev1.Pod, error) {
	t := e.opts.Template.DeepCopy()
	for _, m := range spec.Mounts {
		if m.Target != agentDir { // the runner's agent volume: the init container's here
			return nil, fmt.Errorf("mount %s at %s: %w (volumes come from the pod template)", m.Volume, m.Target, ErrNotSupported)
		}
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:        podName(spec.Name),
			Namespace:   e.namespace,
			Labels:      t.Labels,
			Annotations: t.Annotations,
		},
		Spec: t.Spec,
	}
	if pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	if pod.Annotations == nil {
		pod.Annotations = map[string]string{}
	}
	for k, v := range spec.Labels {
		pod.Labels[k] = labelValue(v)
		if labelValue(v) != v { // the value as given, for people
			pod.Annotations[k] = v
		}
	}
	s := &pod.Spec
	s.RestartPolicy = corev1.RestartPolicyNever
	if d := int64(e.opts.ActiveDeadline.Seconds()); d > 0 && (s.ActiveDeadlineSeconds == nil || *s.ActiveDeadlineSeconds > d) {
		s.ActiveDeadlineSeconds = &d
	}
	if s.EnableServiceLinks == nil { // the namespace's services as variables would reach every test
		no := false
		s.EnableServiceLinks = &no
	}
	var grace int64 // the agent exits at once on SIGTERM
	if s.TerminationGracePeriodSeconds == nil {
		s.TerminationGracePeriodSeconds = &grace
	}

	// The worker container: the template's "worker" (or first) container,
	// with the test image running the agent.
	var w corev1.Container
	rest := s.Containers[:0:0]
	found := false
	for i, c := range s.Containers {
		if !found && (c.Name == WorkerContainer || (i == 0 && !hasContainer(s.Containers, WorkerContainer))) {
			w, found = c, true
			continue
		}
		rest = append(rest, c)
	}
	w.Name, w.Image, w.Command, w.Args = WorkerContainer, spec.Image, spec.Cmd, nil
	if w.ImagePullPolicy == "" {
		w.ImagePullPolicy = pull
	}
	for _, kv := range spec.Env {
		k, v, _ := strings.Cut(kv, "=")
		w.Env = append(w.Env, corev1.EnvVar{Name: k, Value: v})
	}
	w.VolumeMounts = append(w.VolumeMounts, corev1.VolumeMount{Name: agentVolume, MountPath: agentDir, ReadOnly: true})
	if spec.Scratch != "" {
		w.VolumeMounts = append(w.VolumeMounts, corev1.VolumeMount{Name: scratchVolume, MountPath: spec.Scratch})
	}
	limits(&w, spec.Limits)
	s.Containers = append([]corev1.Container{w}, rest...)
	for _, sc := range spec.Sidecars {
		// With the agent, for readiness checks run in the sidecar.
		c := sidecar(sc, pull)
		c.VolumeMounts = []corev1.VolumeMount{{Name: agentVolume, MountPath: agentDir, ReadOnly: true}}
		s.Containers = append(s.Containers, c)
	}
	if len(spec.Sidecars) > 0 {
		// Services answer on localhost in a pod; their names must too, as
		// they do on a worker's Docker network.
		var names []string
		for _, sc := range spec.Sidecars {
			names = append(names, sc.Name)
		}
		s.HostAliases = append(s.HostAliases, corev1.HostAlias{IP: "127.0.0.1", Hostnames: names})
	}

	// The agent: copied by the agent image's binary into an emptyDir.
	s.InitContainers = append([]corev1.Container{{
		Name:            agentInit,
		Image:           e.opts.AgentImage,
		ImagePullPolicy: pull,
		Command:         []string{AgentBinary, "agent", "install", agentDir},
		VolumeMounts:    []corev1.VolumeMount{{Name: agentVolume, MountPath: agentDir}},
		Resources:       w.Resources, // a quota's LimitRange asks init containers for them too
	}}, s.InitContainers...)
	s.Volumes = append(s.Volumes, corev1.Volume{Name: agentVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
	if spec.Scratch != "" {
		size := resource.NewQuantity(engine.ScratchSize, resource.BinarySI)
		s.Volumes = append(s.Volumes, corev1.Volume{Name: scratchVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory, SizeLimit: size}}})
	}
	return pod, nil
}

func hasContainer(list []corev1.Container, name string) bool {
	for _, c := range list {
		if c.Name == name {
			return true
		}
	}
	return false
}

// limits sets the container's CPU and memory limits and security from l,
// where the template left them unset.
func limits(c *corev1.Container, l engine.Limits) {
	if c.Resources.Limits == nil {
		c.Resources.Limits = corev1.ResourceList{}
	}
	if _, ok := c.Resources.Limits[corev1.ResourceCPU]; !ok && l.NanoCPUs > 0 {
		c.Resources.Limits[corev1.ResourceCPU] = *resource.NewMilliQuantity(l.NanoCPUs/1e6, resource.DecimalSI)
	}
	if _, ok := c.Resources.Limits[corev1.ResourceMemory]; !ok && l.Memory > 0 {
		c.Resources.Limits[corev1.ResourceMemory] = *resource.NewQuantity(l.Memory, resource.BinarySI)
	}
	if len(c.Resources.Limits) == 0 {
		c.Resources.Limits = nil
	}
	if c.SecurityContext == nil {
		c.SecurityContext = &corev1.SecurityContext{}
	}
	sc := c.SecurityContext
	if sc.AllowPrivilegeEscalation == nil { // as Docker's no-new-privileges
		no := false
		sc.AllowPrivilegeEscalation = &no
	}
	if len(l.CapDrop) > 0 {
		if sc.Capabilities == nil {
			sc.Capabilities = &corev1.Capabilities{}
		}
		for _, c := range l.CapDrop {
			sc.Capabilities.Drop = append(sc.Capabilities.Drop, corev1.Capability(strings.ToUpper(c)))
		}
	}
}

// sidecar is a service's container in the worker's pod.
func sidecar(sc engine.Sidecar, pull corev1.PullPolicy) corev1.Container {
	c := corev1.Container{Name: sc.Name, Image: sc.Image, Args: sc.Args, ImagePullPolicy: pull}
	for _, kv := range sc.Env {
		k, v, _ := strings.Cut(kv, "=")
		c.Env = append(c.Env, corev1.EnvVar{Name: k, Value: v})
	}
	return c
}

var notNameChars = regexp.MustCompile(`[^a-z0-9-]+`)

// podName is a valid, unique pod name after name: lower case, invalid
// characters as '-', short enough for a host name, with a random suffix (a
// worker's new pod may be created before its old one is gone).
func podName(name string) string {
	n := notNameChars.ReplaceAllString(strings.ToLower(name), "-")
	n = strings.Trim(n, "-")
	if n == "" {
		n = "paratest"
	}
	if max := maxPodName - podNameSuffix; len(n) > max {
		n = strings.TrimRight(n[:max], "-")
	}
	return n + "-" + randomSuffix()
}

func randomSuffix() string {
	const chars = "bcdfghjklmnpqrstvwxz2456789" // as the API server's generateName
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = chars[int(b[i])%len(chars)]
	}
	return string(b)
}

// labelValue is v as a label value: itself when valid, else (a run id longer
// than 63 characters, or with characters labels refuse) a hash of it, the
// same every time, so that selectors find what Start labelled.
func labelValue(v string) string {
	if len(validation.IsValidLabelValue(v)) == 0 {
		return v
	}
	sum := sha256.Sum256([]byte(v))
	return "h-" + hex.EncodeToString(sum[:16])
}
