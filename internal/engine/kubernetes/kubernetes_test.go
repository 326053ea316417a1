package kubernetes

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	authv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	k8stesting "k8s.io/client-go/testing"

	"github.com/jenkins-paratest/jenkins-paratest/internal/agent"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
)

func template() corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"team": "ci"}},
		Spec: corev1.PodSpec{
			ServiceAccountName: "paratest",
			NodeSelector:       map[string]string{"pool": "ci"},
			Tolerations:        []corev1.Toleration{{Key: "ci", Operator: corev1.TolerationOpExists}},
			ImagePullSecrets:   []corev1.LocalObjectReference{{Name: "registry"}},
			Volumes:            []corev1.Volume{{Name: "cache", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
			Containers: []corev1.Container{
				{Name: "proxy", Image: "envoy:1"},
				{Name: WorkerContainer, Image: "ignored", Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")},
					Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")},
				}, VolumeMounts: []corev1.VolumeMount{{Name: "cache", MountPath: "/cache"}}},
			},
		},
	}
}

func workerSpec(runID string) engine.ContainerSpec {
	return engine.ContainerSpec{
		Image:   "example/suite:1",
		Name:    "paratest-" + runID + "-worker3",
		Labels:  map[string]string{"paratest.run": runID, "paratest.role": "worker", "paratest.worker": "3"},
		Env:     []string{"A=1", "B=x=y"},
		Cmd:     []string{agent.Path, "agent", "idle", "--orphan-ttl", "1m0s"},
		Mounts:  []engine.Mount{{Volume: "paratest-agent-0123", Target: "/.paratest/bin"}},
		Limits:  engine.Limits{NanoCPUs: 1.5e9, Memory: 2 << 30, CapDrop: []string{"net_raw"}},
		Scratch: "/.results",
	}
}

func TestPodFor(t *testing.T) {
	t.Parallel()
	e := newEngine(newFake("ci"), "ci", Options{Template: template(), AgentImage: "jenkins-paratest-agent:v1", ActiveDeadline: 2 * time.Hour})
	pod, err := e.podFor(workerSpec("build-7"), corev1.PullIfNotPresent)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(pod.Name, "paratest-build-7-worker3-") || len(validation.IsDNS1123Label(pod.Name)) > 0 {
		t.Errorf("name %q: want paratest-build-7-worker3-xxxxx, a DNS label", pod.Name)
	}
	if d := cmp.Diff(map[string]string{"team": "ci", "paratest.run": "build-7", "paratest.role": "worker", "paratest.worker": "3"}, pod.Labels); d != "" {
		t.Errorf("labels (-want +got):\n%s", d)
	}
	s := pod.Spec
	if s.RestartPolicy != corev1.RestartPolicyNever || s.ActiveDeadlineSeconds == nil || *s.ActiveDeadlineSeconds != 7200 {
		t.Errorf("restart policy %s, deadline %v: want Never, 7200", s.RestartPolicy, s.ActiveDeadlineSeconds)
	}
	if s.ServiceAccountName != "paratest" || s.NodeSelector["pool"] != "ci" || len(s.Tolerations) != 1 || s.ImagePullSecrets[0].Name != "registry" {
		t.Errorf("the template's scheduling and credentials are lost: %+v", s)
	}
	if len(s.Containers) != 2 || s.Containers[0].Name != WorkerContainer || s.Containers[1].Name != "proxy" {
		t.Fatalf("containers %v: want worker, then the template's proxy", names(s.Containers))
	}
	w := s.Containers[0]
	if w.Image != "example/suite:1" || !cmp.Equal(w.Command, workerSpec("x").Cmd) {
		t.Errorf("worker runs %s %v, want the test image and the agent", w.Image, w.Command)
	}
	if d := cmp.Diff([]corev1.EnvVar{{Name: "A", Value: "1"}, {Name: "B", Value: "x=y"}}, w.Env); d != "" {
		t.Errorf("env (-want +got):\n%s", d)
	}
	wantRes := corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi"), corev1.ResourceCPU: resource.MustParse("1500m")},
	}
	if !equalResources(wantRes, w.Resources) {
		t.Errorf("resources %v, want the template's memory limit over memory:, and cpus: as the cpu limit, %v", w.Resources, wantRes)
	}
	if sc := w.SecurityContext; sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation || sc.Capabilities == nil || sc.Capabilities.Drop[0] != "NET_RAW" {
		t.Errorf("security context %+v: want no privilege escalation, NET_RAW dropped", sc)
	}
	if len(w.VolumeMounts) != 3 || w.VolumeMounts[1].MountPath != "/.paratest/bin" || !w.VolumeMounts[1].ReadOnly ||
		w.VolumeMounts[2].MountPath != "/.results" || w.VolumeMounts[2].ReadOnly {
		t.Errorf("mounts %+v: want the template's, the agent's read-only, and the scratch", w.VolumeMounts)
	}
	if len(s.InitContainers) != 1 || s.InitContainers[0].Image != "jenkins-paratest-agent:v1" ||
		!cmp.Equal(s.InitContainers[0].Command, []string{"/jenkins-paratest", "agent", "install", "/.paratest/bin"}) {
		t.Errorf("init containers %+v: want the agent image installing the agent", s.InitContainers)
	}
	if len(s.Volumes) != 3 || s.Volumes[1].EmptyDir == nil || s.Volumes[2].EmptyDir == nil ||
		s.Volumes[2].Name != w.VolumeMounts[2].Name || s.Volumes[2].EmptyDir.Medium != corev1.StorageMediumMemory ||
		s.Volumes[2].EmptyDir.SizeLimit.Value() != engine.ScratchSize {
		t.Errorf("volumes %+v: want the template's, the agent's emptyDir and the scratch in memory", s.Volumes)
	}
	if s.EnableServiceLinks == nil || *s.EnableServiceLinks {
		t.Error("service links reach the tests' environment")
	}
	// The template is not changed for the next pod.
	if tm := e.opts.Template; len(tm.Spec.Containers) != 2 || len(tm.Spec.Volumes) != 1 || tm.Spec.Containers[1].Image != "ignored" {
		t.Errorf("podFor changed the template: %+v", tm.Spec)
	}
}

func TestPodForSidecars(t *testing.T) {
	t.Parallel()
	e := newEngine(newFake("ci"), "ci", Options{AgentImage: "a:1"})
	spec := workerSpec("r")
	spec.Sidecars = []engine.Sidecar{{Name: "postgres", Image: "postgres:17", Env: []string{"POSTGRES_PASSWORD=x"}}, {Name: "redis", Image: "redis:8", Args: []string{"--port", "6380"}}}
	pod, err := e.podFor(spec, corev1.PullNever)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(pod.Spec.Containers); !cmp.Equal(got, []string{"worker", "postgres", "redis"}) {
		t.Errorf("containers %v", got)
	}
	if r := pod.Spec.Containers[2]; r.Command != nil || !cmp.Equal(r.Args, []string{"--port", "6380"}) || r.ImagePullPolicy != corev1.PullNever {
		t.Errorf("redis: command %v args %v pull %s: want the entrypoint kept, the args replaced, pull never", r.Command, r.Args, r.ImagePullPolicy)
	}
	if m := pod.Spec.Containers[1].VolumeMounts; len(m) != 1 || m[0].MountPath != "/.paratest/bin" {
		t.Errorf("postgres mounts %+v: want the agent, for readiness checks", m)
	}
	want := []corev1.HostAlias{{IP: "127.0.0.1", Hostnames: []string{"postgres", "redis"}}}
	if d := cmp.Diff(want, pod.Spec.HostAliases); d != "" {
		t.Errorf("host aliases (-want +got):\n%s", d)
	}
}

func TestPodForRefusesOtherMounts(t *testing.T) {
	t.Parallel()
	e := newEngine(newFake("ci"), "ci", Options{AgentImage: "a:1"})
	spec := workerSpec("r")
	spec.Mounts = append(spec.Mounts, engine.Mount{Volume: "data", Target: "/data"})
	if _, err := e.podFor(spec, corev1.PullNever); !errors.Is(err, ErrNotSupported) {
		t.Errorf("err = %v, want ErrNotSupported", err)
	}
}

func TestLabelValue(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("jenkins-folder-job-", 5) + "42"
	for _, tc := range []struct{ in, want string }{
		{"build-7", "build-7"},
		{long, labelValue(long)},
		{"a b", labelValue("a b")},
	} {
		got := labelValue(tc.in)
		if got != tc.want || len(validation.IsValidLabelValue(got)) > 0 {
			t.Errorf("labelValue(%q) = %q, want %q, valid", tc.in, got, tc.want)
		}
	}
	if labelValue(long) == long || !strings.HasPrefix(labelValue(long), "h-") {
		t.Errorf("a 97-character run id is its own label value")
	}
	if got, want := selector(map[string]string{"paratest.run": long, "paratest.role": ""}), "paratest.role,paratest.run="+labelValue(long); got != want {
		t.Errorf("selector = %q, want %q", got, want)
	}
}

func TestStartLabelsAndRemoveAll(t *testing.T) {
	t.Parallel()
	f := newFake("ci")
	f.onCreatePod(runningStatus)
	e := newEngine(f, "ci", Options{AgentImage: "a:1"})
	long := strings.Repeat("x", 80)
	ctx := context.Background()
	c, err := e.Start(ctx, workerSpec(long))
	if err != nil {
		t.Fatal(err)
	}
	pod, err := f.GetPod(ctx, c.ID())
	if err != nil {
		t.Fatal(err)
	}
	if pod.Annotations["paratest.run"] != long {
		t.Errorf("annotation paratest.run = %q, want the run id as given", pod.Annotations["paratest.run"])
	}
	if _, err := e.Start(ctx, workerSpec("other")); err != nil {
		t.Fatal(err)
	}
	removed, err := e.RemoveAll(ctx, map[string]string{"paratest.run": long})
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(removed, []string{c.ID()}) {
		t.Errorf("removed %v, want only %s (the other run's pod stays)", removed, c.ID())
	}
	left, _ := f.ListPods(ctx, "")
	if len(left.Items) != 1 || left.Items[0].Labels["paratest.run"] != "other" {
		t.Errorf("left %d pods, want the other run's", len(left.Items))
	}
}

// A sidecar's Remove leaves the pod, which its worker's Remove deletes.
func TestSidecarRemove(t *testing.T) {
	t.Parallel()
	f := newFake("ci")
	f.onCreatePod(runningStatus)
	e := newEngine(f, "ci", Options{AgentImage: "a:1"})
	spec := workerSpec("r")
	spec.Sidecars = []engine.Sidecar{{Name: "db", Image: "postgres:17"}}
	c, err := e.Start(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	db := c.(engine.SidecarContainer).Sidecar("db")
	if db.ID() != c.ID() {
		t.Errorf("sidecar id %s, want its pod's %s", db.ID(), c.ID())
	}
	if err := db.Remove(context.Background()); err != nil {
		t.Fatal(err)
	}
	if left, _ := f.ListPods(context.Background(), ""); len(left.Items) != 1 {
		t.Fatalf("removing the sidecar removed its pod")
	}
	if err := c.Remove(context.Background()); err != nil {
		t.Fatal(err)
	}
	if left, _ := f.ListPods(context.Background(), ""); len(left.Items) != 0 {
		t.Errorf("the worker's Remove left its pod")
	}
}

func TestRemoveStale(t *testing.T) {
	t.Parallel()
	pod := func(name string, phase corev1.PodPhase) runtime.Object {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ci", Labels: map[string]string{"paratest.run": "r"}}, Status: corev1.PodStatus{Phase: phase}}
	}
	f := newFake("ci", pod("a", corev1.PodRunning), pod("b", corev1.PodSucceeded), pod("c", corev1.PodPending), pod("d", corev1.PodFailed))
	e := newEngine(f, "ci", Options{})
	removed, live, err := e.RemoveStale(context.Background(), map[string]string{"paratest.run": ""})
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(removed, []string{"b", "c", "d"}) || live != 1 {
		t.Errorf("removed %v, live %d: want b c d, 1", removed, live)
	}
}

func TestStartReportsPending(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		status corev1.PodStatus
		want   string
	}{
		{"no room", corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{
			Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable,
			Message: "0/1 nodes are available: 1 Insufficient cpu.",
		}}}, "Pending after 0s: Unschedulable: 0/1 nodes are available: 1 Insufficient cpu."},
		{"pull", corev1.PodStatus{Phase: corev1.PodPending, InitContainerStatuses: []corev1.ContainerStatus{{
			Name: agentInit, State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff", Message: `Back-off pulling image "a:1"`}},
		}}}, `paratest-agent: ImagePullBackOff: Back-off pulling image "a:1"`},
		{"no scheduler", corev1.PodStatus{Phase: corev1.PodPending}, "no node took it within start_timeout 50ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake("ci")
			f.onCreatePod(func(p *corev1.Pod) { p.Status = tc.status })
			e := newEngine(f, "ci", Options{AgentImage: "a:1", Unschedulable: time.Millisecond, StartTimeout: 50 * time.Millisecond})
			e.poll = time.Millisecond
			_, err := e.Start(context.Background(), workerSpec("r"))
			var pending *PendingError
			if !errors.As(err, &pending) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want a PendingError with %q", err, tc.want)
			}
			if left, _ := f.ListPods(context.Background(), ""); len(left.Items) != 0 {
				t.Errorf("the pending pod is left")
			}
		})
	}
}

func TestMissingPermissions(t *testing.T) {
	t.Parallel()
	f := newFake("ci")
	var asked []string
	f.cs.PrependReactor("create", "selfsubjectaccessreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
		r := a.(k8stesting.CreateAction).GetObject().(*authv1.SelfSubjectAccessReview)
		ra := r.Spec.ResourceAttributes
		res := ra.Resource
		if ra.Subresource != "" {
			res += "/" + ra.Subresource
		}
		asked = append(asked, ra.Namespace+" "+ra.Verb+" "+res)
		r.Status.Allowed = !(ra.Verb == "create" && res == "pods/exec")
		return true, r, nil
	})
	e := newEngine(f, "ci", Options{})
	missing, err := e.MissingPermissions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(missing, []Permission{{"create", "pods/exec"}}) {
		t.Errorf("missing %v, want create pods/exec", missing)
	}
	if len(asked) != len(Permissions) || asked[0] != "ci create pods" {
		t.Errorf("asked %v", asked)
	}
	want := "RBAC: namespace ci denies create pods/exec: add them to the Role"
	if msg := e.MissingMessage(missing); !strings.HasPrefix(msg, want) {
		t.Errorf("message %q, want it to start %q", msg, want)
	}
}

func TestQuotaProblems(t *testing.T) {
	t.Parallel()
	quota := func(name string, hard, used corev1.ResourceList) runtime.Object {
		return &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ci"}, Spec: corev1.ResourceQuotaSpec{Hard: hard}, Status: corev1.ResourceQuotaStatus{Hard: hard, Used: used}}
	}
	rl := func(kv ...string) corev1.ResourceList {
		out := corev1.ResourceList{}
		for i := 0; i < len(kv); i += 2 {
			out[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
		}
		return out
	}
	f := newFake("ci",
		quota("compute", rl("requests.cpu", "2", "limits.memory", "16Gi", "pods", "10"), rl("requests.cpu", "500m", "limits.memory", "1Gi", "pods", "1")),
		quota("gpu", rl("requests.nvidia.com/gpu", "1"), nil),
	)
	e := newEngine(f, "ci", Options{Template: template(), AgentImage: "a:1"})
	got, err := e.QuotaProblems(context.Background(), workerSpec("r"), 4)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"quota compute: requests.cpu: 4 workers × 500m = 2, but 1500m of 2 is left"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("problems (-want +got):\n%s", d)
	}
	if got, _ := e.QuotaProblems(context.Background(), workerSpec("r"), 3); len(got) != 0 {
		t.Errorf("3 workers fit, got %v", got)
	}
}

func TestInfo(t *testing.T) {
	t.Parallel()
	f := newFake("ci")
	e := newEngine(f, "ci", Options{})
	info, err := e.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.Host != "kubernetes" || info.ID != "/ci" {
		t.Errorf("info %+v", info)
	}
}

func names(cs []corev1.Container) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

func equalResources(a, b corev1.ResourceRequirements) bool {
	eq := func(x, y corev1.ResourceList) bool {
		if len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if w, ok := y[k]; !ok || v.Cmp(w) != 0 {
				return false
			}
		}
		return true
	}
	return eq(a.Requests, b.Requests) && eq(a.Limits, b.Limits)
}
